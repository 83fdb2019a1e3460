-- step: candidates
-- grain: one narrow row per candidate copy of a request (request_candidates) and of an
--        event (event_candidates): every staged row, plus the warehouse rows it may
--        duplicate (same message id, same request id, same event key)
-- reads: staged_requests, existing_requests, staged_events, existing_events
-- A staged row is named by its rowid (_row); a warehouse row by its file (_part) and its
-- row number in that file (_prow).
-- Copies of a request are grouped (_group) by message id. A copy without one but with a
-- request id (Claude Code's OpenTelemetry logs only the request id) joins the copies
-- that carry that request id, staged or in the warehouse: it takes their message id as
-- its group and their chain as its is_sidechain (main chain if any of them is), so it
-- competes with them as one more copy of the same request (request_links holds, per
-- request id of such a copy, the group it joins). With no such copy, copies group by
-- request id, else by request_key.
CREATE OR REPLACE TEMP TABLE request_candidates AS
SELECT
    rowid AS _row,
    NULL::VARCHAR AS _part,
    NULL::BIGINT AS _prow,
    coalesce(message_id, request_id, request_key) AS _group,
    message_id IS NOT NULL AS _has_message,
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
    file_row_number,
    coalesce(message_id, request_id, request_key),
    message_id IS NOT NULL,
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
-- the same message id; for a copy without one, the same request id (else request_key)
WHERE coalesce(message_id, request_id, request_key) IN (
    SELECT coalesce(message_id, request_id, request_key) FROM staged_requests
    UNION ALL
    -- a kept copy without a message id (OpenTelemetry ingested first) of a request
    -- staged now with one
    SELECT request_id FROM staged_requests WHERE message_id IS NOT NULL AND request_id IS NOT NULL
    UNION ALL
    -- the kept copies (transcript ingested first) of a request staged now without one
    SELECT message_id FROM existing_requests
    WHERE request_id IN (SELECT request_id FROM staged_requests WHERE message_id IS NULL)
);

-- a copy without a message id joins the copies with its request id that have one; the
-- smallest such message id on the main chain, else the smallest, so the choice is total
CREATE OR REPLACE TEMP TABLE request_links AS
SELECT
    request_id,
    coalesce(min(_group) FILTER (NOT is_sidechain), min(_group)) AS _group,
    bool_and(is_sidechain) AS is_sidechain
FROM request_candidates
WHERE _has_message
    AND request_id IN (SELECT request_id FROM request_candidates WHERE NOT _has_message)
GROUP BY request_id;

UPDATE request_candidates AS c
SET _group = l._group, is_sidechain = l.is_sidechain
FROM request_links AS l
WHERE NOT c._has_message AND c.request_id = l.request_id;

CREATE OR REPLACE TEMP TABLE event_candidates AS
SELECT rowid AS _row, NULL::VARCHAR AS _part, NULL::BIGINT AS _prow, event_key, session_id, source_file, line_no
FROM staged_events
UNION ALL
SELECT NULL, filename, file_row_number, event_key, session_id, source_file, line_no
FROM existing_events
WHERE event_key IN (SELECT event_key FROM staged_events);
