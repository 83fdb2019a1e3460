-- step: price-requests
-- grain: one row per request
-- reads: to_price (the requests to price: new_requests, or the part_rows of a part being
--        re-priced), price_rates (schema `prices`)
-- The one place where cost is computed. A request pays the rates of the tier row whose
-- range holds its context_tokens (long-context pricing re-prices the whole request).
-- Unpriced: no rates -> cost_usd stays null unless the log reported its own cost.
SELECT
    r.* REPLACE (
        CASE
            WHEN p.unpriced_reason IS NULL AND p.tier_start IS NOT NULL THEN
                (r.input_tokens * p.input_mtok
                 + r.cache_read_tokens * p.cache_read_mtok
                 + r.cache_write_5m_tokens * p.cache_write_5m_mtok
                 + r.cache_write_1h_tokens * p.cache_write_1h_mtok
                 + (r.output_tokens - coalesce(r.reasoning_tokens, 0)) * p.output_mtok
                 + coalesce(r.reasoning_tokens, 0) * p.reasoning_mtok) / 1e6
                + r.web_search_requests * p.web_search_each
                + p.request_each
            ELSE r.reported_cost_usd
        END AS cost_usd,
        CASE
            WHEN p.unpriced_reason IS NULL AND p.tier_start IS NOT NULL THEN 'computed'
            WHEN r.reported_cost_usd IS NOT NULL THEN 'reported'
            ELSE 'unpriced'
        END AS cost_source
    )
FROM to_price AS r
LEFT JOIN price_rates AS p
    ON p.provider IS NOT DISTINCT FROM r.provider
    AND p.model IS NOT DISTINCT FROM r.model
    AND p.price_date = CAST(r.ts AS DATE)
    AND p.speed IS NOT DISTINCT FROM r.speed
    AND p.service_tier IS NOT DISTINCT FROM r.service_tier
    AND r.context_tokens > p.tier_start
    AND (p.tier_end IS NULL OR r.context_tokens <= p.tier_end)
