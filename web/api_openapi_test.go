package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// TestAPIOpenAPI: the served description is a valid OpenAPI 3 document,
// and every operation in it answers (on both backends) with a status and a
// body that the document describes.
func TestAPIOpenAPI(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	eachBackend(t, func(t *testing.T, backend string) {
		c := newConsole(t, backend)
		_, base := c.api(nil)
		here := *doc // the router matches requests against the servers' URLs
		here.Servers = openapi3.Servers{{URL: base}}
		router, err := legacy.NewRouter(&here)
		if err != nil {
			t.Fatal(err)
		}
		api := c.client(base, c.info.TenantAdmin)
		served := api.get("/api/v1/openapi.json")
		if served.status != http.StatusOK || served.body != string(openAPI) {
			t.Fatalf("GET /api/v1/openapi.json: %d", served.status)
		}
		paths := doc.Paths.InMatchingOrder()
		sort.Strings(paths)
		for _, path := range paths {
			for method, op := range doc.Paths.Value(path).Operations() {
				t.Run(method+" "+path, func(t *testing.T) {
					c.checkOperation(t, api, router, method, path, op)
				})
			}
		}
	})
}

// checkOperation calls one operation of the document with a request that
// should succeed and checks the answer against the document.
func (c *console) checkOperation(t *testing.T, api *apiClient, router routers.Router, method, path string, op *openapi3.Operation) {
	url := strings.ReplaceAll(path, "{id}", fmt.Sprint(c.job))
	contentType, body := "", ""
	switch op.OperationID {
	case "preview", "startJob":
		contentType, body = "text/csv", bulkCSV(c.agentPairs(1))
	case "resume": // a finished job: refused, as the document says
	}
	req, err := http.NewRequest(method, api.base+url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound && strings.Contains(string(got), "no API route") || resp.StatusCode >= 500 {
		t.Fatalf("%s %s: %d\n%s", method, url, resp.StatusCode, got)
	}
	if op.OperationID == "startJob" || op.OperationID == "undo" {
		defer func() {
			if loc := resp.Header.Get("Location"); loc != "" {
				api.poll(loc)
			}
		}()
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", method, url, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(got))}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: %d does not match the document: %v\n%.500s", method, url, resp.StatusCode, err, got)
	}
}
