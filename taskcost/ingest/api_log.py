"""Per-request API logs: one provider response per JSON line, as teams log them.

Where the files live
    Wherever a team's gateway or SDK wrapper writes them; there is no default location.
    Folders are searched recursively for ``*.jsonl`` and ``*.ndjson``; a file is read
    when its lines are API responses (recognised by content, as always).

Records used
    A line is either a raw response or a wrapper around one::

        {"timestamp": "2026-10-06T08:14:22.418Z",     # or "ts" / "time"; ISO-8601 or Unix s
         "request_id": "req_…",                       # optional (Anthropic header)
         "metadata": {"user": …, "session_id": …, "trace_id": …, "task_id": …, "project": …},
         "response": {…the provider's response object…}}

    The wrapper's keys may also sit at the top level next to ``response``. Responses:
    Anthropic Messages (``type: "message"``), OpenAI Chat Completions (``object:
    "chat.completion"``, and the final streamed chunk carrying ``usage``) and OpenAI
    Responses (``object: "response"``). Time: the wrapper's timestamp, else OpenAI's
    ``created`` / ``created_at``; an Anthropic response has no time of its own, so an
    unwrapped one is skipped as ``missing_field``. A line without ``usage`` is skipped as
    ``missing_field``; other JSON objects as ``unknown_line_type``. No events: a
    response alone does not say where a task starts or ends.

Token mapping
    Anthropic ``usage`` is already in our semantics (``input_tokens`` uncached, cache
    reads and writes apart, 5m/1h split from ``cache_creation``; without the split all
    writes are 5-minute). OpenAI input includes cached input (and, in newer Responses
    usage, ``cache_write_tokens``), so ``input_tokens`` = input - cached - cache writes;
    output includes reasoning, kept apart in ``reasoning_tokens``. ``service_tier``
    ``default`` is the standard tier.

Dedupe
    ``request_key`` = ``<response id>:<request id>``, as for Claude Code: a response logged
    twice counts once, and a response that is also in a Claude Code transcript (same
    ``msg_…`` id) counts once, whether or not the log kept the request id (see the
    warehouse's merge rule). ``metadata.user`` overrides ``--user`` for its line;
    ``session_id`` (else ``trace_id``) groups lines into sessions, else the file is one
    session; ``task_id`` becomes ``prompt_id``.

Known gaps
    Streamed Anthropic events (``message_start`` / ``message_delta``) are not assembled:
    log the final message instead (``message_start`` alone undercounts output, the
    Claude Code placeholder bug). An Anthropic response that was cut off mid-stream
    (``stop_reason`` null) is kept with ``usage_quality = placeholder``.
"""

from __future__ import annotations

import os
from typing import Any

import msgspec
from msgspec import Struct

from taskcost.ingest._anthropic import CacheCreation, ServerToolUse, cache_writes
from taskcost.ingest._base import (
    Chunk,
    ChunkResult,
    Rows,
    Skips,
    parse_lines,
    utc_time,
)

NAME = "api_log"
TIERS = {"default": None, "auto": None}


class Details(Struct, gc=False):
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None


class Usage(Struct, gc=False):
    # Anthropic, OpenAI Responses
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUse | None = None
    service_tier: str | None = None
    input_tokens_details: Details | None = None
    output_tokens_details: Details | None = None
    # OpenAI Chat Completions
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: Details | None = None
    completion_tokens_details: Details | None = None


class Response(Struct, gc=False):
    id: str | None = None
    type: str | None = None  # Anthropic: "message"
    object: str | None = None  # OpenAI: "chat.completion", "chat.completion.chunk", "response"
    model: str | None = None
    stop_reason: str | None = None
    created: int | float | None = None
    created_at: int | float | None = None
    service_tier: str | None = None
    usage: Usage | None = None


class Metadata(Struct, gc=False):
    user: str | None = None
    session_id: str | None = None
    trace_id: str | None = None
    task_id: str | None = None
    prompt_id: str | None = None
    project: str | None = None


class Line(Response, gc=False):
    """A wrapper line (``response`` set) or a raw response (the inherited fields)."""

    response: Response | None = None
    timestamp: str | int | float | None = None
    ts: str | int | float | None = None
    time: str | int | float | None = None
    request_id: str | None = None
    metadata: Metadata | None = None
    user: str | None = None
    session_id: str | None = None
    trace_id: str | None = None
    task_id: str | None = None


_line = msgspec.json.Decoder(Line)


