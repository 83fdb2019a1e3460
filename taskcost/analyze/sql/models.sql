-- report: models
-- grain: one row per model and task-size band ('all', then 'S', 'M', 'L')
-- reads: task_outcomes (views/task_outcomes.sql)
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable) (local dates of started_at),
--         $band_by VARCHAR ('steps' or 'context'), $fix_cost DOUBLE (USD to fix one failed task)
-- A task's model is the model that spent most in it (docs/reports.md). completion_rate =
-- completed / (completed + abandoned): unknown tasks are counted but not in the rate, with
-- its 95% Wilson interval. cost_per_attempt_usd = spend / tasks; tco_per_task_usd =
-- cost_per_attempt + (1 - completion_rate) x $fix_cost: every task ends finished, by the
-- agent or by a person. Bands: steps S <= 10 < M <= 40 < L main-conversation calls;
-- context S < 50,000 <= M < 150,000 <= L peak context tokens.
WITH tasks AS (
    SELECT
        main_model AS model,
        CASE
            WHEN $band_by = 'context' THEN
                CASE WHEN coalesce(ctx_peak, 0) < 50000 THEN 'S' WHEN ctx_peak < 150000 THEN 'M' ELSE 'L' END
            ELSE CASE WHEN steps <= 10 THEN 'S' WHEN steps <= 40 THEN 'M' ELSE 'L' END
        END AS size,
        outcome,
        cost_usd,
        unpriced_requests,
        input_tokens + cache_read_tokens + cache_write_tokens + output_tokens AS tokens
    FROM task_outcomes
    WHERE main_model IS NOT NULL
      AND ($since IS NULL OR CAST(timezone($tz, started_at) AS DATE) >= $since)
      AND ($until IS NULL OR CAST(timezone($tz, started_at) AS DATE) <= $until)
),
counted AS (
    SELECT
        CASE WHEN grouping(size) = 1 THEN 'all' ELSE size END AS band,
        model,
        count(*) AS tasks,
        count(*) FILTER (WHERE outcome = 'completed') AS completed,
        count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
        count(*) FILTER (WHERE outcome = 'unknown') AS unknown,
        sum(cost_usd) AS spend_usd,
        CAST(sum(unpriced_requests) AS BIGINT) AS unpriced_requests,
        CAST(sum(tokens) AS BIGINT) AS tokens
    FROM tasks
    GROUP BY GROUPING SETS ((model), (model, size))
),
rates AS (
    SELECT
        *,
        completed + abandoned AS decided,
        completed / nullif(completed + abandoned, 0) AS completion_rate,
        1.96 AS z
    FROM counted
),
wilson AS (
    SELECT
        *,
        (completion_rate + z * z / (2 * decided)) / (1 + z * z / decided) AS centre,
        z * sqrt(completion_rate * (1 - completion_rate) / decided + z * z / (4 * decided * decided))
            / (1 + z * z / decided) AS half
    FROM rates
)
SELECT
    band,
    model,
    tasks,
    completed,
    abandoned,
    unknown,
    decided,
    completion_rate,
    greatest(centre - half, 0) AS completion_ci_low,
    least(centre + half, 1) AS completion_ci_high,
    spend_usd,
    spend_usd / tasks AS cost_per_attempt_usd,
    spend_usd / nullif(completed, 0) AS cost_per_completed_usd,
    spend_usd / tasks + (1 - completion_rate) * $fix_cost AS tco_per_task_usd,
    unpriced_requests,
    tokens
FROM wilson
ORDER BY CASE band WHEN 'all' THEN 0 WHEN 'S' THEN 1 WHEN 'M' THEN 2 ELSE 3 END, tasks DESC, model
