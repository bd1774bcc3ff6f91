-- Web console sign-in: one-time links and sessions. Only the SHA-256 of a
-- token is kept (hex), never the token itself.
CREATE TABLE IF NOT EXISTS handover_signin_links (
    token_sha256 TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS handover_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_sessions_user_idx ON handover_sessions (user_id);
