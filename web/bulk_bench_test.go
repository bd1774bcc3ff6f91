package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"handover/engine"
	"handover/sample"
	"handover/transfer"
)

// BenchmarkBulkPreviewPage times one page of the Bulk preview of a
// 2,000-pair upload (the most a file may hold) in a tenant of 5,000 users:
// each page validates and counts the whole file again, as the CLI's
// preview does. Per page, in ns/op:
//
//	HANDOVER_TEST_PG=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	go test ./web -run '^$' -bench BulkPreviewPage -benchtime 10x
func BenchmarkBulkPreviewPage(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			if backend == "postgres" && os.Getenv("HANDOVER_TEST_PG") == "" {
				b.Skip("HANDOVER_TEST_PG is not set")
			}
			ctx := context.Background()
			db, err := engine.Open(ctx, freshDSN(b, backend))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			info, err := sample.Build(ctx, db, sample.Options{Users: 5000, RowsPerUser: 10, Seed: 4})
			if err != nil {
				b.Fatal(err)
			}
			const pairs = 2000
			if len(info.ActiveAgents) < 2*pairs {
				b.Fatalf("%d active agents, want %d", len(info.ActiveAgents), 2*pairs)
			}
			var csv strings.Builder
			csv.WriteString("From User ID,To User ID\n")
			for i := range pairs {
				csv.WriteString(itoa(info.ActiveAgents[i]) + "," + itoa(info.ActiveAgents[pairs+i]) + "\n")
			}
			svc := &transfer.Service{DB: db}
			a, err := svc.Authorize(ctx, info.TenantAdmin)
			if err != nil {
				b.Fatal(err)
			}
			stored, err := svc.StoreUpload(ctx, a, "big.csv", []byte(csv.String()))
			if err != nil {
				b.Fatal(err)
			}
			srv, err := NewServer(svc, "http://127.0.0.1")
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				w, r := httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/bulk/uploads/"+stored.ID+"?page=40", nil)
				r.SetPathValue("id", stored.ID)
				err := srv.handlePreview(w, r, a)
				if err != nil || w.Code != http.StatusOK {
					b.Fatalf("preview page: %d, %v", w.Code, err)
				}
			}
		})
	}
}
