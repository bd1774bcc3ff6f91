-- The row hash a run's journal holds (see fingerprint.go). SQLite has one,
-- handover_row_hash (1); the column is here because PostgreSQL has two.
ALTER TABLE handover_jobs ADD COLUMN fingerprint INTEGER NOT NULL DEFAULT 1;
