-- Full copies of target rows deleted by overwrite, per job and pair, so that
-- undo restores them exactly. Same column types as the tables they copy.
CREATE TABLE IF NOT EXISTS handover_archive_schedules (
    job_id  BIGINT NOT NULL,
    pair_id BIGINT NOT NULL,
    id        BIGINT,
    tenant_id BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    name      TEXT NOT NULL,
    timezone  TEXT NOT NULL,
    pattern   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_archive_schedules_pair_idx ON handover_archive_schedules (pair_id);
CREATE TABLE IF NOT EXISTS handover_archive_skill_mappings (
    job_id  BIGINT NOT NULL,
    pair_id BIGINT NOT NULL,
    id          BIGINT,
    tenant_id   BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    skill_id    BIGINT NOT NULL,
    proficiency INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_archive_skill_mappings_pair_idx ON handover_archive_skill_mappings (pair_id);
CREATE TABLE IF NOT EXISTS handover_archive_vacation_balances (
    job_id  BIGINT NOT NULL,
    pair_id BIGINT NOT NULL,
    user_id        BIGINT,
    tenant_id      BIGINT NOT NULL,
    days_remaining NUMERIC(6, 2) NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_archive_vacation_balances_pair_idx ON handover_archive_vacation_balances (pair_id);
CREATE TABLE IF NOT EXISTS handover_archive_work_shifts (
    job_id  BIGINT NOT NULL,
    pair_id BIGINT NOT NULL,
    id        BIGINT,
    tenant_id BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at   TIMESTAMPTZ NOT NULL,
    activity  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_archive_work_shifts_pair_idx ON handover_archive_work_shifts (pair_id);
CREATE TABLE IF NOT EXISTS handover_archive_productivity (
    job_id  BIGINT NOT NULL,
    pair_id BIGINT NOT NULL,
    id          BIGINT,
    tenant_id   BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    day         DATE NOT NULL,
    handled     INTEGER NOT NULL,
    aht_seconds INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_archive_productivity_pair_idx ON handover_archive_productivity (pair_id);
