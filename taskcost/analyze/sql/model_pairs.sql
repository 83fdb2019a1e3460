-- report: model_pairs
-- grain: one row per pair of models within a size band, the dearer per attempt first
-- reads: model_stats (the `models` report of the same run)
-- params: $fix_cost DOUBLE (USD to fix one failed task), $min_tasks INTEGER (decided tasks
--         each model needs in the band before a verdict)
-- cost_premium_usd dC = cost per attempt of A - of B; failure_gap dp = P(fail B) - P(fail A),
-- with its 95% interval (Newcombe's hybrid score method from the Wilson intervals);
-- break_even_gap dp* = dC / $fix_cost. A is cheaper per finished task when dp > dp*; the
-- verdict names a model only when the whole interval is on one side of dp*. Models whose
-- tasks are all unpriced have no cost and are left out.
WITH m AS (
    SELECT * FROM model_stats WHERE cost_per_attempt_usd IS NOT NULL AND decided > 0
),
pairs AS (
    SELECT
        a.band,
        a.model AS model_a,
        b.model AS model_b,
        a.decided AS decided_a,
        b.decided AS decided_b,
        a.cost_per_attempt_usd AS cost_a_usd,
        b.cost_per_attempt_usd AS cost_b_usd,
        a.cost_per_attempt_usd - b.cost_per_attempt_usd AS cost_premium_usd,
        1 - a.completion_rate AS fail_a,
        1 - b.completion_rate AS fail_b,
        a.completion_rate - b.completion_rate AS failure_gap,
        a.completion_rate - b.completion_rate
            - sqrt((a.completion_rate - a.completion_ci_low) ^ 2 + (b.completion_ci_high - b.completion_rate) ^ 2)
            AS failure_gap_low,
        a.completion_rate - b.completion_rate
            + sqrt((a.completion_ci_high - a.completion_rate) ^ 2 + (b.completion_rate - b.completion_ci_low) ^ 2)
            AS failure_gap_high,
        (a.cost_per_attempt_usd - b.cost_per_attempt_usd) / nullif($fix_cost, 0) AS break_even_gap,
        a.tco_per_task_usd AS tco_a_usd,
        b.tco_per_task_usd AS tco_b_usd
    FROM m AS a
    JOIN m AS b
        ON a.band = b.band
        AND (a.cost_per_attempt_usd > b.cost_per_attempt_usd
            OR (a.cost_per_attempt_usd = b.cost_per_attempt_usd AND a.model < b.model))
),
judged AS (
    SELECT
        *,
        CASE
            WHEN decided_a < $min_tasks OR decided_b < $min_tasks THEN 'not_enough_data'
            WHEN break_even_gap IS NULL THEN 'route_b'  -- fixing costs nothing: the cheaper attempt wins
            WHEN failure_gap_low > break_even_gap THEN 'route_a'
            WHEN failure_gap_high < break_even_gap THEN 'route_b'
            ELSE 'too_close'
        END AS verdict,
        CASE WHEN band = 'all' THEN '' ELSE 'size-' || band || ' ' END AS size
    FROM pairs
)
SELECT
    * EXCLUDE (size),
    CASE verdict WHEN 'route_a' THEN model_a WHEN 'route_b' THEN model_b END AS route_to,
    CASE
        WHEN verdict = 'not_enough_data' THEN printf(
            'not enough data: %d and %d decided %stasks; %d each needed', decided_a, decided_b, size, $min_tasks)
        WHEN verdict = 'route_a' THEN printf(
            'route %stasks to %s: it is cheaper per finished task at your labour rate (TCO $%.2f vs $%.2f): '
            || 'its $%.2f premium per attempt is repaid by a failure rate %.0f points lower (break-even %.1f points)',
            size, model_a, tco_a_usd, tco_b_usd, cost_premium_usd, failure_gap * 100, break_even_gap * 100)
        WHEN verdict = 'route_b' AND failure_gap <= 0 THEN printf(
            'route %stasks to %s: it is cheaper per finished task (TCO $%.2f vs $%.2f): %s costs $%.2f more '
            || 'per attempt and does not fail less often',
            size, model_b, tco_b_usd, tco_a_usd, model_a, cost_premium_usd)
        WHEN verdict = 'route_b' THEN printf(
            'route %stasks to %s: it is cheaper per finished task at your labour rate (TCO $%.2f vs $%.2f): '
            || '%s''s failure rate is %.0f points lower, short of the %s that would repay its $%.2f premium per attempt',
            size, model_b, tco_b_usd, tco_a_usd, model_a, failure_gap * 100,
            coalesce(printf('%.1f points', break_even_gap * 100), 'infinite gap (fixing costs nothing)'),
            cost_premium_usd)
        ELSE printf(
            'too close to call for %stasks: the failure gap (%.0f to %.0f points) contains the break-even %.1f points',
            size, failure_gap_low * 100, failure_gap_high * 100, break_even_gap * 100)
    END AS verdict_text
FROM judged
ORDER BY CASE band WHEN 'all' THEN 0 WHEN 'S' THEN 1 WHEN 'M' THEN 2 ELSE 3 END, model_a, model_b
