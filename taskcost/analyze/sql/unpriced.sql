-- report: unpriced
-- grain: one row per model that has unpriced requests in the range
-- reads: requests, prices
-- params: $tz VARCHAR, $since DATE (nullable), $until DATE (nullable), $source VARCHAR (nullable)
-- Shown under every report's totals: what is missing from the cost, and why.
SELECT
    r.model,
    count(*) AS requests,
    CAST(sum(r.input_tokens + r.cache_read_tokens + r.cache_write_5m_tokens
             + r.cache_write_1h_tokens + r.output_tokens) AS BIGINT) AS tokens,
    any_value(p.unpriced_reason) AS reason
FROM requests AS r
LEFT JOIN prices AS p
    ON p.provider IS NOT DISTINCT FROM r.provider
    AND p.model IS NOT DISTINCT FROM r.model
    AND p.price_date = CAST(r.ts AS DATE)
    AND p.speed IS NOT DISTINCT FROM r.speed
    AND p.service_tier IS NOT DISTINCT FROM r.service_tier
    AND p.tier_start = -1
WHERE r.cost_usd IS NULL
  AND ($source IS NULL OR r.source = $source)
  AND ($since IS NULL OR CAST(timezone($tz, r.ts) AS DATE) >= $since)
  AND ($until IS NULL OR CAST(timezone($tz, r.ts) AS DATE) <= $until)
GROUP BY r.model
ORDER BY tokens DESC
