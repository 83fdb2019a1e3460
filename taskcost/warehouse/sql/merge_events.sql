-- step: merge-events
-- grain: one row per candidate copy of an event (staged rows, plus warehouse rows of the
--        same sessions with the same event key)
-- reads: staged_events, existing_events
-- An event seen twice (a file read again, or present under two config roots) is kept
-- once: the copy from the first file and line, an existing row over an identical new one.
CREATE OR REPLACE TEMP TABLE event_merge AS
WITH candidates AS (
    SELECT *, NULL::VARCHAR AS _part FROM staged_events
    UNION ALL BY NAME
    SELECT e.* RENAME (filename AS _part)
    FROM existing_events AS e
    WHERE e.session_id IN (SELECT DISTINCT session_id FROM staged_events)
      AND e.event_key IN (SELECT event_key FROM staged_events)
)
SELECT
    *,
    row_number() OVER (PARTITION BY event_key ORDER BY source_file, line_no, _part IS NULL) = 1 AS _keep
FROM candidates;
