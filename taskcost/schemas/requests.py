"""``requests``: one row per deduplicated, billed model call, from any source.

Grain: one API response. Claude Code writes one transcript line per content block and
replays lines on resume and in sidechains; ingest keeps exactly one row per response
(see ``taskcost.ingest.claude_code`` for the dedupe rule); Codex logs cumulative totals,
which ingest turns into per-call deltas (``taskcost.ingest.codex``). Token counts are per call,
never cumulative, and follow Anthropic semantics whatever the source:
``input_tokens`` excludes cache reads and writes, ``output_tokens`` includes reasoning.
"""

from __future__ import annotations

import pyarrow as pa

from taskcost.schemas._field import field

TS = pa.timestamp("us", tz="UTC")

REQUESTS = pa.schema(
    [
        field("source", pa.string(), False, "registry name of the log source, e.g. `claude_code`"),
        field(
            "provider",
            pa.string(),
            True,
            "API provider when the log says which (e.g. `anthropic`); null means the price "
            "lookup infers it from the model id",
        ),
        field("user", pa.string(), False, "who ran the agent: `--user` at ingest, else the OS user"),
        field("machine", pa.string(), False, "where it ran: `--machine` at ingest, else the host name"),
        field("project", pa.string(), True, "last component of `cwd` (e.g. `billing_api`)"),
        field("cwd", pa.string(), True, "working directory of the agent, as logged"),
        field("git_branch", pa.string(), True, "git branch at the time of the call, as logged"),
        field("session_id", pa.string(), False, "session the call belongs to (subagents: the parent's)"),
        field("agent_id", pa.string(), True, "subagent id; null on the main conversation"),
        field("is_sidechain", pa.bool_(), False, "true for subagent / side-conversation calls"),
        field(
            "prompt_id",
            pa.string(),
            True,
            "the human request (task) that caused the call: Claude Code, the `promptId` of the "
            "human prompt or command the line descends from by parentUuid, else that line's "
            "uuid (null before the first prompt and on subagent lines without a `promptId`); "
            "Codex turn id; Claude Code OpenTelemetry `prompt.id`; the task id an API log was "
            "wrapped with",
        ),
        field(
            "request_key",
            pa.string(),
            False,
            "dedupe key: `message_id:request_id` (request_id empty when the log has none); "
            "Codex: `codex:<thread id>:<cumulative token totals after the call>`; OpenTelemetry: "
            "`otel:<session id>:<event sequence>` (a copy without message_id is matched to the "
            "others on request_id)",
        ),
        field("message_id", pa.string(), True, "provider message/response id (`msg_…`)"),
        field("request_id", pa.string(), True, "provider request id (`req_…`); null when absent"),
        field("ts", TS, False, "time of the call, UTC"),
        field("model", pa.string(), True, "model id as logged"),
        field("service_tier", pa.string(), True, "`standard`, `priority`, `batch`, … as logged"),
        field("speed", pa.string(), True, "`standard` or `fast` (fast mode) as logged"),
        field("input_tokens", pa.int64(), False, "uncached input tokens"),
        field("cache_read_tokens", pa.int64(), False, "input tokens read from the prompt cache"),
        field(
            "cache_write_5m_tokens",
            pa.int64(),
            False,
            "tokens written to the 5-minute cache; all cache writes land here when the log "
            "has no 5m/1h split",
        ),
        field("cache_write_1h_tokens", pa.int64(), False, "tokens written to the 1-hour cache"),
        field("output_tokens", pa.int64(), False, "generated tokens, reasoning included"),
        field(
            "reasoning_tokens",
            pa.int64(),
            True,
            "reasoning tokens, a part of output_tokens; null when the source does not report "
            "them separately (Claude Code)",
        ),
        field("web_search_requests", pa.int64(), False, "server-side web searches (billed per search)"),
        field(
            "context_tokens",
            pa.int64(),
            False,
            "prompt size sent = input + cache read + cache writes; decides long-context pricing",
        ),
        field(
            "cost_usd",
            pa.float64(),
            True,
            "cost in US dollars at the prices in force on the call's UTC date; null when unpriced",
        ),
        field(
            "cost_source",
            pa.string(),
            False,
            "`computed` (tokens × prices), `reported` (the log's own cost, used only when we "
            "cannot price) or `unpriced`",
        ),
        field("reported_cost_usd", pa.float64(), True, "cost the log itself reported, if any"),
        field(
            "usage_quality",
            pa.string(),
            False,
            "`final`, or `placeholder` when every copy of the response carries streaming "
            "start-of-message usage (output tokens undercounted; Claude Code before 2.1.97)",
        ),
        field("cli_version", pa.string(), True, "version of the agent CLI that wrote the line"),
        field("source_file", pa.string(), False, "absolute path of the file the kept copy came from"),
        field("line_no", pa.int64(), False, "1-based line number of the kept copy in source_file"),
    ]
)
