package web

import (
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// editExport does what an admin does in a spreadsheet: types each
// source's successor into the To User ID cell of the export's row. It
// keeps the export's BOM, header and every other cell.
func editExport(t *testing.T, export string, pairs map[int64]int64) string {
	t.Helper()
	body, bom := strings.CutPrefix(export, "\ufeff")
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	for _, rec := range records[1:] {
		id, err := strconv.ParseInt(rec[0], 10, 64)
		if err != nil {
			t.Fatalf("export row %v: %v", rec, err)
		}
		if to, ok := pairs[id]; ok {
			rec[1] = itoa(to)
		}
	}
	var buf bytes.Buffer
	if bom {
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// signedIn returns a browser signed in as op.
func (c *console) signedIn(op int64) *browser {
	c.t.Helper()
	b := c.browser()
	b.signIn(op)
	return b
}

// upload posts file as the Bulk tab's form does and returns the response.
func (b *browser) upload(name string, file io.Reader) (*http.Response, string) {
	b.c.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile(uploadField, name)
		if err == nil {
			_, err = io.Copy(part, file)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, b.c.ts.URL+"/bulk/uploads", pr)
	if err != nil {
		b.c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// uploadCSV uploads content and returns the preview's path, checking the
// upload is accepted.
func (b *browser) uploadCSV(name, content string) string {
	b.c.t.Helper()
	resp, body := b.upload(name, strings.NewReader(content))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/bulk/uploads/") {
		b.c.t.Fatalf("upload %s: %s, Location %q\n%s", name, resp.Status, loc, body)
	}
	return loc
}

// count returns the result of a count(*) query on the console's database.
func (c *console) count(q string, args ...any) int {
	c.t.Helper()
	var n int
	if err := c.db.SQL().Get(&n, c.db.SQL().Rebind(q), args...); err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
	return n
}
