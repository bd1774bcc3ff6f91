-- The HTTP API: bearer tokens (only the SHA-256 of a token is kept, in
-- hex), the Idempotency-Key of each job start (per tenant, with a digest
-- of the request so that a different request under the same key is
-- refused), and the delivery of each job's end notification.
CREATE TABLE IF NOT EXISTS handover_api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    tenant_id    BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
-- A name names one live token of the tenant; revoked tokens keep theirs.
CREATE UNIQUE INDEX IF NOT EXISTS handover_api_tokens_name_idx ON handover_api_tokens (tenant_id, name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS handover_idempotency (
    tenant_id      BIGINT NOT NULL,
    idem_key       TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    job_id         BIGINT,
    claimed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE TABLE IF NOT EXISTS handover_notifications (
    job_id       BIGINT PRIMARY KEY,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMPTZ NOT NULL
);