def _kind(r: Response) -> str | None:
    if r.type == "message":
        return "anthropic"
    if r.object in ("chat.completion", "chat.completion.chunk"):
        return "chat"
    if r.object == "response":
        return "responses"
    return None


def _tokens(kind: str, u: Usage) -> tuple[int, int, int, int, int, int | None, int]:
    """(input uncached, cache read, write 5m, write 1h, output, reasoning, web searches)."""
    if kind == "anthropic":
        w5m, w1h = cache_writes(u.cache_creation_input_tokens or 0, u.cache_creation)
        web = (u.server_tool_use.web_search_requests or 0) if u.server_tool_use else 0
        return u.input_tokens or 0, u.cache_read_input_tokens or 0, w5m, w1h, u.output_tokens or 0, None, web
    if kind == "chat":
        total_in, out = u.prompt_tokens or 0, u.completion_tokens or 0
        cached = (u.prompt_tokens_details.cached_tokens or 0) if u.prompt_tokens_details else 0
        written = 0
        reasoning = u.completion_tokens_details.reasoning_tokens if u.completion_tokens_details else None
    else:
        total_in, out = u.input_tokens or 0, u.output_tokens or 0
        d = u.input_tokens_details
        cached = (d.cached_tokens or 0) if d else 0
        written = (d.cache_write_tokens or 0) if d else 0
        reasoning = u.output_tokens_details.reasoning_tokens if u.output_tokens_details else None
    cached = min(cached, total_in)
    written = min(written, total_in - cached)
    reasoning = None if reasoning is None else min(reasoning, out)
    return total_in - cached - written, cached, written, 0, out, reasoning, 0


class _ChunkParser:
    def __init__(self, chunk: Chunk, rows: Rows) -> None:
        self.chunk = chunk
        self.rows = rows
        self.skips = Skips()
        self.file_session = "api:" + os.path.splitext(os.path.basename(chunk.path))[0]

    def parse(self) -> ChunkResult:
        rng = parse_lines(self.chunk, _line, self.skips, self.rows, self.line)
        return ChunkResult(self.chunk.chunk_id, rng.lines, rng.consumed_to, {}, self.skips)

    def line(self, ln: Line, i: int) -> None:
        r = ln.response or ln
        kind = _kind(r)
        if kind is None:
            self.skips.add("unknown_line_type", i, "not an Anthropic or OpenAI response")
            return
        if r.usage is None:
            self.skips.add("missing_field", i, f"{kind} response without usage")
            return
        if not r.id:
            self.skips.add("missing_field", i, f"{kind} response without id")
            return
        ts = utc_time(ln.timestamp if ln.timestamp is not None else ln.ts if ln.ts is not None else ln.time)
        if ts is None:
            ts = utc_time(r.created if r.created is not None else r.created_at)
        if ts is None:
            self.skips.add("missing_field", i, f"{kind} response without a timestamp (wrap it with one)")
            return
        inp, read, w5m, w1h, out, reasoning, web = _tokens(kind, r.usage)
        meta = ln.metadata or Metadata()
        tier = r.usage.service_tier or r.service_tier
        final = kind != "anthropic" or r.stop_reason is not None
        self.rows.request(
            provider="anthropic" if kind == "anthropic" else "openai",
            project=meta.project,
            session_id=meta.session_id or ln.session_id or meta.trace_id or ln.trace_id or self.file_session,
            prompt_id=meta.task_id or ln.task_id or meta.prompt_id,
            request_key=f"{r.id}:{ln.request_id or ''}",
            message_id=r.id,
            request_id=ln.request_id,
            ts=ts,
            model=r.model,
            service_tier=TIERS.get(tier, tier),
            input_tokens=inp,
            cache_read_tokens=read,
            cache_write_5m_tokens=w5m,
            cache_write_1h_tokens=w1h,
            output_tokens=out,
            reasoning_tokens=reasoning,
            web_search_requests=web,
            context_tokens=inp + read + w5m + w1h,
            usage_quality="final" if final else "placeholder",
            chunk_id=self.chunk.chunk_id,
            line_in_chunk=i,
            user_hint=meta.user or ln.user,
        )


class ApiLog:
    name = NAME
    description = "API response logs, JSONL: Anthropic Messages, OpenAI Chat Completions and Responses"
    splittable = True
    suffixes = (".jsonl", ".ndjson")

    def default_roots(self) -> list[str]:
        return []

    def sniff(self, line: bytes) -> bool | None:
        if not line.strip():
            return None
        try:
            ln = _line.decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None
        return _kind(ln.response or ln) is not None

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        return _ChunkParser(chunk, rows).parse()


SOURCE = ApiLog()
