-- report: tasks
-- grain: one row per task (docs/tasks.md): a human request and the agent loop it set off
-- reads: task_outcomes (views/task_outcomes.sql over task_facts and task_items)
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable) (local dates of started_at),
--         $task_id VARCHAR (nullable; a task id or a unique prefix of one),
--         $outcome VARCHAR (nullable), $user VARCHAR (nullable), $project VARCHAR (nullable),
--         $source VARCHAR (nullable), $model VARCHAR (nullable), $min_cost DOUBLE (nullable),
--         $sort VARCHAR ('time' or 'cost')
SELECT * EXCLUDE (family, task_key, main_model, edit_calls, deliveries, person, team)  -- the stable keys
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
