-- step: price-keys
-- grain: one row per distinct price key of the requests in to_price
-- reads: new_requests
SELECT DISTINCT provider, model, CAST(ts AS DATE) AS price_date, speed, service_tier
FROM new_requests
