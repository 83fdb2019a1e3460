"""Claude Code OpenTelemetry logs, exported as OTLP JSON.

Where the files live
    Wherever a team's OpenTelemetry pipeline writes them; there is no default location.
    Claude Code sends its events as OTel log records when ``CLAUDE_CODE_ENABLE_TELEMETRY=1``
    and ``OTEL_LOGS_EXPORTER=otlp``; a collector's ``file`` exporter writes one OTLP JSON
    export request per line (``*.jsonl``, read as lines and incrementally), and an export
    saved as one JSON document (``*.json``, possibly pretty-printed) is read whole and
    again whole when it changes. Folders are searched recursively for ``*.json`` and
    ``*.jsonl``; a file is read when its content is an OTLP logs export holding Claude
    Code records (recognised by content, as always).

Records used
    ``resourceLogs`` → ``scopeLogs`` (scope ``com.anthropic.claude_code.events``) →
    ``logRecords``. A record's event is its ``event.name`` attribute (else its body),
    with or without the ``claude_code.`` prefix; identity and order are record
    attributes: ``session.id``, ``prompt.id``, ``user.email``, ``event.sequence``,
    ``event.timestamp`` (else the record's ``timeUnixNano``, else
    ``observedTimeUnixNano``). A number may be an ``intValue`` (a JSON string or
    number), a ``doubleValue`` or a ``stringValue`` (Claude Code before 2.1.122 sent
    every attribute as a string): all three are read.

    - ``api_request`` → one request (provider ``anthropic``);
    - ``user_prompt`` → a ``human_prompt`` event; its preview is the ``prompt``
      attribute cut to 200 characters, only when prompts are logged
      (``OTEL_LOG_USER_PROMPTS=1``; ``<REDACTED>`` counts as not logged);
    - ``tool_result`` → a ``tool_result`` event (``tool_name``, ``tool_use_id``,
      ``is_error`` = ``success`` is not true; null when ``success`` is absent);
    - ``api_error`` → an ``api_error`` event (no cost): ``error_kind`` classified as the
      Claude Code source does, from the ``error`` text and ``status_code``, which is
      ``error_status``.

    Other Claude Code events (``tool_decision``, ``api_refusal``,
    ``api_retries_exhausted``, ``api_request_body``, ``permission_mode_changed``,
    ``hook_*``, …, and names newer versions add) are read and ignored, not counted as
    skipped. Metrics and traces exports (``resourceMetrics``, ``resourceSpans``) are
    ignored too: ``claude_code.token.usage`` and ``cost.usage`` repeat the
    ``api_request`` events. Skips count log records, not lines: a record of another
    service (neither a Claude Code scope nor ``service.name`` ``claude-code``) is
    ``unknown_line_type``; a record without an event name, or an ``api_request``
    without its token counts or a time, ``missing_field``; a token count that is not a
    whole number, ``unexpected_shape``; one outside its range (``taskcost.schemas.bounds``),
    ``out_of_range``. In a document, ``line_no`` is the
    record's position among the file's log records (1 for the first), not a line.

Token mapping
    ``api_request`` counts are per request and in our semantics: ``input_tokens`` is
    uncached input, ``cache_read_tokens`` → ``cache_read_tokens``, and all of
    ``cache_creation_tokens`` → ``cache_write_5m_tokens`` (see Known gaps).
    ``output_tokens`` includes thinking: ``reasoning_tokens`` is null, and
    ``web_search_requests`` is 0 (not reported). ``cost_usd`` (Claude Code's own
    estimate, USD) → ``reported_cost_usd``; the cost is computed from the tokens as for
    every source. ``model``, ``speed`` (``normal`` is stored as ``standard``, the
    transcripts' word for it), ``request_id``, ``prompt.id`` → ``prompt_id`` (one
    prompt's requests and events group into a task), ``session.id`` → ``session_id``,
    ``user.email`` → ``user`` (over ``--user``), ``app.version`` (else the resource's
    ``service.version``) → ``cli_version``.

Dedupe
    A record re-sent in a later batch (the exporter retries) counts once: requests are
    keyed ``request_key`` = ``otel:<session.id>:<event.sequence>`` (the request id, else
    the time, when there is no sequence), events ``otel:<session.id>:<event.sequence>|<kind>``
    (the time when there is none);
    a tool result is keyed on its ``tool_use_id`` as in the transcript
    (``<tool_use_id>|tool_result``), so the same result seen by both counts once. The
    same API call is usually in the Claude Code transcript too, which knows its
    ``msg_…`` id where OTel has only the ``req_…`` id: the warehouse's merge puts a copy
    without a message id in the group of the copies that carry its request id (staged or
    already kept, whichever was ingested first), so it counts once. Of the copies, final
    usage beats placeholder usage (OTel is the right copy for the placeholder-era
    transcripts, 2.1.14-2.1.96), then the larger token total, then, on a tie, the
    transcript's (it has the 5m/1h cache-write split and the project).

Known gaps
    OTel gives no 5m/1h split of cache writes: all of them count as 5-minute writes (the
    cheaper rate), so a request kept from OTel alone is underpriced when Claude Code
    wrote 1-hour entries. No ``cwd``, project or git branch unless the collector adds
    them; ``is_sidechain`` is false (OTel does not say whether a subagent made the
    call). Prompts and API errors are not deduplicated against the transcript's
    (different keys): ingesting both counts those events twice. A record without
    ``session.id`` is filed under ``otel:<file name>``.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from msgspec import Raw, Struct

from taskcost.ingest._anthropic import error_kind
from taskcost.ingest._base import Chunk, ChunkResult, Rows, Skips, decode_line, guard, parse_lines

NAME = "otel"
PREFIX = "claude_code."
SCOPE_PREFIX = "com.anthropic.claude_code"
SERVICE = "claude-code"
PREVIEW_CHARS = 200
REDACTED = "<REDACTED>"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
USED = frozenset({"api_request", "user_prompt", "tool_result", "api_error"})
SPEEDS = {"normal": "standard"}


# --- OTLP JSON shapes (msgspec skips every field not declared here) ---


class Value(Struct, gc=False):
    """An OTLP ``AnyValue``; arrays, maps and bytes are not read."""

    stringValue: str | None = None
    intValue: int | float | str | None = None  # a JSON string in the OTLP JSON encoding
    doubleValue: int | float | str | None = None
    boolValue: bool | None = None


class KeyValue(Struct, gc=False):
    key: str = ""
    value: Value | None = None


class Resource(Struct, gc=False):
    attributes: list[KeyValue] | None = None


class Scope(Struct, gc=False):
    name: str | None = None


class ScopeLogs(Struct, gc=False):
    scope: Scope | None = None
    logRecords: list[Raw] | None = None  # decoded one by one: a bad record costs only itself


class ResourceLogs(Struct, gc=False):
    resource: Resource | None = None
    scopeLogs: list[ScopeLogs] | None = None


class Export(Struct, gc=False):
    """One OTLP export request (``ExportLogsServiceRequest``; metrics and traces exports
    have no ``resourceLogs``)."""

    resourceLogs: list[ResourceLogs] | None = None


class LogRecord(Struct, gc=False):
    timeUnixNano: int | str | None = None
    observedTimeUnixNano: int | str | None = None
    body: Value | None = None
    attributes: list[KeyValue] | None = None


_export = msgspec.json.Decoder(Export)
_record = msgspec.json.Decoder(LogRecord)


# --- attribute values ---


def _attrs(kvs: list[KeyValue] | None) -> dict[str, Value]:
    return {kv.key: kv.value for kv in kvs or () if kv.value is not None}


def _text(v: Value | None) -> str | None:
    """A value as text (ids and names; a number is written as its integer when whole)."""
    if v is None:
        return None
    if v.stringValue is not None:
        return v.stringValue
    n = v.intValue if v.intValue is not None else v.doubleValue
    if isinstance(n, float) and n.is_integer():
        return str(int(n))
    if n is not None:
        return str(n)
    if v.boolValue is not None:
        return "true" if v.boolValue else "false"
    return None


def _number(v: Value | None) -> int | float | None:
    """A numeric value from ``intValue``, ``doubleValue`` or ``stringValue``; None when
    absent. ValueError when it is there but not a number."""
    if v is None:
        return None
    for n in (v.intValue, v.doubleValue, v.stringValue):
        if n is None:
            continue
        if isinstance(n, int | float):
            return n
        s = n.strip()
        try:
            return int(s)
        except ValueError:
            return float(s)
    return None


def _lenient(v: Value | None) -> float | None:
    """A finite number, or None when absent or not a number (a cost, a status code: a bad
    one costs the value, not the record)."""
    try:
        n = _number(v)
    except ValueError:
        return None
    return float(n) if n is not None and math.isfinite(n) else None


def _count(v: Value | None) -> int | None:
    """A token count: a whole number (ValueError otherwise; its range is checked with every
    other count's, ``taskcost.schemas.bounds``), or None."""
    n = _number(v)
    if n is None:
        return None
    if isinstance(n, float):
        if not n.is_integer():
            raise ValueError(f"not a whole number: {n}")
        n = int(n)
    return n


def _nanos(n: int | str | None) -> datetime | None:
    if n is None:
        return None
    try:
        ns = int(n)
        return EPOCH + timedelta(microseconds=ns // 1000) if ns > 0 else None
    except (ValueError, OverflowError):  # not an integer, or past the year 9999
        return None


def _time(attrs: dict[str, Value], rec: LogRecord) -> datetime | None:
    stamp = _text(attrs.get("event.timestamp"))
    if stamp:
        try:
            t = datetime.fromisoformat(stamp)
        except ValueError:
            t = None
        if t is not None:
            return t if t.tzinfo else t.replace(tzinfo=UTC)
    return _nanos(rec.timeUnixNano) or _nanos(rec.observedTimeUnixNano)


def _is_claude_code(scope: Scope | None, service: str | None) -> bool:
    return bool(scope and scope.name and scope.name.startswith(SCOPE_PREFIX)) or service == SERVICE


# --- parsing ---


class _ChunkParser:
    def __init__(self, chunk: Chunk, rows: Rows) -> None:
        self.chunk = chunk
        self.rows = rows
        self.skips = Skips()
        self.file_session = "otel:" + os.path.splitext(os.path.basename(chunk.path))[0]
        self.ordinal = 0  # log records seen: a document's rows are numbered by record

    def parse(self) -> ChunkResult:
        if self.chunk.whole:
            result = self.document()
            if result is not None:
                return result
        rng = parse_lines(self.chunk, _export, self.skips, self.rows, self.line)
        return ChunkResult(self.chunk.chunk_id, rng.lines, rng.consumed_to, {}, self.skips)

    def line(self, export: Export, i: int) -> None:
        self.export(export, lambda: i)

    def document(self) -> ChunkResult | None:
        """The whole file as one export; None when it is JSON lines after all (an export
        per line, read as lines: the first line is a whole JSON value)."""
        with open(self.chunk.path, "rb") as f:
            data = f.read(self.chunk.end - self.chunk.start)
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        try:
            export = _export.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError) as e:  # Recursion: too deep
            first = data.lstrip().split(b"\n", 1)[0]
            try:
                msgspec.json.decode(first)
                return None
            except (msgspec.DecodeError, RecursionError):
                pass
            reason = "unexpected_shape" if isinstance(e, msgspec.ValidationError) else "malformed_json"
            self.skips.add(reason, 1, f"the document: {e}")
            return ChunkResult(self.chunk.chunk_id, lines, self.chunk.end, {}, self.skips)

        def position() -> int:
            self.ordinal += 1
            return self.ordinal

        self.export(export, position)
        return ChunkResult(self.chunk.chunk_id, lines, self.chunk.end, {}, self.skips)

    def export(self, export: Export, position: Any) -> None:
        """The records of one export; ``position()`` is the line number of the next one."""
        for rl in export.resourceLogs or ():
            resource = _attrs(rl.resource.attributes if rl.resource else None)
            service = _text(resource.get("service.name"))
            version = _text(resource.get("service.version"))
            for sl in rl.scopeLogs or ():
                ours = _is_claude_code(sl.scope, service)
                for raw in sl.logRecords or ():
                    i = position()
                    rec = decode_line(_record, raw, i, self.skips)
                    if rec is not None:
                        guard(self.rows, self.skips, i, self.record, rec, ours, version, i)

    def record(self, rec: LogRecord, ours: bool, version: str | None, i: int) -> None:
        attrs = _attrs(rec.attributes)
        name = _text(attrs.get("event.name")) or (rec.body.stringValue if rec.body else None)
        if name and name.startswith(PREFIX):
            ours, name = True, name[len(PREFIX) :]
        if not ours:
            scope = f"event {name!r}" if name else "a record"
            self.skips.add("unknown_line_type", i, f"{scope} of another service than Claude Code")
            return
        if not name:
            self.skips.add("missing_field", i, "log record without event.name")
            return
        if name not in USED:
            return
        ts = _time(attrs, rec)
        if ts is None:
            self.skips.add("missing_field", i, f"{name} without event.timestamp or timeUnixNano")
            return
        session = _text(attrs.get("session.id")) or self.file_session
        seq = _text(attrs.get("event.sequence"))
        common = {
            "session_id": session,
            "prompt_id": _text(attrs.get("prompt.id")) or None,
            "ts": ts,
            "cli_version": _text(attrs.get("app.version")) or version,
            "chunk_id": self.chunk.chunk_id,
            "line_in_chunk": i,
            "user_hint": _text(attrs.get("user.email")) or None,
        }
        try:
            if name == "api_request":
                self.request(attrs, common, session, seq, i)
            else:
                self.event(name, attrs, common, f"otel:{session}:{seq}" if seq else None)
        except ValueError as e:
            self.skips.add("unexpected_shape", i, f"{name}: {e}")

    def request(
        self, attrs: dict[str, Value], common: dict[str, Any], session: str, seq: str | None, i: int
    ) -> None:
        inp = _count(attrs.get("input_tokens"))
        out = _count(attrs.get("output_tokens"))
        if inp is None or out is None:
            self.skips.add("missing_field", i, "api_request without input_tokens or output_tokens")
            return
        read = _count(attrs.get("cache_read_tokens")) or 0
        write = _count(attrs.get("cache_creation_tokens")) or 0
        req_id = _text(attrs.get("request_id")) or None
        speed = _text(attrs.get("speed"))
        key = seq or req_id or common["ts"].isoformat()
        self.rows.request(
            provider="anthropic",
            request_key=f"otel:{session}:{key}",
            request_id=req_id,
            model=_text(attrs.get("model")),
            speed=SPEEDS.get(speed, speed) if speed else None,
            input_tokens=inp,
            cache_read_tokens=read,
            cache_write_5m_tokens=write,
            output_tokens=out,
            context_tokens=inp + read + write,
            reported_cost_usd=_lenient(attrs.get("cost_usd")),
            **common,
        )

    def event(self, name: str, attrs: dict[str, Value], common: dict[str, Any], base: str | None) -> None:
        if base is None:  # no event.sequence: the time tells re-sent copies apart
            base = f"otel:{common['session_id']}@{common['ts'].isoformat()}"
        if name == "user_prompt":
            prompt = _text(attrs.get("prompt"))
            preview = prompt.strip()[:PREVIEW_CHARS] if prompt and prompt != REDACTED else None
            self.rows.event(
                event_key=f"{base}|human_prompt",
                kind="human_prompt",
                prompt_preview=preview or None,
                **common,
            )
        elif name == "tool_result":
            tool_use_id = _text(attrs.get("tool_use_id"))
            success = _text(attrs.get("success"))
            self.rows.event(
                event_key=f"{tool_use_id or base}|tool_result",
                kind="tool_result",
                tool_name=_text(attrs.get("tool_name")),
                tool_use_id=tool_use_id,
                is_error=None if success is None else success.strip().lower() != "true",
                **common,
            )
        else:  # api_error
            code = _lenient(attrs.get("status_code"))
            status = int(code) if code is not None and 0 <= code < 1000 else None  # an HTTP status
            error = _text(attrs.get("error")) or ""
            self.rows.event(
                event_key=f"{base}|api_error",
                kind="api_error",
                error_kind=error_kind(None, status, error),
                error_status=status,
                **common,
            )


# --- the source object ---


def _mentions_claude_code(data: bytes) -> bool:
    return b'"resourceLogs"' in data and (b"claude_code" in data or b'"claude-code"' in data)


class Otel:
    name = NAME
    description = "Claude Code OpenTelemetry logs, OTLP JSON (collector file exporter or saved exports)"
    splittable = True
    suffixes = (".json", ".jsonl")

    def default_roots(self) -> list[str]:
        return []

    def sniff(self, line: bytes) -> bool | None:
        """A line that is a whole OTLP logs export holding Claude Code records."""
        if not _mentions_claude_code(line):
            return None
        try:
            export = _export.decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None
        for rl in export.resourceLogs or ():
            service = _text(_attrs(rl.resource.attributes if rl.resource else None).get("service.name"))
            for sl in rl.scopeLogs or ():
                if _is_claude_code(sl.scope, service):
                    return True
                for raw in sl.logRecords or ():
                    if bytes(raw).find(b'"claude_code.') >= 0:
                        return True
        return None

    def sniff_document(self, head: bytes) -> bool:
        """An OTLP logs export written as one JSON document (not one export per line)."""
        body = head.lstrip()
        if not body.startswith(b"{") or not _mentions_claude_code(head):
            return False
        first, newline, _ = body.partition(b"\n")
        if newline:
            try:
                msgspec.json.decode(first)
                return False  # the first line is a whole value: JSON lines
            except (msgspec.DecodeError, RecursionError):
                pass
        return True

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        rows.per_record.add(chunk.chunk_id)  # a line is a batch of records, each one row
        return _ChunkParser(chunk, rows).parse()


SOURCE = Otel()
