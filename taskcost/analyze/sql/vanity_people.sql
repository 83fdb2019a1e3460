-- report: vanity_people
-- grain: one row per person (the team config merges a person's user names and machines)
-- reads: task_outcomes (views/task_outcomes.sql)
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable) (local dates of started_at)
-- Tokens and spend are those of the person's tasks. Ranks count from 1 (most tokens, most
-- completed tasks; ties share the best rank). A person is misordered when their rank by
-- tokens is outside the ranks their completed tasks tie over. rank_correlation is
-- Spearman's: the Pearson correlation of the two average ranks, across people; null for
-- fewer than 3 people or when either figure is the same for everyone.
WITH people AS (
    SELECT
        person,
        any_value(team) AS team,
        CAST(sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS BIGINT) AS tokens,
        sum(cost_usd) AS spend_usd,
        CAST(sum(unpriced_requests) AS BIGINT) AS unpriced_requests,
        count(*) AS tasks,
        count(*) FILTER (WHERE outcome = 'completed') AS completed,
        count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
        count(*) FILTER (WHERE outcome = 'unknown') AS unknown
    FROM task_outcomes
    WHERE ($since IS NULL OR CAST(timezone($tz, started_at) AS DATE) >= $since)
      AND ($until IS NULL OR CAST(timezone($tz, started_at) AS DATE) <= $until)
    GROUP BY person
),
ranked AS (
    SELECT
        *,
        rank() OVER (ORDER BY tokens DESC) AS rank_tokens,
        rank() OVER (ORDER BY completed DESC) AS rank_completed,
        count(*) OVER (PARTITION BY tokens) AS tied_tokens,
        count(*) OVER (PARTITION BY completed) AS tied_completed,
        count(*) OVER () AS people
    FROM people
),
averaged AS (
    SELECT
        *,
        rank_tokens + (tied_tokens - 1) / 2 AS avg_rank_tokens,
        rank_completed + (tied_completed - 1) / 2 AS avg_rank_completed
    FROM ranked
)
SELECT
    person,
    team,
    tokens,
    spend_usd,
    unpriced_requests,
    tasks,
    completed,
    abandoned,
    unknown,
    spend_usd / nullif(completed, 0) AS cost_per_completed_usd,
    abandoned / tasks AS abandoned_share,
    rank_tokens,
    rank_completed,
    NOT (rank_tokens BETWEEN rank_completed AND rank_completed + tied_completed - 1) AS misordered,
    people,
    CASE WHEN people >= 3 THEN
        nullif(corr(avg_rank_tokens, avg_rank_completed) OVER (), 'NaN'::DOUBLE)
    END AS rank_correlation
FROM averaged
ORDER BY rank_tokens, person
