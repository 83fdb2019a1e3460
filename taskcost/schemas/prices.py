"""``prices``: the unit prices applied to ``requests``, one row per price key and tier.

A price key is (provider, model, UTC date, speed, service tier): prices are looked up
once per distinct key, never per request. A tiered (long-context) price has one row per
tier: a request whose ``context_tokens`` exceeds ``tier_start`` (and is at most
``tier_end``) pays that row's rates on *all* of its tokens, as providers bill it.
"""

from __future__ import annotations

import pyarrow as pa

from taskcost.schemas._field import field

PRICES = pa.schema(
    [
        field("provider", pa.string(), True, "provider of the request (null: inferred)"),
        field("model", pa.string(), True, "model id as logged"),
        field("price_date", pa.date32(), False, "UTC date the price is in force for"),
        field("speed", pa.string(), True, "speed of the request (`fast` selects fast-mode prices)"),
        field("service_tier", pa.string(), True, "service tier (`batch` selects batch prices)"),
        field("tier_start", pa.int64(), False, "this row applies when context_tokens > tier_start"),
        field("tier_end", pa.int64(), True, "… and context_tokens <= tier_end (null: no bound)"),
        field("input_mtok", pa.float64(), True, "USD per million uncached input tokens"),
        field("cache_read_mtok", pa.float64(), True, "USD per million cache-read tokens"),
        field("cache_write_5m_mtok", pa.float64(), True, "USD per million 5-minute cache writes"),
        field("cache_write_1h_mtok", pa.float64(), True, "USD per million 1-hour cache writes"),
        field("output_mtok", pa.float64(), True, "USD per million output tokens"),
        field("reasoning_mtok", pa.float64(), True, "USD per million reasoning tokens"),
        field("web_search_each", pa.float64(), True, "USD per web search"),
        field("request_each", pa.float64(), True, "USD per request"),
        field("matched_provider", pa.string(), True, "provider whose price list matched"),
        field("matched_model", pa.string(), True, "price-list model id that matched"),
        field(
            "price_source",
            pa.string(),
            False,
            "`genai-prices <version>`, or `<file>#<n>` for an entry of a --prices file",
        ),
        field(
            "unpriced_reason",
            pa.string(),
            True,
            "why no price applies (then every rate is null and requests stay unpriced)",
        ),
    ]
)
