package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net"
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

// fileForm streams file as the multipart body of the Bulk tab's form and
// returns it with its content type.
func fileForm(name string, file io.Reader) (*io.PipeReader, string) {
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
	return pr, mw.FormDataContentType()
}

// upload posts file as the Bulk tab's form does and returns the response.
func (b *browser) upload(name string, file io.Reader) (*http.Response, string) {
	b.c.t.Helper()
	req, body := b.uploadRequest(name, file)
	defer body.Close()
	return b.do(req)
}

// uploadRequest is the form POST of file; close body once done.
func (b *browser) uploadRequest(name string, file io.Reader) (req *http.Request, body io.Closer) {
	b.c.t.Helper()
	pr, contentType := fileForm(name, file)
	req, err := http.NewRequest(http.MethodPost, b.c.ts.URL+"/bulk/uploads", pr)
	if err != nil {
		b.c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return req, pr
}

// uploadCutOff posts file as upload does, on a connection of its own
// that reads the answer while the file is still being sent: the server
// answers a body over its limit before the client has finished, then
// closes, and a client that waits for its write to end may see only the
// closed connection.
func (b *browser) uploadCutOff(name string, file io.Reader) (*http.Response, string) {
	b.c.t.Helper()
	req, body := b.uploadRequest(name, file)
	defer body.Close()
	for _, ck := range b.client.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		b.c.t.Fatal(err)
	}
	defer conn.Close()
	go func() { _ = req.Write(conn) }() // fails once the server has closed
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		b.c.t.Fatalf("upload %s: no answer: %v", name, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		b.c.t.Fatalf("upload %s: %v", name, err)
	}
	return resp, string(answer)
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
