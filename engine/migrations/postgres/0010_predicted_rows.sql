-- The rows the preview predicted each pair would move and overwrite, which
-- sizes the transactions a job is applied in. NULL where unknown (a job
-- recorded before this column, or without a preview).
ALTER TABLE handover_pairs ADD COLUMN predicted_rows BIGINT;
