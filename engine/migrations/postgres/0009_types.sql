-- The data types each pair hands over: table names joined by commas, empty
-- for every type. A split leaver has one pair per successor.
ALTER TABLE handover_pairs ADD COLUMN types TEXT NOT NULL DEFAULT '';
