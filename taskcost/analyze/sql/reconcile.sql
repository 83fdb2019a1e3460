-- report: reconcile
-- grain: one row per UTC day, provider and model ($by_model), or per UTC day and provider
-- reads: requests, org_usage, org_cost
-- params: $since DATE (nullable), $until DATE (nullable), $by_model BOOLEAN
-- How much of the bill the local logs explain. Days are UTC days: vendor buckets are UTC.
-- Local side: the requests of every source, priced by taskcost (list prices); their
-- provider is the logged one, else inferred from the model id (claude… -> anthropic;
-- gpt…, o1…, codex… -> openai); requests of other providers are left out.
-- Vendor side: org_usage tokens and org_cost dollars. A day may be covered by several
-- exports of one report (hourly and daily, grouped and ungrouped): per report and day one
-- of them is used, the one broken down by model (when $by_model), then the one covering
-- most of the day, then the coarser buckets, so nothing is counted twice.
-- Models are matched without a date suffix (claude-haiku-4-5-20251001 = claude-haiku-4-5;
-- gpt-5-mini-2025-08-07 = gpt-5-mini). Only days within the span of a provider's exports
-- are shown. Coverage = local / vendor: 0 when no log saw that day and model; null when
-- the vendor side is zero or absent, or no local request of the row could be priced.
WITH local_rows AS (
    SELECT
        CAST(timezone('UTC', ts) AS DATE) AS day,
        coalesce(
            provider,
            CASE
                WHEN model ILIKE 'claude%' THEN 'anthropic'
                WHEN regexp_matches(lower(model), '^(gpt-|o[0-9]|codex|chatgpt)') THEN 'openai'
            END
        ) AS provider,
        CASE WHEN $by_model THEN regexp_replace(lower(model), '-(\d{8}|\d{4}-\d{2}-\d{2})$', '') END AS model,
        input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens AS tokens,
        cost_usd
    FROM requests
    WHERE ($since IS NULL OR ts >= timezone('UTC', CAST($since AS TIMESTAMP)))
      AND ($until IS NULL OR ts < timezone('UTC', CAST($until AS TIMESTAMP)) + INTERVAL 1 DAY)
),
local_side AS (
    SELECT
        day,
        provider,
        model,
        count(*) AS local_requests,
        sum(tokens) AS local_tokens,
        sum(cost_usd) AS local_cost_usd,
        count(*) FILTER (WHERE cost_usd IS NULL) AS local_unpriced_requests
    FROM local_rows
    WHERE provider IN ('anthropic', 'openai')
    GROUP BY ALL
),
org_rows AS (
    SELECT
        'usage' AS kind, source, report, provider, model, bucket_start, bucket_end, bucket_width, grouped_by,
        input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens AS tokens,
        requests,
        NULL::DOUBLE AS amount_usd
    FROM org_usage
    UNION ALL
    SELECT
        'cost', source, report, provider, model, bucket_start, bucket_end, bucket_width, grouped_by,
        NULL, NULL, amount_usd
    FROM org_cost
),
org_dated AS (
    SELECT CAST(timezone('UTC', bucket_start) AS DATE) AS day, *
    FROM org_rows
),
org_days AS (  -- the span of each provider's exports
    SELECT provider, min(day) AS first_day, max(day) AS last_day FROM org_dated GROUP BY ALL
),
spans AS (
    SELECT DISTINCT kind, source, report, day, bucket_width, grouped_by, bucket_start, bucket_end
    FROM org_dated
),
views AS (  -- one export view: one report, day, bucket width and grouping
    SELECT kind, source, report, day, bucket_width, grouped_by, sum(epoch(bucket_end) - epoch(bucket_start)) AS covered
    FROM spans
    GROUP BY ALL
),
with_model AS (
    SELECT kind, source, report, day, bucket_width, grouped_by, bool_or(model IS NOT NULL) AS has_model
    FROM org_dated
    GROUP BY ALL
),
chosen AS (
    SELECT kind, source, report, day, bucket_width, grouped_by
    FROM views
    JOIN with_model USING (kind, source, report, day, bucket_width, grouped_by)
    QUALIFY row_number() OVER (
        PARTITION BY kind, source, report, day
        ORDER BY ($by_model AND has_model) DESC, covered DESC,
            CASE bucket_width WHEN '1d' THEN 0 WHEN '1h' THEN 1 ELSE 2 END, grouped_by
    ) = 1
),
org_side AS (
    SELECT
        day,
        provider,
        CASE WHEN $by_model THEN regexp_replace(lower(model), '-(\d{8}|\d{4}-\d{2}-\d{2})$', '') END AS model,
        CAST(sum(requests) FILTER (WHERE kind = 'usage') AS BIGINT) AS org_requests,
        CAST(sum(tokens) FILTER (WHERE kind = 'usage') AS BIGINT) AS org_tokens,
        sum(amount_usd) FILTER (WHERE kind = 'cost') AS billed_usd
    FROM org_dated
    SEMI JOIN chosen USING (kind, source, report, day, bucket_width, grouped_by)
    GROUP BY ALL
)
SELECT
    coalesce(o.day, l.day) AS day,
    coalesce(o.provider, l.provider) AS provider,
    coalesce(o.model, l.model) AS model,
    coalesce(l.local_requests, 0) AS local_requests,
    CAST(coalesce(l.local_tokens, 0) AS BIGINT) AS local_tokens,
    l.local_cost_usd,
    coalesce(l.local_unpriced_requests, 0) AS local_unpriced_requests,
    o.org_requests,
    o.org_tokens,
    o.billed_usd,
    coalesce(l.local_tokens, 0) / nullif(o.org_tokens, 0) AS token_coverage,
    -- no local request: 0 explained; local requests none of which is priced: unknown
    CASE WHEN l.day IS NULL THEN 0 ELSE l.local_cost_usd END / nullif(o.billed_usd, 0) AS cost_coverage
FROM org_side AS o
FULL OUTER JOIN local_side AS l
    ON o.day = l.day AND o.provider = l.provider AND o.model IS NOT DISTINCT FROM l.model
JOIN org_days AS d ON d.provider = coalesce(o.provider, l.provider)
WHERE coalesce(o.day, l.day) BETWEEN d.first_day AND d.last_day
  AND ($since IS NULL OR coalesce(o.day, l.day) >= $since)
  AND ($until IS NULL OR coalesce(o.day, l.day) <= $until)
ORDER BY day, provider, model NULLS LAST
