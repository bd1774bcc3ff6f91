-- The bundled application schema: directory and the 14 data types.
CREATE TABLE IF NOT EXISTS tenants (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    id        BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    name      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id        BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    team_id   BIGINT REFERENCES teams (id),
    name      TEXT NOT NULL,
    email     TEXT NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('tenant_admin', 'admin', 'supervisor', 'agent')),
    active    BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX IF NOT EXISTS users_tenant_idx ON users (tenant_id, id);
CREATE TABLE IF NOT EXISTS admin_views (
    admin_id BIGINT NOT NULL REFERENCES users (id),
    team_id  BIGINT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (admin_id, team_id)
);

CREATE TABLE IF NOT EXISTS contacts (
    id               BIGINT PRIMARY KEY,
    tenant_id        BIGINT NOT NULL,
    agent_id         BIGINT NOT NULL,
    channel          TEXT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    duration_seconds INTEGER NOT NULL,
    recording_uri    TEXT
);
CREATE INDEX IF NOT EXISTS contacts_agent_idx ON contacts (agent_id);
CREATE TABLE IF NOT EXISTS evaluations (
    id           BIGINT PRIMARY KEY,
    tenant_id    BIGINT NOT NULL,
    contact_id   BIGINT,
    evaluator_id BIGINT NOT NULL,
    approver_id  BIGINT,
    score        NUMERIC(5, 2),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluations_evaluator_idx ON evaluations (evaluator_id);
CREATE INDEX IF NOT EXISTS evaluations_approver_idx ON evaluations (approver_id);
CREATE TABLE IF NOT EXISTS evaluation_comments (
    id            BIGINT PRIMARY KEY,
    tenant_id     BIGINT NOT NULL,
    evaluation_id BIGINT,
    author_id     BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluation_comments_author_idx ON evaluation_comments (author_id);
CREATE TABLE IF NOT EXISTS contact_goals (
    id           BIGINT PRIMARY KEY,
    tenant_id    BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    metric       TEXT NOT NULL,
    target_value NUMERIC(10, 2),
    period       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contact_goals_user_idx ON contact_goals (user_id);
CREATE TABLE IF NOT EXISTS storage_files (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    path       TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS storage_files_user_idx ON storage_files (user_id);
CREATE TABLE IF NOT EXISTS audit_events (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_user_idx ON audit_events (user_id);
CREATE TABLE IF NOT EXISTS requests (
    id        BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    status    TEXT NOT NULL,
    starts_on DATE,
    ends_on   DATE
);
CREATE INDEX IF NOT EXISTS requests_user_idx ON requests (user_id);
CREATE TABLE IF NOT EXISTS request_comments (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL,
    request_id BIGINT,
    author_id  BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS request_comments_author_idx ON request_comments (author_id);
CREATE TABLE IF NOT EXISTS saved_views (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    name       TEXT NOT NULL,
    definition TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_views_user_idx ON saved_views (user_id);
CREATE TABLE IF NOT EXISTS schedules (
    id        BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    user_id   BIGINT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    timezone  TEXT NOT NULL,
    pattern   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS skill_mappings (
    id          BIGINT PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    skill_id    BIGINT NOT NULL,
    proficiency INTEGER NOT NULL,
    UNIQUE (user_id, skill_id)
);
CREATE TABLE IF NOT EXISTS vacation_balances (
    user_id        BIGINT PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    days_remaining NUMERIC(6, 2) NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS work_shifts (
    id        BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at   TIMESTAMPTZ NOT NULL,
    activity  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_shifts_user_idx ON work_shifts (user_id);
CREATE TABLE IF NOT EXISTS productivity (
    id          BIGINT PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    day         DATE NOT NULL,
    handled     INTEGER NOT NULL,
    aht_seconds INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS productivity_user_idx ON productivity (user_id);
