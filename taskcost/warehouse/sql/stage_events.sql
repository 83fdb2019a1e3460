-- step: stage-events
-- grain: one row per event found in the lines read (copies not yet removed)
-- params: $files VARCHAR[] (staged Parquet written by the ingest workers)
-- reads: chunks (see stage_requests.sql; prompt ids carried into a chunk are resolved the same way)
CREATE OR REPLACE TEMP TABLE staged_events AS
SELECT
    s.* EXCLUDE (chunk_id, line_in_chunk, prompt_carry, prompt_id, user_hint),
    c.source,
    coalesce(s.user_hint, c.user) AS user,
    c.machine,
    c.source_file,
    c.line_base + s.line_in_chunk AS line_no,
    CASE
        WHEN s.prompt_carry THEN coalesce(s.prompt_id, json_extract_string(c.state, '$.prompt_id'))
        ELSE s.prompt_id
    END AS prompt_id
FROM read_parquet($files) AS s
JOIN chunks AS c USING (chunk_id);
