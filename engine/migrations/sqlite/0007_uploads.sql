-- Files uploaded to the web console, kept so that their preview pages and
-- their run refer to them by an unguessable ID instead of a second upload.
-- Only the uploader (operator_id, in tenant_id) may reach one; job_id is
-- the job that ran it. Times are RFC 3339 text in UTC (see stamp).
CREATE TABLE IF NOT EXISTS handover_uploads (
    id          TEXT PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    operator_id INTEGER NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    job_id      INTEGER REFERENCES handover_jobs (id)
);
CREATE INDEX IF NOT EXISTS handover_uploads_owner_idx ON handover_uploads (tenant_id, operator_id, created_at);
-- The user pickers search names and emails by prefix within a tenant.
CREATE INDEX IF NOT EXISTS users_name_search_idx ON users (tenant_id, lower(name));
CREATE INDEX IF NOT EXISTS users_email_search_idx ON users (tenant_id, lower(email));
