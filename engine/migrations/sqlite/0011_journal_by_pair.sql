-- The journal is read by pair (its primary key); a job's entries are found
-- through its pairs. The index on job_id cost every journal insert a second
-- index entry: about a twentieth of a run.
DROP INDEX IF EXISTS handover_moves_job_idx;
