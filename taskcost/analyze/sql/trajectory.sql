-- report: trajectory
-- grain: one row per request of one task, in time order (main conversation and subagents)
-- reads: task_items, task_facts (views/)
-- params: $task_id VARCHAR (a full task id, from the tasks report)
-- context_tokens = input + cache read + cache writes of the call; compacted_before: a
-- compaction of the main conversation happened since the task's previous request.
WITH task AS (
    SELECT i.*
    FROM task_items AS i
    JOIN task_facts AS f USING (family, task_key)
    WHERE f.task_id = $task_id
),
steps AS (
    SELECT
        ts,
        agent_id,
        is_sidechain,
        model,
        context_tokens,
        input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens + cache_write_1h_tokens AS cache_write_tokens,
        output_tokens,
        cost_usd,
        lag(ts) OVER (ORDER BY ts, item_key) AS previous_ts,
        item_key
    FROM task
    WHERE item = 'request'
)
SELECT
    CAST(row_number() OVER (ORDER BY s.ts, s.item_key) AS BIGINT) AS step,
    s.ts,
    s.agent_id AS agent,
    s.is_sidechain AS subagent,
    s.model,
    s.context_tokens,
    s.input_tokens,
    s.cache_read_tokens,
    s.cache_write_tokens,
    s.output_tokens,
    s.cost_usd,
    sum(coalesce(s.cost_usd, 0)) OVER (ORDER BY s.ts, s.item_key) AS cumulative_cost_usd,
    CAST(s.cost_usd IS NULL AS INTEGER) AS unpriced_requests,
    EXISTS (
        SELECT 1 FROM task AS c
        WHERE c.kind = 'compaction' AND NOT c.is_sidechain
          AND c.ts <= s.ts AND (s.previous_ts IS NULL OR c.ts > s.previous_ts)
    ) AS compacted_before
FROM steps AS s
ORDER BY step
