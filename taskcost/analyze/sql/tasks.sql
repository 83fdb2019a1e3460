-- report: tasks
-- grain: one row per task (docs/tasks.md): a human request and the agent loop it set off
-- reads: task_outcomes (views/task_outcomes.sql over task_facts and task_items)
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable) (local dates of started_at),
--         $task_id VARCHAR (nullable; a task id or a unique prefix of one),
--         $outcome VARCHAR (nullable), $user VARCHAR (nullable), $project VARCHAR (nullable),
--         $source VARCHAR (nullable), $model VARCHAR (nullable), $min_cost DOUBLE (nullable),
--         $sort VARCHAR ('time' or 'cost')
SELECT
    task_id,
    source,
    session_id,
    user,
    machine,
    project,
    git_branch,
    started_at,
    ended_at,
    prompt_preview,
    models,
    requests,
    subagent_requests,
    input_tokens,
    cache_read_tokens,
    cache_write_tokens,
    output_tokens,
    reasoning_tokens,
    cost_usd,
    unpriced_requests,
    placeholder_requests,
    outcome,
    outcome_reason,
    outcome_confidence,
    outcome_source,
    outcome_evidence,
    ctx_start,
    ctx_peak,
    ctx_growth,
    resent_tokens,
    cache_hit_ratio,
    compactions,
    steps,
    tool_calls,
    duration_s,
    grouping,
    subagent_link,
    estimated_requests
FROM task_outcomes
WHERE ($task_id IS NULL OR starts_with(task_id, lower($task_id)))
  AND ($since IS NULL OR CAST(timezone($tz, started_at) AS DATE) >= $since)
  AND ($until IS NULL OR CAST(timezone($tz, started_at) AS DATE) <= $until)
  AND ($outcome IS NULL OR outcome = $outcome)
  AND ($user IS NULL OR user = $user OR person = $user)  -- a user name or a person of the team config
  AND ($project IS NULL OR project = $project)
  AND ($source IS NULL OR source = $source)
  AND ($model IS NULL OR list_contains(models, $model))
  AND ($min_cost IS NULL OR cost_usd >= $min_cost)
ORDER BY
    CASE WHEN $sort = 'cost' THEN cost_usd END DESC NULLS LAST,
    started_at,
    task_id
