"""LiteLLM proxy spend logs: the ``LiteLLM_SpendLogs`` table, one row per request.

Where the files live
    In the proxy's Postgres database; there is no default location. Export the table and
    point taskcost at the export: ``psql -c "\\copy "LiteLLM_SpendLogs" TO 'spend.csv' CSV
    HEADER"`` (a CSV table), or the JSON array ``GET /spend/logs`` returns, or JSON lines
    of row objects (``SELECT row_to_json(t) …``). Folders are searched recursively for
    ``*.csv``, ``*.json`` and ``*.jsonl``; a file is read when its content is a spend-log
    export, whatever its name: a CSV whose header row has the ``request_id``, ``spend``,
    ``prompt_tokens`` and ``startTime`` columns (in any case), a JSON array whose first
    object has those keys, or JSON lines that do. The CSV and the JSON array are
    documents (read whole, again whenever they change); JSON lines are read as they grow.

Records used
    Columns read: ``request_id``, ``status``, ``startTime`` (else ``endTime``), ``model``,
    ``custom_llm_provider``, ``user``, ``session_id``, ``spend``, ``prompt_tokens`` and
    ``completion_tokens`` (used only when ``metadata.usage_object`` is absent), and from
    ``metadata`` (a JSON string in the CSV, an object in JSON): ``usage_object``,
    ``user_api_key_user_id`` and ``spend_logs_metadata``. The rest (keys, teams, tags,
    stored prompts) is not read. ``status = failure`` rows (LiteLLM logs failed calls
    with no tokens and no spend) are not requests: they are not rows and not skipped
    lines; the ingest summary counts them (``read, not billed: N failed calls``).
    Timestamps: the CSV's are naive UTC (``2026-10-08 14:02:11.284``, Postgres
    ``timestamp(3)``), JSON's ISO 8601 with an offset; Unix seconds are accepted too.
    ``spend`` (USD) becomes ``reported_cost_usd``; ``custom_llm_provider`` the provider
    (``anthropic``, ``openai``, ``bedrock``, … as logged: the price lookup knows
    LiteLLM's names); ``model`` is kept as logged. No events: a spend row does not say
    where a task starts or ends.

Token mapping
    From ``metadata.usage_object``, LiteLLM's OpenAI-shaped usage. ``prompt_tokens`` holds
    every input token: OpenAI's includes cached input (``prompt_tokens_details
    .cached_tokens``), and for Anthropic models LiteLLM adds cache reads and writes to
    Anthropic's ``input_tokens`` (formats.md §9 item 26). So ``input_tokens`` = prompt −
    cache read − cache write, where cache read is ``cache_read_input_tokens`` (else
    ``cached_tokens``, which repeats it: it is subtracted once) and cache write is
    ``cache_creation_input_tokens`` (else ``prompt_tokens_details.cache_creation_tokens``).
    Cache writes split 5m/1h by ``prompt_tokens_details.cache_creation_token_details``
    (or an Anthropic ``cache_creation`` object), else all count as 5-minute writes.
    ``output_tokens`` = ``completion_tokens``, reasoning included; ``reasoning_tokens``
    from ``completion_tokens_details`` for non-Anthropic rows, null for Anthropic rows
    (``custom_llm_provider`` anthropic, or a usage with Anthropic's cache fields): the
    Anthropic API does not report thinking apart, and LiteLLM's figure there is its own
    token count of the thinking text. Web searches from ``server_tool_use``. Per request,
    never cumulative.

Dedupe
    ``request_id`` is the table's primary key and, for Anthropic and OpenAI, the
    provider's response id (``msg_…``, ``chatcmpl-…``): it becomes ``message_id``, with
    ``request_key`` = ``<request_id>:``. The same row in two exports (a CSV and a JSON
    page of the same table) counts once, and so does a response that is also in a Claude
    Code transcript or an ``api_log`` file (same ``msg_…`` id; the warehouse's merge
    groups copies by message id). ``user`` (else ``metadata.user_api_key_user_id``) says
    who ran the request, over ``--user``; ``session_id`` groups rows into sessions, else
    the file is one session (``litellm:<file stem>``). ``spend_logs_metadata.project``
    and ``.task_id`` (free-form metadata a client can attach to its requests) become
    ``project`` and ``prompt_id`` when they are strings. The team
    (``user_api_key_team_alias``) is not used as the project: a team is who pays, not
    what code was worked on.

Known gaps
    Failed rows appear in no report and not in the ingest summary (only in the catalog
    entry, see above). Some 2025 LiteLLM releases (the Anthropic ``calculate_usage``
    after BerriAI/litellm PR #9838) put only cache reads, not cache writes, into
    ``prompt_tokens``; 1.80.x includes both (BerriAI/litellm#11364 shows a v1.80.11 row).
    A row where prompt − read − write would be negative is read the older way (then as
    uncached input only), but an older row whose cache writes are smaller than its
    uncached input is not recognised: its input is undercounted by the writes. A row without
    ``usage_object`` (older LiteLLM) counts all of ``prompt_tokens`` as uncached input,
    which overprices cached Anthropic traffic (``reported_cost_usd`` keeps LiteLLM's
    figure). The JSON array is decoded whole (documents are bounded by MAX_DOCUMENT); its
    rows are numbered by position in the array (1-based), not by line; CSV rows by the
    line they start on. The paginated ``/spend/logs/v2`` page shape and
    ``LiteLLM_ErrorLogs`` / the daily rollup tables are not read. A JSON-lines row that
    stores the provider response (``store_prompts_in_spend_logs``) may be claimed by the
    ``api_log`` source, which is sniffed first: use ``--source litellm``. A CSV row with
    bytes that are not UTF-8 is skipped (``malformed_json``); a row whose quotes are
    broken (a cell cut short) is skipped and the lines it would have swallowed are read
    as rows again, so no good row is lost with it.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec import Struct

from taskcost.ingest._anthropic import CacheCreation, ServerToolUse, cache_writes
from taskcost.ingest._base import (
    Chunk,
    ChunkResult,
    Rows,
    Skips,
    guard,
    parse_lines,
    utc_time,
)

NAME = "litellm"
#: the columns (lower-cased) that make a file a spend-log export
SIGNATURE = frozenset({"request_id", "spend", "prompt_tokens", "starttime"})
FAILED = "failed calls (LiteLLM status failure)"


class PromptDetails(Struct, gc=False):
    cached_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cache_creation_token_details: CacheCreation | None = None


class CompletionDetails(Struct, gc=False):
    reasoning_tokens: int | None = None


class Usage(Struct, gc=False):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: PromptDetails | None = None
    completion_tokens_details: CompletionDetails | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUse | None = None


class Metadata(Struct, gc=False):
    usage_object: Usage | None = None
    user_api_key_user_id: Any = None
    spend_logs_metadata: Any = None


class Row(Struct, gc=False):
    request_id: str | None = None
    status: str | None = None
    startTime: str | int | float | None = None  # the columns are named so
    endTime: str | int | float | None = None
    model: str | None = None
    custom_llm_provider: str | None = None
    user: str | None = None
    session_id: str | None = None
    spend: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    metadata: Metadata | str | None = None


# strict=False: numbers may come as strings (CSV cells, some JSON exporters)
_row = msgspec.json.Decoder(Row, strict=False)
_metadata = msgspec.json.Decoder(Metadata)
_rows = msgspec.json.Decoder(list[msgspec.Raw])
#: CSV column (lower-cased) -> Row field
_COLUMNS = {f.lower(): f for f in Row.__struct_fields__}


def _is_anthropic(provider: str | None, u: Usage) -> bool:
    return (
        provider == "anthropic"
        or u.cache_read_input_tokens is not None
        or u.cache_creation_input_tokens is not None
    )


def _tokens(
    row: Row, u: Usage | None, provider: str | None
) -> tuple[int, int, int, int, int, int | None, int]:
    """(input uncached, cache read, write 5m, write 1h, output, reasoning, web searches)."""
    if u is None:
        return row.prompt_tokens or 0, 0, 0, 0, row.completion_tokens or 0, None, 0
    prompt = u.prompt_tokens if u.prompt_tokens is not None else row.prompt_tokens or 0
    out = u.completion_tokens if u.completion_tokens is not None else row.completion_tokens or 0
    pd = u.prompt_tokens_details or PromptDetails()
    read = u.cache_read_input_tokens if u.cache_read_input_tokens is not None else pd.cached_tokens or 0
    written = u.cache_creation_input_tokens
    if written is None:
        written = pd.cache_creation_tokens or 0
    w5m, w1h = cache_writes(written, pd.cache_creation_token_details or u.cache_creation)
    uncached = prompt - read - written
    if uncached < 0:  # a LiteLLM release whose prompt_tokens left the cache writes out
        uncached = prompt - read if prompt >= read else prompt
    reasoning = None
    if not _is_anthropic(provider, u) and u.completion_tokens_details is not None:
        reasoning = u.completion_tokens_details.reasoning_tokens
        reasoning = None if reasoning is None else min(reasoning, out)
    web = (u.server_tool_use.web_search_requests or 0) if u.server_tool_use else 0
    return uncached, read, w5m, w1h, out, reasoning, web


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class _Parser:
    def __init__(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> None:
        self.chunk = chunk
        self.rows = rows
        self.skips = Skips()
        self.unbilled: Counter[str] = Counter()
        self.file_session = "litellm:" + os.path.splitext(os.path.basename(chunk.path))[0]

    def result(self, lines: int, consumed_to: int) -> ChunkResult:
        return ChunkResult(self.chunk.chunk_id, lines, consumed_to, {}, self.skips, unbilled=self.unbilled)

    # --- the three layouts ---

    def csv_table(self) -> ChunkResult:
        """The CSV export, one record at a time. A record whose structure is broken (a cell
        cut inside its quotes swallows the lines after it, up to the next quote) costs its
        first line only: the lines it swallowed are read again as records of their own, so
        every row that is lost is counted and none hides another."""
        csv.field_size_limit(1 << 30)  # stored prompts make cells far larger than the default 128 KiB
        lines = _Lines(self.chunk.path, self.chunk.end)
        reader = csv.reader(lines, strict=True)
        header = None
        while True:
            lines.taken.clear()
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                cells, broken = None, f"unreadable CSV {'row' if header else 'header'}: {e}"
            else:
                broken = None
                if header is not None and len(cells) != len(header) and not _blank(cells):
                    broken = f"{len(cells)} cells, the header has {len(header)}"
            first = lines.taken[0][0] if lines.taken else lines.number
            if broken is not None:
                self.skips.add("unexpected_shape", first, broken)
                lines.again(lines.taken[1:])  # resynchronise on the line after the first
                continue
            assert cells is not None
            if lines.invalid(lines.taken):
                self.skips.add("malformed_json", first, "bytes that are not UTF-8")
                continue
            if header is None:
                header = cells
                fields = [_COLUMNS.get(h.strip().lstrip("\ufeff").lower()) for h in header]
                wanted = [(k, f) for k, f in enumerate(fields) if f is not None]
                continue
            if _blank(cells):
                continue
            values = {f: cells[k] for k, f in wanted if cells[k] != ""}  # an empty cell is SQL NULL
            try:
                row = msgspec.convert(values, Row, strict=False)
            except msgspec.ValidationError as e:
                self.skips.add("unexpected_shape", first, str(e))
                continue
            guard(self.rows, self.skips, first, self.row, row, first)
        return self.result(lines.number, self.chunk.end)

    def json_array(self) -> ChunkResult:
        with open(self.chunk.path, "rb") as f:
            data = f.read(self.chunk.end)
        lines = data.count(b"\n")
        try:
            raws = _rows.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as e:
            self.skips.add("malformed_json", 0, f"the export is not a JSON array: {e}")
            return self.result(lines, self.chunk.end)
        for n, raw in enumerate(raws, start=1):
            row = _decode_row(raw, n, self.skips)
            if row is not None:
                guard(self.rows, self.skips, n, self.row, row, n)
        return self.result(lines, self.chunk.end)

    def json_lines(self) -> ChunkResult:
        rng = parse_lines(self.chunk, _row, self.skips, self.rows, self.row)
        return self.result(rng.lines, rng.consumed_to)

    # --- one row ---

    def row(self, row: Row, i: int) -> None:
        if row.status is not None and row.status.strip().lower() == "failure":
            self.unbilled[FAILED] += 1
            return
        if not row.request_id:
            self.skips.add("missing_field", i, "row without request_id")
            return
        ts = utc_time(row.startTime if row.startTime not in (None, "") else row.endTime)
        if ts is None:
            why = (
                "without startTime"
                if row.startTime in (None, "")
                else f"startTime {row.startTime!r} is not a time"
            )
            self.skips.add("missing_field", i, f"{row.request_id}: {why}")
            return
        meta = row.metadata
        if isinstance(meta, str):
            try:
                meta = _metadata.decode(meta) if meta.strip() else None
            except msgspec.ValidationError as e:
                self.skips.add("unexpected_shape", i, f"{row.request_id}: metadata: {e}")
                return
            except (msgspec.DecodeError, RecursionError) as e:
                self.skips.add("malformed_json", i, f"{row.request_id}: metadata is not JSON: {e}")
                return
        meta = meta or Metadata()
        provider = (row.custom_llm_provider or "").strip().lower() or None
        inp, read, w5m, w1h, out, reasoning, web = _tokens(row, meta.usage_object, provider)
        extra = meta.spend_logs_metadata if isinstance(meta.spend_logs_metadata, dict) else {}
        self.rows.request(
            provider=provider,
            project=_text(extra.get("project")),
            session_id=row.session_id or self.file_session,
            prompt_id=_text(extra.get("task_id")),
            request_key=f"{row.request_id}:",
            message_id=row.request_id,
            ts=ts,
            model=row.model or None,
            input_tokens=inp,
            cache_read_tokens=read,
            cache_write_5m_tokens=w5m,
            cache_write_1h_tokens=w1h,
            output_tokens=out,
            reasoning_tokens=reasoning,
            web_search_requests=web,
            context_tokens=inp + read + w5m + w1h,
            reported_cost_usd=row.spend,
            chunk_id=self.chunk.chunk_id,
            line_in_chunk=i,
            user_hint=row.user or _text(meta.user_api_key_user_id),
        )


def _decode_row(raw: msgspec.Raw, i: int, skips: Skips) -> Row | None:
    try:
        return _row.decode(raw)
    except msgspec.ValidationError as e:
        kind = "unexpected_shape" if bytes(raw).lstrip().startswith(b"{") else "not_an_object"
        skips.add(kind, i, str(e))
    except (msgspec.DecodeError, RecursionError) as e:  # nested too deep
        skips.add("malformed_json", i, str(e))
    return None


def _blank(cells: list[str]) -> bool:
    return not cells or (len(cells) == 1 and not cells[0].strip())


class _Lines:
    """The lines of ``path`` up to byte ``end`` (the size planned for this run), as text
    for the csv module, one line in memory at a time, numbered from 1. ``taken`` holds the
    ``(number, text)`` of the lines handed out since it was last cleared; ``again(lines)``
    hands lines out once more; ``invalid`` says whether any of them was not UTF-8."""

    def __init__(self, path: str, end: int) -> None:
        self.raw = _raw_lines(path, end)
        self.back: list[tuple[int, str]] = []
        self.taken: list[tuple[int, str]] = []
        self.bad: set[int] = set()
        self.number = 0  # lines read from the file

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            item = self.back.pop()
        else:
            raw = next(self.raw)
            self.number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", "replace")
                self.bad.add(self.number)
            item = (self.number, text)
        self.taken.append(item)
        return item[1]

    def again(self, lines: list[tuple[int, str]]) -> None:
        self.back.extend(reversed(lines))

    def invalid(self, lines: list[tuple[int, str]]) -> bool:
        return bool(self.bad) and any(n in self.bad for n, _ in lines)


def _raw_lines(path: str, end: int) -> Iterator[bytes]:
    left = end
    with open(path, "rb") as f:
        for raw in f:
            if left <= 0:
                break
            if len(raw) > left:
                raw = raw[:left]
            left -= len(raw)
            yield raw


def _csv_header(head: bytes) -> set[str]:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    try:
        cells = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return set()
    return {c.strip().lower() for c in cells}


def _first_object(text: bytes, start: int) -> bytes | None:
    """The JSON object starting at ``text[start]`` (a ``{``), or None if it does not end
    within ``text``."""
    depth, in_str, esc = 0, False, False
    for k in range(start, len(text)):
        c = text[k]
        if in_str:
            if esc:
                esc = False
            elif c == 0x5C:  # backslash
                esc = True
            elif c == 0x22:
                in_str = False
        elif c == 0x22:
            in_str = True
        elif c == 0x7B:
            depth += 1
        elif c == 0x7D:
            depth -= 1
            if depth == 0:
                return text[start : k + 1]
    return None


def _json_array_head(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"["):
        return False
    body = text[1:].lstrip()
    if not body.startswith(b"{"):
        return False
    start = len(text) - len(body)
    obj = _first_object(text, start)
    if obj is None:  # a first row larger than the head (stored prompts): look for the keys
        return all(f'"{k}"'.encode() in text for k in ("request_id", "spend", "prompt_tokens", "startTime"))
    try:
        first = msgspec.json.decode(obj)
    except (msgspec.DecodeError, RecursionError):
        return False
    return isinstance(first, dict) and {str(k).lower() for k in first} >= SIGNATURE


class LiteLLM:
    name = NAME
    description = "LiteLLM proxy spend logs (LiteLLM_SpendLogs): CSV export, /spend/logs JSON, JSON lines"
    splittable = True
    suffixes = (".csv", ".json", ".jsonl")

    def default_roots(self) -> list[str]:
        return []

    def sniff(self, line: bytes) -> bool | None:
        """JSON lines: a row object with the spend-log columns."""
        if not line.strip():
            return None
        try:
            obj = msgspec.json.decode(line)
        except (msgspec.DecodeError, RecursionError):
            return None  # a CSV line, a line of a pretty-printed array, …
        if not isinstance(obj, dict):
            return None
        return {str(k).lower() for k in obj} >= SIGNATURE

    def sniff_document(self, head: bytes) -> bool:
        """A CSV table with the spend-log header, or a JSON array of spend-log rows."""
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if stripped.startswith(b"["):
            return _json_array_head(stripped)
        if stripped.startswith(b"{"):
            return False
        return _csv_header(stripped) >= SIGNATURE

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        parser = _Parser(chunk, state, rows)
        if not chunk.whole:
            return parser.json_lines()
        with open(chunk.path, "rb") as f:
            head = f.read(64)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            return parser.json_array()
        return parser.csv_table()


SOURCE = LiteLLM()
