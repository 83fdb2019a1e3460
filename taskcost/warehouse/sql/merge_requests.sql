-- step: merge-requests
-- grain: one row per candidate copy of a request: every staged row, plus the warehouse
--        rows that share a message id (or, for a copy without one, a request id) with one
-- reads: request_candidates, session_starts, staged_requests
-- writes: request_merge (every candidate and whether it is kept), new_requests (the staged
--         rows kept), removed_requests (per warehouse file, the rows that lost)
-- Decides which copy of each request the warehouse keeps (_keep), on narrow rows.
-- The rule is a total order on the copies, so the outcome does not depend on the order
-- in which files were ingested:
--   * rows are grouped by message id; a copy without one (OpenTelemetry) is grouped with
--     the copies that share its request id, on their chain (candidates.sql);
--   * if a group has a main-chain row, its sidechain rows are replays and dropped, and
--     one row is kept per request id (a copy without one, from a log that did not keep
--     it, counts as the main chain's only request id); if it has only sidechain rows,
--     one row is kept;
--   * the kept row is the most complete copy: final usage over placeholder usage, then
--     the larger token total, then a copy with a message id over one without (the
--     transcript's has the 5m/1h cache-write split);
--   * among equal copies (a resumed or forked session replays its parent's history), the
--     one in the session that started first (session_starts), then the smaller session
--     id, file and line, and an existing row over an identical new one.
CREATE OR REPLACE TEMP TABLE request_merge AS
WITH classed AS (
    SELECT
        c.*,
        s.first_ts,
        CASE
            WHEN NOT bool_or(NOT c.is_sidechain) OVER g THEN ''
            WHEN c.is_sidechain THEN NULL
            -- a copy that did not log the request id (an API log) is the main chain's
            -- request when the main chain has only one
            ELSE coalesce(
                c.request_id,
                CASE WHEN min(c.request_id) FILTER (NOT c.is_sidechain) OVER g
                        = max(c.request_id) FILTER (NOT c.is_sidechain) OVER g
                    THEN min(c.request_id) FILTER (NOT c.is_sidechain) OVER g END,
                ''
            )
        END AS _class
    FROM request_candidates AS c
    LEFT JOIN session_starts AS s USING (session_id)
    WINDOW g AS (PARTITION BY c._group)
)
SELECT
    _row,
    _part,
    _prow,
    _class IS NOT NULL AND row_number() OVER (
        PARTITION BY _group, _class
        ORDER BY _final DESC, _total DESC, _has_message DESC,
            first_ts, session_id, source_file, line_no, _part IS NULL
    ) = 1 AS _keep
FROM classed;

CREATE OR REPLACE TEMP VIEW new_requests AS
SELECT * FROM staged_requests
WHERE rowid IN (SELECT _row FROM request_merge WHERE _part IS NULL AND _keep);

CREATE OR REPLACE TEMP TABLE removed_requests AS
SELECT _part AS part, list(_prow ORDER BY _prow) AS rows
FROM request_merge
WHERE _part IS NOT NULL AND NOT _keep
GROUP BY _part;
