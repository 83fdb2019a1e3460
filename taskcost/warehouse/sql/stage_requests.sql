-- step: stage-requests
-- grain: one row per assistant line that carried usage (copies not yet removed)
-- params: $files VARCHAR[] (staged Parquet written by the ingest workers)
-- reads: chunks (chunk_id, source, user, machine, source_file, line_base, state: the
--        source's carried state before the chunk, JSON)
-- Adds the per-file columns and resolves line numbers and carried prompt ids; the cost
-- columns stay null until price_requests.sql fills them.
CREATE OR REPLACE TEMP TABLE staged_requests AS
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
    END AS prompt_id,
    NULL::DOUBLE AS cost_usd,
    NULL::VARCHAR AS cost_source
FROM read_parquet($files) AS s
JOIN chunks AS c USING (chunk_id);
