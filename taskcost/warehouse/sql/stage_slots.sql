-- step: stage-slots
-- grain: one row per bucket row of a vendor export read in this run (org_usage,
--        org_cost or member_daily; one table at a time)
-- params: $files VARCHAR[] (staged Parquet written by the ingest workers)
-- reads: chunks
CREATE OR REPLACE TEMP TABLE staged_slots AS
SELECT s.* EXCLUDE (chunk_id), c.source, c.source_file
FROM read_parquet($files) AS s
JOIN chunks AS c USING (chunk_id);
