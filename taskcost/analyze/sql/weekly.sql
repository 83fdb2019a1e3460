-- report: weekly
-- grain: one row per week (local dates in $tz), overall, plus one per week and group when $by is set
-- reads: task_outcomes (views/task_outcomes.sql)
-- params: $tz VARCHAR, $week_start INTEGER (ISO day the week starts on: 1 Monday … 7 Sunday),
--         $by VARCHAR (nullable: 'user', 'team', 'project', 'model' or 'source')
-- A task counts in the week it started. spend_usd is the spend of every task (abandoned
-- and unknown included); cost_per_completed_usd divides it by the completed tasks. Costs
-- of unpriced requests are not guessed: they are counted in unpriced_requests. `group` is
-- null on a week's overall row. Changes compare with the calendar week before (null when
-- it had no tasks). Every week of the history: the caller selects the weeks it shows
-- (analyze.weekly), so the first one shown still has its change.
WITH dated AS (
    SELECT *, CAST(timezone($tz, started_at) AS DATE) AS day
    FROM task_outcomes
),
tasks AS (
    SELECT
        day - CAST((isodow(day) - $week_start + 7) % 7 AS INTEGER) AS week_start,
        CASE $by
            WHEN 'user' THEN person
            WHEN 'team' THEN coalesce(team, '(no team)')
            WHEN 'project' THEN coalesce(project, '(no project)')
            WHEN 'model' THEN coalesce(main_model, '(no model)')
            WHEN 'source' THEN source
        END AS grp,
        outcome,
        cost_usd,
        unpriced_requests,
        cache_read_tokens,
        input_tokens + cache_read_tokens + cache_write_tokens + output_tokens AS tokens
    FROM dated
),
weeks AS (
    SELECT
        week_start,
        CASE WHEN grouping(grp) = 0 THEN grp END AS "group",
        count(*) AS tasks,
        count(*) FILTER (WHERE outcome = 'completed') AS completed,
        count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
        count(*) FILTER (WHERE outcome = 'unknown') AS unknown,
        sum(cost_usd) AS spend_usd,
        CASE WHEN count(*) FILTER (WHERE outcome = 'completed') = 0 THEN 0 ELSE sum(cost_usd) FILTER (WHERE outcome = 'completed') END
            AS completed_spend_usd,
        CASE WHEN count(*) FILTER (WHERE outcome = 'abandoned') = 0 THEN 0 ELSE sum(cost_usd) FILTER (WHERE outcome = 'abandoned') END
            AS abandoned_spend_usd,
        CASE WHEN count(*) FILTER (WHERE outcome = 'unknown') = 0 THEN 0 ELSE sum(cost_usd) FILTER (WHERE outcome = 'unknown') END
            AS unknown_spend_usd,
        quantile_cont(cost_usd, 0.5) AS median_cost_usd,
        quantile_cont(cost_usd, 0.9) AS p90_cost_usd,
        CAST(sum(tokens) AS BIGINT) AS tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        CAST(sum(unpriced_requests) AS BIGINT) AS unpriced_requests
    FROM tasks
    GROUP BY GROUPING SETS ((week_start), (week_start, grp))
    HAVING $by IS NOT NULL OR grouping(grp) = 1
),
figures AS (
    SELECT
        *,
        abandoned_spend_usd / nullif(spend_usd, 0) AS abandoned_share,
        spend_usd / nullif(completed, 0) AS cost_per_completed_usd,
        CAST(round(tokens / nullif(completed, 0)) AS BIGINT) AS tokens_per_completed,
        cache_read_tokens / nullif(tokens, 0) AS cache_read_share
    FROM weeks
)
SELECT
    w.week_start,
    CASE WHEN $week_start = 1 THEN strftime(w.week_start, '%G-W%V') ELSE strftime(w.week_start, '%Y-%m-%d') END
        AS week,
    w."group",
    w.tasks,
    w.completed,
    w.abandoned,
    w.unknown,
    w.spend_usd,
    w.completed_spend_usd,
    w.abandoned_spend_usd,
    w.unknown_spend_usd,
    w.abandoned_share,
    w.cost_per_completed_usd,
    w.median_cost_usd,
    w.p90_cost_usd,
    w.tokens,
    w.tokens_per_completed,
    w.cache_read_share,
    w.unpriced_requests,
    w.spend_usd / nullif(p.spend_usd, 0) - 1 AS spend_change,
    w.cost_per_completed_usd / nullif(p.cost_per_completed_usd, 0) - 1 AS cost_per_completed_change
FROM figures AS w
LEFT JOIN figures AS p
    ON p.week_start = w.week_start - 7 AND p."group" IS NOT DISTINCT FROM w."group"
ORDER BY w.week_start, w."group" IS NOT NULL, w.spend_usd DESC NULLS LAST, w."group"
