-- A fingerprint of the rows each journal entry moved (see fingerprint.go),
-- so that undo can tell rows edited since the run. NULL for entries that
-- move nothing and for journals written before it existed.
ALTER TABLE handover_moves ADD COLUMN fingerprint INTEGER;
