package handover

import "time"

// StoredUpload is a file uploaded to the web console and kept on the
// server, so that its preview pages and its run refer to it by ID instead
// of asking for the file again. Only its uploader may reach it.
type StoredUpload struct {
	ID       string    `db:"id"` // unguessable: random, URL-safe
	Tenant   int64     `db:"tenant_id"`
	Operator int64     `db:"operator_id"`
	Name     string    `db:"file_name"` // the file's name as the browser sent it
	SHA256   string    `db:"file_sha256"`
	Size     int64     `db:"size"`
	Created  time.Time `db:"-"`
	Job      *int64    `db:"job_id"` // the job that ran it, nil until one did
}
