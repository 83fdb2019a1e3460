"""``org_usage``, ``org_cost`` and ``member_daily``: what a vendor's admin exports say.

These are time buckets, not requests: the org-wide totals a team's admin downloads
(Anthropic Admin API usage and cost reports and Claude Code Analytics; OpenAI
organization Usage and Costs APIs). Units are normalised to ours on ingest: dollars
(Anthropic cost reports are in cents), UTC instants (OpenAI gives Unix seconds), and
``input_tokens`` without cached input (OpenAI's includes it).

Grain: one bucket of one group. ``slot_key`` names what a row is the total of: the
export, the bucket width, the bucket's aligned start and the grouping values. The same
slot downloaded twice (overlapping weekly exports, a day downloaded before it was over)
is kept once: the copy whose bucket spans the longest time, then the newest ingest
(``sql/merge_slots.sql`` in the warehouse).
"""

from __future__ import annotations

import pyarrow as pa

from taskcost.schemas._field import field
from taskcost.schemas.requests import TS

_SLOT = [
    field("source", pa.string(), False, "registry name of the source, e.g. `anthropic_admin`"),
    field(
        "report",
        pa.string(),
        False,
        "which export: `messages_usage`, `cost_report`, `claude_code_analytics` (Anthropic); "
        "`completions_usage`, `costs` (OpenAI)",
    ),
    field("bucket_start", TS, False, "start of the bucket, UTC (inclusive)"),
    field(
        "bucket_end",
        TS,
        False,
        "end of the bucket, UTC (exclusive); a first or last bucket can be partial (cut at the "
        "requested start or at download time)",
    ),
    field("bucket_width", pa.string(), False, "nominal width of the export's buckets: `1m`, `1h` or `1d`"),
    field(
        "slot_key",
        pa.string(),
        False,
        "identity of the row: report, width, aligned bucket start, grouping and its values; "
        "one row per slot is kept",
    ),
]
_FILE = [field("source_file", pa.string(), False, "absolute path of the export file the kept row came from")]
_GROUP = [
    field("provider", pa.string(), False, "`anthropic` or `openai`"),
    field("model", pa.string(), True, "model id; null when the export was not grouped by model"),
    field(
        "workspace_id",
        pa.string(),
        True,
        "Anthropic workspace (null: the default workspace, or not grouped) / OpenAI project id",
    ),
    field("api_key_id", pa.string(), True, "API key id, when grouped by it"),
    field("service_tier", pa.string(), True, "service tier, when grouped by it (`batch` for OpenAI batch)"),
    field("context_window", pa.string(), True, "Anthropic context window band (`0-200k`, `200k-1M`)"),
    field(
        "grouped_by",
        pa.string(),
        False,
        "the dimensions the export was grouped by, comma-separated (empty: ungrouped); "
        "inferred from the page: those with a value in some row",
    ),
    field("group_by", pa.string(), False, "every dimension of the row as logged, JSON with sorted keys"),
]

ORG_USAGE = pa.schema(
    [
        *_SLOT,
        *_GROUP,
        field("input_tokens", pa.int64(), False, "uncached input tokens"),
        field("cache_read_tokens", pa.int64(), False, "input tokens read from the prompt cache"),
        field("cache_write_5m_tokens", pa.int64(), False, "tokens written to the 5-minute cache"),
        field("cache_write_1h_tokens", pa.int64(), False, "tokens written to the 1-hour cache"),
        field("output_tokens", pa.int64(), False, "generated tokens, reasoning included"),
        field(
            "web_search_requests",
            pa.int64(),
            True,
            "server-side web searches; null when the export does not report them (OpenAI)",
        ),
        field(
            "requests",
            pa.int64(),
            True,
            "model requests in the bucket; null when the export does not report them (Anthropic)",
        ),
        *_FILE,
    ]
)

ORG_COST = pa.schema(
    [
        *_SLOT,
        *_GROUP[:3],
        field(
            "line_item",
            pa.string(),
            True,
            "what was billed, as the export names it (Anthropic `description`, OpenAI `line_item`); "
            "null when not grouped by it",
        ),
        field("cost_type", pa.string(), True, "Anthropic `cost_type`: `tokens`, `web_search`, …"),
        field("token_type", pa.string(), True, "Anthropic `token_type`, e.g. `output_tokens`"),
        *_GROUP[4:],
        field("amount_usd", pa.float64(), False, "billed amount in US dollars"),
        *_FILE,
    ]
)

_MODEL = pa.struct(
    [
        pa.field("model", pa.string()),
        pa.field("input_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("cache_read_tokens", pa.int64()),
        pa.field("cache_creation_tokens", pa.int64()),
        pa.field("estimated_cost_usd", pa.float64()),
    ]
)
_TOOL = pa.struct(
    [pa.field("tool", pa.string()), pa.field("accepted", pa.int64()), pa.field("rejected", pa.int64())]
)

MEMBER_DAILY = pa.schema(
    [
        *_SLOT,
        field("date", pa.date32(), False, "the UTC day"),
        field("actor_type", pa.string(), False, "`user` (an e-mail) or `api` (an API key name)"),
        field("actor", pa.string(), False, "e-mail address or API key name"),
        field("organization_id", pa.string(), True, "organisation id"),
        field("customer_type", pa.string(), True, "`api` or `subscription`"),
        field("subscription_type", pa.string(), True, "`enterprise`, `team`, …"),
        field("terminal_type", pa.string(), True, "where Claude Code ran: `vscode`, `iTerm.app`, `tmux`, …"),
        field("sessions", pa.int64(), False, "Claude Code sessions"),
        field("lines_added", pa.int64(), False, "lines of code added"),
        field("lines_removed", pa.int64(), False, "lines of code removed"),
        field("commits", pa.int64(), False, "commits made by Claude Code"),
        field("pull_requests", pa.int64(), False, "pull requests opened by Claude Code"),
        field(
            "edits_accepted",
            pa.int64(),
            False,
            "edit, multi-edit, write and notebook-edit tool uses accepted",
        ),
        field("edits_rejected", pa.int64(), False, "… and rejected"),
        field("tool_actions", pa.list_(_TOOL), False, "accepted and rejected counts per tool, as logged"),
        field("models", pa.list_(_MODEL), False, "tokens and estimated cost (USD) per model"),
        field(
            "estimated_cost_usd",
            pa.float64(),
            False,
            "the export's own estimate summed over models, US dollars (it is in cents there)",
        ),
        *_FILE,
    ]
)
