-- The tool's own tables: the job ledger, the undo journal and archives of
-- overwritten rows (same columns as their tables, so restores are exact).
CREATE TABLE IF NOT EXISTS handover_jobs (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    operator_id BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    file_sha256 TEXT NOT NULL DEFAULT '',
    options     TEXT NOT NULL DEFAULT '{}',
    upload      TEXT NOT NULL DEFAULT '{}',
    undo_of     BIGINT,
    audit_path  TEXT NOT NULL DEFAULT '',
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    pruned_at   TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS handover_jobs_tenant_idx ON handover_jobs (tenant_id, id);
CREATE TABLE IF NOT EXISTS handover_pairs (
    id            BIGSERIAL PRIMARY KEY,
    job_id        BIGINT NOT NULL REFERENCES handover_jobs (id),
    line          INTEGER NOT NULL,
    from_id       BIGINT NOT NULL,
    to_id         BIGINT NOT NULL,
    from_name     TEXT NOT NULL DEFAULT '',
    to_name       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    record        TEXT NOT NULL DEFAULT '[]',
    undo_of       BIGINT,
    done_at       TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS handover_pairs_job_idx ON handover_pairs (job_id, status);
CREATE INDEX IF NOT EXISTS handover_pairs_pair_idx ON handover_pairs (from_id, to_id);
CREATE TABLE IF NOT EXISTS handover_moves (
    job_id       BIGINT NOT NULL,
    pair_id      BIGINT NOT NULL,
    data_type    TEXT NOT NULL,
    owner_column TEXT NOT NULL,
    moved        BIGINT NOT NULL,
    overwritten  BIGINT NOT NULL,
    ids          BIGINT[],
    PRIMARY KEY (pair_id, data_type, owner_column)
);
CREATE INDEX IF NOT EXISTS handover_moves_job_idx ON handover_moves (job_id);
