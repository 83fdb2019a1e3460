-- step: price-keys
-- grain: one row per distinct price key of the requests in to_price
-- reads: to_price
SELECT DISTINCT provider, model, CAST(ts AS DATE) AS price_date, speed, service_tier
FROM to_price
