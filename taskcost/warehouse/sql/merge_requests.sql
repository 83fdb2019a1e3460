-- step: merge-requests
-- grain: one row per candidate copy of a request: every staged row, plus the warehouse
--        rows that share a message id with one
-- reads: staged_requests, existing_requests
-- Decides which copy of each request the warehouse keeps (_keep), on narrow rows: a staged
-- row is named by its rowid (_row), an existing one by its file (_part) and request_key.
-- The rule is a total order, so the outcome does not depend on the order in which files
-- were ingested:
--   * rows are grouped by message id;
--   * if a group has a main-chain row, its sidechain rows are replays and dropped, and
--     one row is kept per request id; if it has only sidechain rows, one row is kept;
--   * the kept row is the most complete copy: final usage over placeholder usage, then
--     the larger token total;
--   * among equal copies (a resumed or forked session replays its parent's history), the
--     one in the session that ran first: the session whose first request is earliest,
--     then whose last request is earliest; then the earliest file and line, and an
--     existing row over an identical new one.
CREATE OR REPLACE TEMP TABLE request_candidates AS
SELECT
    rowid AS _row,
    NULL::VARCHAR AS _part,
    coalesce(message_id, request_key) AS _group,
    request_id,
    request_key,
    session_id,
    is_sidechain,
    usage_quality = 'final' AS _final,
    input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
        + output_tokens AS _total,
    source_file,
    line_no
FROM staged_requests
UNION ALL
SELECT
    NULL,
    filename,
    coalesce(message_id, request_key),
    request_id,
    request_key,
    session_id,
    is_sidechain,
    usage_quality = 'final',
    input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
        + output_tokens,
    source_file,
    line_no
FROM existing_requests
WHERE coalesce(message_id, request_key) IN (
    SELECT coalesce(message_id, request_key) FROM staged_requests
);

CREATE OR REPLACE TEMP TABLE request_spans AS
WITH sessions AS (SELECT DISTINCT session_id FROM request_candidates)
SELECT session_id, min(ts) AS first_ts, max(ts) AS last_ts
FROM (
    SELECT session_id, ts FROM staged_requests
    UNION ALL
    SELECT session_id, ts FROM existing_requests
)
WHERE session_id IN (SELECT session_id FROM sessions)
GROUP BY session_id;

CREATE OR REPLACE TEMP TABLE request_merge AS
WITH classed AS (
    SELECT
        c.*,
        s.first_ts,
        s.last_ts,
        CASE
            WHEN NOT bool_or(NOT c.is_sidechain) OVER (PARTITION BY c._group) THEN ''
            WHEN c.is_sidechain THEN NULL
            ELSE coalesce(c.request_id, '')
        END AS _class
    FROM request_candidates AS c
    LEFT JOIN request_spans AS s USING (session_id)
)
SELECT
    _row,
    _part,
    request_key,
    _class IS NOT NULL AND row_number() OVER (
        PARTITION BY _group, _class
        ORDER BY _final DESC, _total DESC, first_ts, last_ts, source_file, line_no, _part IS NULL
    ) = 1 AS _keep
FROM classed;
