-- The HTTP API: bearer tokens (only the SHA-256 of a token is kept, in
-- hex), the Idempotency-Key of each job start (per tenant, with a digest
-- of the request so that a different request under the same key is
-- refused), and the delivery of each job's end notification. Times are
-- RFC 3339 text in UTC with a fixed width (see stamp).
CREATE TABLE IF NOT EXISTS handover_api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_sha256 TEXT NOT NULL UNIQUE,
    tenant_id    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
-- A name names one live token of the tenant; revoked tokens keep theirs.
CREATE UNIQUE INDEX IF NOT EXISTS handover_api_tokens_name_idx ON handover_api_tokens (tenant_id, name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS handover_idempotency (
    tenant_id      INTEGER NOT NULL,
    idem_key       TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    job_id         INTEGER,
    claimed_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE TABLE IF NOT EXISTS handover_notifications (
    job_id       INTEGER PRIMARY KEY,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);
