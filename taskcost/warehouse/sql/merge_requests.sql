-- step: merge-requests
-- grain: one row per candidate copy of a request: every staged row, plus the warehouse
--        rows that share a message id with one (existing rows carry their file in _part)
-- reads: staged_requests, existing_requests
-- Decides which copy of each request the warehouse keeps (_keep). The rule is a total
-- order, so the outcome does not depend on the order in which files were ingested:
--   * rows are grouped by message id;
--   * if a group has a main-chain row, its sidechain rows are replays and dropped, and
--     one row is kept per request id; if it has only sidechain rows, one row is kept;
--   * the kept row is the most complete copy: final usage over placeholder usage, then
--     the larger token total, then the earliest timestamp, file, line, and an existing
--     row over an identical new one.
CREATE OR REPLACE TEMP TABLE request_merge AS
WITH candidates AS (
    SELECT *, NULL::VARCHAR AS _part FROM staged_requests
    UNION ALL BY NAME
    SELECT e.* RENAME (filename AS _part)
    FROM existing_requests AS e
    WHERE coalesce(e.message_id, e.request_key) IN (
        SELECT coalesce(message_id, request_key) FROM staged_requests
    )
),
classed AS (
    SELECT
        *,
        coalesce(message_id, request_key) AS _group,
        CASE
            WHEN NOT bool_or(NOT is_sidechain) OVER (PARTITION BY coalesce(message_id, request_key)) THEN ''
            WHEN is_sidechain THEN NULL
            ELSE coalesce(request_id, '')
        END AS _class
    FROM candidates
)
SELECT
    * EXCLUDE (_group),
    _class IS NOT NULL AND row_number() OVER (
        PARTITION BY _group, _class
        ORDER BY
            usage_quality = 'final' DESC,
            input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
                + output_tokens DESC,
            ts,
            source_file,
            line_no,
            _part IS NULL
    ) = 1 AS _keep
FROM classed;
