-- report: daily
-- grain: one row per (date, source, model); date is the local date in $tz
-- reads: requests
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable), $source VARCHAR (nullable)
-- Requests are summed per 15-minute UTC bucket first (every time zone's offset from UTC
-- is a multiple of 15 minutes), then each bucket is placed on its local date: the time
-- zone is applied once, to few rows. Costs of unpriced requests are not guessed: cost_usd
-- sums the priced ones (null when none is priced) and unpriced_requests counts the rest.
WITH buckets AS (
    SELECT
        time_bucket(INTERVAL 15 MINUTE, ts) AS bucket,
        source,
        model,
        count(*) AS requests,
        sum(input_tokens) AS input_tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write_tokens,
        sum(output_tokens) AS output_tokens,
        sum(reasoning_tokens) AS reasoning_tokens,
        sum(cost_usd) AS cost_usd,
        count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced_requests
    FROM requests
    WHERE ($source IS NULL OR source = $source)
      -- coarse UTC window first (no zone is more than a day from UTC), exact below
      AND ($since IS NULL OR ts >= CAST($since AS TIMESTAMPTZ) - INTERVAL 1 DAY)
      AND ($until IS NULL OR ts < CAST($until AS TIMESTAMPTZ) + INTERVAL 2 DAY)
    GROUP BY ALL
),
dated AS (
    SELECT CAST(timezone($tz, bucket) AS DATE) AS date, * EXCLUDE (bucket)
    FROM buckets
)
SELECT
    date,
    source,
    model,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
    CAST(sum(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
    CAST(sum(cache_write_tokens) AS BIGINT) AS cache_write_tokens,
    CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
    CAST(sum(reasoning_tokens) AS BIGINT) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    CAST(sum(unpriced_requests) AS BIGINT) AS unpriced_requests
FROM dated
WHERE ($since IS NULL OR date >= $since)
  AND ($until IS NULL OR date <= $until)
GROUP BY ALL
ORDER BY date, source, model NULLS LAST
