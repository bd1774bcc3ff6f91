-- The tool's own tables: the job ledger, the undo journal and archives of
-- overwritten rows (same columns as their tables, so restores are exact).
CREATE TABLE IF NOT EXISTS handover_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL,
    operator_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    file_sha256 TEXT NOT NULL DEFAULT '',
    options     TEXT NOT NULL DEFAULT '{}',
    upload      TEXT NOT NULL DEFAULT '{}',
    undo_of     INTEGER,
    audit_path  TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    pruned_at   TEXT
);
CREATE INDEX IF NOT EXISTS handover_jobs_tenant_idx ON handover_jobs (tenant_id, id);
CREATE TABLE IF NOT EXISTS handover_pairs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        INTEGER NOT NULL REFERENCES handover_jobs (id),
    line          INTEGER NOT NULL,
    from_id       INTEGER NOT NULL,
    to_id         INTEGER NOT NULL,
    from_name     TEXT NOT NULL DEFAULT '',
    to_name       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    record        TEXT NOT NULL DEFAULT '[]',
    undo_of       INTEGER,
    done_at       TEXT
);
CREATE INDEX IF NOT EXISTS handover_pairs_job_idx ON handover_pairs (job_id, status);
CREATE INDEX IF NOT EXISTS handover_pairs_pair_idx ON handover_pairs (from_id, to_id);
CREATE TABLE IF NOT EXISTS handover_moves (
    job_id       INTEGER NOT NULL,
    pair_id      INTEGER NOT NULL,
    data_type    TEXT NOT NULL,
    owner_column TEXT NOT NULL,
    moved        INTEGER NOT NULL,
    overwritten  INTEGER NOT NULL,
    ids          TEXT,
    PRIMARY KEY (pair_id, data_type, owner_column)
);
CREATE INDEX IF NOT EXISTS handover_moves_job_idx ON handover_moves (job_id);
