-- Who holds each tenant's job guard, and since when: written by the holder
-- right after taking the guard, read by whoever is refused it, so that the
-- refusal can name the operator even before the holder's job is recorded.
CREATE TABLE IF NOT EXISTS handover_guards (
    tenant_id   BIGINT PRIMARY KEY,
    operator_id BIGINT NOT NULL,
    action      TEXT NOT NULL,
    since       TIMESTAMPTZ NOT NULL
);
