-- Files uploaded to the web console, kept so that their preview pages and
-- their run refer to them by an unguessable ID instead of a second upload.
-- Only the uploader (operator_id, in tenant_id) may reach one; job_id is
-- the job that ran it.
CREATE TABLE IF NOT EXISTS handover_uploads (
    id          TEXT PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    operator_id BIGINT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    size        BIGINT NOT NULL,
    content     BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    job_id      BIGINT REFERENCES handover_jobs (id)
);
CREATE INDEX IF NOT EXISTS handover_uploads_owner_idx ON handover_uploads (tenant_id, operator_id, created_at);
-- The user pickers search names and emails by prefix within a tenant:
-- byte order ("C"), so that a prefix is a range of the index.
CREATE INDEX IF NOT EXISTS users_name_search_idx ON users (tenant_id, (lower(name) COLLATE "C"));
CREATE INDEX IF NOT EXISTS users_email_search_idx ON users (tenant_id, (lower(email) COLLATE "C"));
