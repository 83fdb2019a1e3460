-- report: tasks_outside
-- grain: one row per source and reason: billed requests that belong to no task
-- reads: task_items (views/task_items.sql)
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable) (local dates of the
--         requests), $source VARCHAR (nullable)
-- Reasons: before_first_prompt (a session's warm-up calls), unlinked_subagent (a subagent
-- no prompt id, tool result or time window ties to a task). With the tasks report these
-- add up to the requests table, to the token.
SELECT
    source,
    outside_reason AS reason,
    count(*) AS requests,
    CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
    CAST(sum(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
    CAST(sum(cache_write_5m_tokens + cache_write_1h_tokens) AS BIGINT) AS cache_write_tokens,
    CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
    sum(cost_usd) AS cost_usd,
    count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced_requests
FROM task_items
WHERE item = 'request' AND task_key IS NULL
  AND ($source IS NULL OR source = $source)
  AND ($since IS NULL OR CAST(timezone($tz, ts) AS DATE) >= $since)
  AND ($until IS NULL OR CAST(timezone($tz, ts) AS DATE) <= $until)
GROUP BY ALL
ORDER BY source, reason
