-- step: session-starts
-- grain: one row per session that has a candidate copy of a request or an event
-- reads: request_candidates, event_candidates, staged_*, existing_*
-- When history is replayed into a resumed or forked session, the copy in the session
-- that started first is kept. A session's start is its earliest request or event: files
-- are read from the start and only grow, so a session's first lines are always known
-- before, or together with, any later copy, and the choice never needs revisiting.
CREATE OR REPLACE TEMP TABLE session_starts AS
WITH sessions AS (
    SELECT session_id FROM request_candidates
    UNION
    SELECT session_id FROM event_candidates
)
SELECT session_id, min(ts) AS first_ts
FROM (
    SELECT session_id, ts FROM staged_requests
    UNION ALL
    SELECT session_id, ts FROM existing_requests
    UNION ALL
    SELECT session_id, ts FROM staged_events
    UNION ALL
    SELECT session_id, ts FROM existing_events
)
WHERE session_id IN (SELECT session_id FROM sessions)
GROUP BY session_id;
