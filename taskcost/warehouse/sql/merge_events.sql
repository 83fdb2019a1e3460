-- step: merge-events
-- grain: one row per candidate copy of an event (staged rows, plus warehouse rows with
--        the same event key)
-- reads: staged_events, existing_events, staged_requests, existing_requests
-- An event seen twice (a file read again, a file under two config roots, or history
-- replayed into a resumed or forked session) is kept once. As for requests, the copy in
-- the session that ran first wins (earliest first request, then earliest last request);
-- then the first file and line, and an existing row over an identical new one.
-- Decided on narrow rows: staged rows by rowid (_row), existing ones by file and key.
CREATE OR REPLACE TEMP TABLE event_candidates AS
SELECT rowid AS _row, NULL::VARCHAR AS _part, event_key, session_id, source_file, line_no
FROM staged_events
UNION ALL
SELECT NULL, filename, event_key, session_id, source_file, line_no
FROM existing_events
WHERE event_key IN (SELECT event_key FROM staged_events);

CREATE OR REPLACE TEMP TABLE event_spans AS
WITH sessions AS (SELECT DISTINCT session_id FROM event_candidates)
SELECT session_id, min(ts) AS first_ts, max(ts) AS last_ts
FROM (
    SELECT session_id, ts FROM staged_requests
    UNION ALL
    SELECT session_id, ts FROM existing_requests
)
WHERE session_id IN (SELECT session_id FROM sessions)
GROUP BY session_id;

CREATE OR REPLACE TEMP TABLE event_merge AS
SELECT
    c._row,
    c._part,
    c.event_key,
    row_number() OVER (
        PARTITION BY c.event_key
        ORDER BY s.first_ts, s.last_ts, c.source_file, c.line_no, c._part IS NULL
    ) = 1 AS _keep
FROM event_candidates AS c
LEFT JOIN event_spans AS s USING (session_id);
