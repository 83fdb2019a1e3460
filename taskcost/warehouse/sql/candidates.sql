-- step: candidates
-- grain: one narrow row per candidate copy of a request (request_candidates) and of an
--        event (event_candidates): every staged row, plus the warehouse rows it may
--        duplicate (same message id, same event key)
-- reads: staged_requests, existing_requests, staged_events, existing_events
-- A staged row is named by its rowid (_row); a warehouse row by its file (_part) and its
-- row number in that file (_prow).
CREATE OR REPLACE TEMP TABLE request_candidates AS
SELECT
    rowid AS _row,
    NULL::VARCHAR AS _part,
    NULL::BIGINT AS _prow,
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
    file_row_number,
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

CREATE OR REPLACE TEMP TABLE event_candidates AS
SELECT rowid AS _row, NULL::VARCHAR AS _part, NULL::BIGINT AS _prow, event_key, session_id, source_file, line_no
FROM staged_events
UNION ALL
SELECT NULL, filename, file_row_number, event_key, session_id, source_file, line_no
FROM existing_events
WHERE event_key IN (SELECT event_key FROM staged_events);
