-- report: weekly_abandoned
-- grain: one row per abandoned task of one week, costliest first
-- reads: task_outcomes (views/task_outcomes.sql)
-- params: $tz VARCHAR, $week DATE (the first local day of the week), $limit INTEGER
SELECT
    task_id,
    started_at,
    person,
    project,
    prompt_preview,
    cost_usd,
    unpriced_requests,
    outcome_reason,
    outcome_confidence
FROM task_outcomes
WHERE outcome = 'abandoned'
  AND CAST(timezone($tz, started_at) AS DATE) BETWEEN $week AND $week + 6
ORDER BY cost_usd DESC NULLS LAST, started_at, task_id
LIMIT $limit
