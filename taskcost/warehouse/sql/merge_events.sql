-- step: merge-events
-- grain: one row per candidate copy of an event (event_candidates)
-- reads: event_candidates, session_starts
-- writes: event_merge, new_events (the staged rows kept), removed_events (per warehouse
--         file, the rows that lost)
-- An event seen twice (a file read again, a file under two config roots, or history
-- replayed into a resumed or forked session) is kept once: as for requests, the copy in
-- the session that started first, then the smaller session id, the first file and line,
-- and an existing row over an identical new one.
CREATE OR REPLACE TEMP TABLE event_merge AS
SELECT
    c._row,
    c._part,
    c._prow,
    row_number() OVER (
        PARTITION BY c.event_key
        ORDER BY s.first_ts, c.session_id, c.source_file, c.line_no, c._part IS NULL
    ) = 1 AS _keep
FROM event_candidates AS c
LEFT JOIN session_starts AS s USING (session_id);

CREATE OR REPLACE TEMP VIEW new_events AS
SELECT * FROM staged_events
WHERE rowid IN (SELECT _row FROM event_merge WHERE _part IS NULL AND _keep);

CREATE OR REPLACE TEMP TABLE removed_events AS
SELECT _part AS part, list(_prow ORDER BY _prow) AS rows
FROM event_merge
WHERE _part IS NOT NULL AND NOT _keep
GROUP BY _part;
