-- The row hash a run's journal holds (see fingerprint.go): 1, the row's
-- text form with hashtext, which every job recorded before this column
-- holds; 2, hash_record, which new jobs use where the server has it.
ALTER TABLE handover_jobs ADD COLUMN fingerprint SMALLINT NOT NULL DEFAULT 1;
