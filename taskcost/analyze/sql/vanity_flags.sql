-- report: vanity_flags
-- grain: one row per flag raised: a person, a task, a session or a person's quota period
-- reads: person_stats (the `vanity_people` report of the same run), task_outcomes,
--        requests, people, report_clock
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable) (local dates),
--         $burn_ratio DOUBLE, $min_spend DOUBLE, $runaway_context BIGINT, $runaway_steps BIGINT,
--         $quota_period VARCHAR ('month' or 'week'), $spike_days INTEGER, $spike_ratio DOUBLE,
--         $heavy_session DOUBLE
-- The flags and their thresholds are in docs/reports.md; each row's evidence has the
-- numbers behind it. A quota period is judged once it has ended (by the report's clock).
WITH team AS (
    SELECT *, sum(tokens) OVER () AS team_tokens, sum(completed) OVER () AS team_completed
    FROM person_stats
),
burn AS (  -- a bigger share of the team's tokens than of its completed tasks
    SELECT
        'high_burn_low_yield' AS flag, person, person AS subject,
        printf('%.0f%% of the team''s tokens (%s) for %.0f%% of its completed tasks (%d of %d)',
            100 * tokens / team_tokens, format('{:,}', tokens), 100 * completed / team_completed,
            completed, team_completed) AS evidence,
        spend_usd, tokens
    FROM team
    WHERE people >= 2 AND completed > 0 AND team_tokens > 0
      AND tokens / team_tokens >= 1 / people
      AND tokens / team_tokens >= $burn_ratio * completed / team_completed
),
barren AS (  -- spend and nothing finished
    SELECT
        'spend_no_completion', person, person,
        printf('$%.2f over %d tasks, none completed (%d abandoned, %d unknown)',
            spend_usd, tasks, abandoned, unknown),
        spend_usd, tokens
    FROM person_stats
    WHERE completed = 0 AND spend_usd >= $min_spend
),
scoped AS (
    SELECT *
    FROM task_outcomes
    WHERE ($since IS NULL OR CAST(timezone($tz, started_at) AS DATE) >= $since)
      AND ($until IS NULL OR CAST(timezone($tz, started_at) AS DATE) <= $until)
),
runaway AS (  -- a large context, many calls, nothing finished
    SELECT
        'runaway_context', person, task_id,
        printf('peak context %s tokens after %d calls, %s (%s)',
            format('{:,}', ctx_peak), steps, outcome, outcome_reason),
        cost_usd, input_tokens + cache_read_tokens + cache_write_tokens + output_tokens
    FROM scoped
    WHERE ctx_peak >= $runaway_context AND steps >= $runaway_steps AND outcome <> 'completed'
),
heavy AS (  -- a costly session that changed nothing
    SELECT
        'heavy_session_no_change', any_value(person), session_id,
        printf('$%.2f over %d task%s and %d calls: no file edit, commit or test run',
            sum(cost_usd), count(*), CASE WHEN count(*) = 1 THEN '' ELSE 's' END, sum(requests)),
        sum(cost_usd), sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)
    FROM scoped
    GROUP BY session_id
    HAVING sum(cost_usd) >= $heavy_session AND sum(edit_calls) = 0 AND count(deliveries) = 0
),
daily AS (  -- every request's tokens, per person and local day
    SELECT
        coalesce(p.person, r.user) AS person,
        CAST(timezone($tz, r.ts) AS DATE) AS day,
        sum(r.input_tokens + r.cache_read_tokens + r.cache_write_5m_tokens + r.cache_write_1h_tokens
            + r.output_tokens) AS tokens
    FROM requests AS r
    LEFT JOIN people AS p USING (user, machine)
    GROUP BY ALL
),
periods AS (
    SELECT
        person, day, tokens,
        CAST(date_trunc($quota_period, day) AS DATE) AS period_start,
        CAST(date_trunc($quota_period, day) + CAST('1 ' || $quota_period AS INTERVAL) AS DATE) - 1 AS period_end,
        min(day) OVER (PARTITION BY person) AS first_day
    FROM daily
),
windows AS (
    SELECT
        person, period_start, period_end,
        period_end - $spike_days + 1 AS window_start,
        greatest(period_start, any_value(first_day)) AS counted_from,
        sum(tokens) FILTER (WHERE day > period_end - $spike_days) AS end_tokens,
        sum(tokens) FILTER (WHERE day <= period_end - $spike_days) AS before_tokens
    FROM periods
    GROUP BY person, period_start, period_end
),
rates AS (
    SELECT
        *,
        end_tokens / $spike_days AS end_rate,
        before_tokens / (window_start - counted_from) AS before_rate
    FROM windows
    WHERE end_tokens > 0 AND before_tokens > 0 AND window_start > counted_from
      AND period_end < CAST(timezone($tz, (SELECT now FROM report_clock)) AS DATE)
      AND ($since IS NULL OR period_end >= $since)
      AND ($until IS NULL OR period_start <= $until)
),
spike AS (  -- burn that jumps in the last days of a quota period
    SELECT
        'quota_spike', person, strftime(period_start, CASE $quota_period WHEN 'month' THEN '%Y-%m' ELSE '%G-W%V' END),
        printf('%s to %s: %s tokens a day, %.1fx the %s a day of the %d days before in the same %s',
            strftime(window_start, '%Y-%m-%d'), strftime(period_end, '%Y-%m-%d'),
            format('{:,}', CAST(round(end_rate) AS BIGINT)), end_rate / before_rate,
            format('{:,}', CAST(round(before_rate) AS BIGINT)), window_start - counted_from, $quota_period),
        NULL::DOUBLE, CAST(end_tokens AS BIGINT)
    FROM rates
    WHERE end_rate >= $spike_ratio * before_rate
)
SELECT flag, person, subject, evidence, spend_usd, CAST(tokens AS BIGINT) AS tokens
FROM (
    SELECT * FROM burn
    UNION ALL SELECT * FROM barren
    UNION ALL SELECT * FROM runaway
    UNION ALL SELECT * FROM spike
    UNION ALL SELECT * FROM heavy
)
ORDER BY
    list_position(
        ['high_burn_low_yield', 'spend_no_completion', 'runaway_context', 'quota_spike', 'heavy_session_no_change'],
        flag),
    spend_usd DESC NULLS LAST, subject
