-- Web console sign-in: one-time links and sessions. Only the SHA-256 of a
-- token is kept (hex), never the token itself. Times are RFC 3339 text in
-- UTC with a fixed width (see stamp), which sorts as time.
CREATE TABLE IF NOT EXISTS handover_signin_links (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE TABLE IF NOT EXISTS handover_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_sessions_user_idx ON handover_sessions (user_id);
