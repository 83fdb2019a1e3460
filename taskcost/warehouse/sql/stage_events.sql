-- step: stage-events
-- grain: one row per event found in the lines read (copies not yet removed)
-- params: $files VARCHAR[] (staged Parquet written by the ingest workers)
-- reads: chunks
CREATE OR REPLACE TEMP TABLE staged_events AS
SELECT
    s.* EXCLUDE (chunk_id, line_in_chunk, user_hint),
    c.source,
    coalesce(s.user_hint, c.user) AS user,
    c.machine,
    c.source_file,
    c.line_base + s.line_in_chunk AS line_no
FROM read_parquet($files) AS s
JOIN chunks AS c USING (chunk_id);
