-- report: sessions
-- grain: one row per session (subagent calls count in their parent's session)
-- reads: requests
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable), $source VARCHAR (nullable),
--         $sort VARCHAR ('time' or 'cost')
-- With --since/--until a session counts only its activity inside the range (local dates
-- in $tz, placed via 15-minute UTC buckets as in daily.sql).
WITH buckets AS (
    SELECT
        session_id,
        time_bucket(INTERVAL 15 MINUTE, ts) AS bucket,
        source,
        user,
        machine,
        project,
        git_branch,
        model,
        min(ts) AS first_ts,
        max(ts) AS last_ts,
        count(*) AS requests,
        count(*) FILTER (WHERE is_sidechain) AS subagent_requests,
        sum(input_tokens) AS input_tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write_tokens,
        sum(output_tokens) AS output_tokens,
        sum(reasoning_tokens) AS reasoning_tokens,
        sum(cost_usd) AS cost_usd,
        count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced_requests,
        count(*) FILTER (WHERE usage_quality = 'placeholder') AS placeholder_requests
    FROM requests
    WHERE ($source IS NULL OR source = $source)
      AND ($since IS NULL OR ts >= CAST($since AS TIMESTAMPTZ) - INTERVAL 1 DAY)
      AND ($until IS NULL OR ts < CAST($until AS TIMESTAMPTZ) + INTERVAL 2 DAY)
    GROUP BY ALL
),
dated AS (
    SELECT *
    FROM buckets
    WHERE ($since IS NULL OR CAST(timezone($tz, bucket) AS DATE) >= $since)
      AND ($until IS NULL OR CAST(timezone($tz, bucket) AS DATE) <= $until)
)
SELECT
    session_id,
    any_value(source ORDER BY requests DESC) AS source,
    any_value(user ORDER BY requests DESC) AS user,
    any_value(machine ORDER BY requests DESC) AS machine,
    any_value(project ORDER BY requests DESC) AS project,
    any_value(git_branch ORDER BY requests DESC) AS git_branch,
    min(first_ts) AS first_activity,
    max(last_ts) AS last_activity,
    list(DISTINCT model ORDER BY model) FILTER (WHERE model IS NOT NULL) AS models,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(sum(subagent_requests) AS BIGINT) AS subagent_requests,
    CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
    CAST(sum(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
    CAST(sum(cache_write_tokens) AS BIGINT) AS cache_write_tokens,
    CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
    CAST(sum(reasoning_tokens) AS BIGINT) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    CAST(sum(unpriced_requests) AS BIGINT) AS unpriced_requests,
    CAST(sum(placeholder_requests) AS BIGINT) AS placeholder_requests
FROM dated
GROUP BY session_id
ORDER BY
    CASE WHEN $sort = 'cost' THEN sum(cost_usd) END DESC NULLS LAST,
    max(last_ts),
    session_id
