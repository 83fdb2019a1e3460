"""The contract between the ingest runner and each log source.

A source module defines ``SOURCE``, an object with:

- ``name``: registry key; also the ``source`` column and the ``--source`` choice;
- ``description``: one line saying what the source reads (the README lists it);
- ``splittable``: whether one file may be cut into chunks parsed apart (see below);
- ``default_roots()``: folders the tool itself writes to on this machine;
- ``discover(folder)``: the source's files under a folder, in a deterministic order;
- optionally ``shadowed(files)``: the files of a run that are copies of others in it and
  are not read (Codex: an archived rollout whose active copy is there too);
- ``sniff(line)``: whether a file is in this format, judged on one of its first complete
  lines: True, False, or None when that line cannot tell (the next one is tried);
- and/or ``sniff_document(head)``: whether a file is a document in this format (read
  whole, see below), judged on its first bytes;
- optionally ``ignores(path)``: files the source knows in its folders that hold no
  usage (Claude Code's ``*.meta.json`` sidecars); they are not offered to any source;
- ``parse_chunk(chunk, state, rows)``: parse one byte range of one file, appending
  staged rows to ``rows``.

A document (``chunk.whole``: a vendor export page, a JSON array, a CSV table) is parsed
as one chunk covering the file and read again whole when it changes; its rows go to the
tables named by ``Rows`` (requests, events, or the vendor-export tables).

Files are read in line-aligned byte ranges (chunks) so that one large file can be parsed
by several processes and a grown file can be read from its last committed offset. State
that a source carries from line to line (e.g. Claude Code's current ``promptId``) is a
JSON-able dict: a chunk starts from the state committed for its file (or ``{}`` when an
earlier chunk of the same run is still being parsed elsewhere) and returns the keys it
changed. The runner threads the states through the chunks of each file and hands the
state before each chunk to the warehouse (the ``chunks`` table, column ``state``), where
rows flagged as needing it are completed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    import pyarrow as pa

#: no single response comes near this many tokens; a larger count is a broken line
MAX_TOKENS = 10**12

#: Why a line was not used. Every skipped line is counted under one of these.
SKIP_REASONS = {
    "malformed_json": "not valid JSON",
    "not_an_object": "valid JSON but not an object",
    "unexpected_shape": "a field has a type this version of taskcost does not understand",
    "unknown_line_type": "a line type taskcost does not know (new agent versions add some)",
    "missing_field": "a field needed to use the line is missing",
    "incomplete_last_line": "the last line has no newline yet (read again once complete)",
}

MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Chunk:
    """A line-aligned byte range ``[start, end)`` of one file."""

    chunk_id: int
    path: str
    source: str
    start: int
    end: int
    whole: bool = False  # a document: the whole file, read whole


@dataclass
class Skips:
    """Skipped lines, counted by reason, with the first few examples of each."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def add(self, reason: str, line_in_chunk: int, detail: str) -> None:
        self.counts[reason] += 1
        ex = self.examples.setdefault(reason, [])
        if len(ex) < MAX_EXAMPLES:
            ex.append((line_in_chunk, detail))


@dataclass
class Rows:
    """Staged rows of one parser task, as tuples in the column order of
    ``schemas.staging(table)``. Several chunks (files) append to one ``Rows``, which
    becomes one Arrow table per table once, at the end of the task."""

    requests: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    buckets: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # the SLOT_TABLES

    def request(self, **values: Any) -> None:
        """Append one request row given by column name; token counts default to 0.
        (The Claude Code parser builds its tuples directly: it is the hot path.)"""
        self.requests.append(_row("requests", values))

    def event(self, **values: Any) -> None:
        """Append one event row given by column name."""
        self.events.append(_row("events", values))

    def bucket(self, table: str, **values: Any) -> None:
        """Append one row of a vendor-export table (``org_usage``, ``org_cost``,
        ``member_daily``) given by column name."""
        self.buckets.setdefault(table, []).append(_row(table, values))

    def tables(self) -> dict[str, pa.Table]:
        """One table per table name that has rows (requests and events always)."""
        import pyarrow as pa

        from taskcost import schemas

        out = {}
        for name, rows in (("requests", self.requests), ("events", self.events), *self.buckets.items()):
            schema = schemas.staging(name)
            if not rows:
                out[name] = schema.empty_table()
                continue
            columns = zip(*rows, strict=True)
            out[name] = pa.Table.from_arrays(
                [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
            )
        return out


_DEFAULTS = {
    "requests": {
        **dict.fromkeys(
            (
                "input_tokens",
                "cache_read_tokens",
                "cache_write_5m_tokens",
                "cache_write_1h_tokens",
                "output_tokens",
                "web_search_requests",
            ),
            0,
        ),
        "is_sidechain": False,
        "usage_quality": "final",
        "prompt_carry": False,
    },
    "events": {"is_sidechain": False, "prompt_carry": False},
}


def decode_line(decoder: Any, raw: bytes, i: int, skips: Skips) -> Any:
    """``raw`` decoded by the typed msgspec ``decoder``, or None with the line counted in
    ``skips`` under why: ``malformed_json``, ``not_an_object`` or ``unexpected_shape``."""
    import msgspec

    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as e:
        try:
            obj = msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError) as de:
            skips.add("malformed_json", i, str(de))
            return None
        if isinstance(obj, dict):
            skips.add("unexpected_shape", i, str(e))
        else:
            skips.add("not_an_object", i, type(obj).__name__)
    except (msgspec.DecodeError, RecursionError) as e:  # RecursionError: nested too deep
        skips.add("malformed_json", i, str(e))
    return None


def decoded_blocks(chunk: Chunk, decoder: Any, skips: Skips, rng: Any) -> Iterator[tuple[int, list[Any]]]:
    """The lines of ``chunk`` decoded by the typed msgspec ``decoder``, a block at a time:
    ``(lines before the block, [line or None, …])``, None for a blank or unusable line
    (the latter counted in ``skips``). ``rng`` (a ``LineRange``) records what was consumed;
    an unterminated last line is counted as ``incomplete_last_line``.

    Fast path: the whole block in one call. A block with a bad or blank line (the decoder
    skips blank ones) is decoded again line by line, so that every line keeps its number
    and every bad line is counted. Not caught: blank lines offset exactly by lines holding
    two JSON values (glued writes) in the same block; the values are still used, line
    numbers after them shift. Looking for blank lines in every block would cost ~8% of
    the parse.
    """
    import msgspec

    from taskcost.ingest._lines import iter_blocks

    i = 0
    for data, count in iter_blocks(chunk.path, chunk.start, chunk.end, rng):
        try:
            lines = decoder.decode_lines(data)
            if len(lines) != count:
                lines = None
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            lines = None
        if lines is None:
            raws = bytes(data).split(b"\n")[:-1]
            lines = [
                None if not raw or raw.isspace() else decode_line(decoder, raw, i + n, skips)
                for n, raw in enumerate(raws, start=1)
            ]
        yield i, lines
        i += count
    if rng.incomplete_tail:
        skips.add("incomplete_last_line", i + 1, "no newline yet")


def files_under(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    """Every file under ``folder`` whose name ends with one of ``suffixes``, recursively
    (symbolic links to folders are not followed), in a stable order: ``discover`` for a
    source."""
    import os

    found: list[str] = []
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif e.name.endswith(suffixes) and e.is_file():
                    found.append(e.path)
    return sorted(found)


def utc_time(value: Any) -> datetime | None:
    """A time as logs write it, as a UTC datetime: ISO 8601 / RFC 3339 text (``Z`` or an
    offset; without one it is UTC) or Unix seconds. None when it is neither, or out of
    range."""
    from datetime import UTC, datetime

    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str) and value.strip():
            t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


@lru_cache(maxsize=4096)
def project_of(cwd: str | None) -> str | None:
    """The project of a working directory: its last path component (``/`` or ``\\``)."""
    if not cwd:
        return None
    trimmed = cwd.rstrip("/\\")
    return re.split(r"[/\\]", trimmed)[-1] or trimmed or None


@cache
def _layout(table: str) -> tuple[dict[str, int], list[Any]]:
    """Column positions and default values of the staged rows of ``table``."""
    from taskcost import schemas

    names = schemas.staging(table).names
    defaults = _DEFAULTS.get(table, {})
    return {n: k for k, n in enumerate(names)}, [defaults.get(n) for n in names]


def _row(table: str, values: dict[str, Any]) -> tuple[Any, ...]:
    index, defaults = _layout(table)
    row = list(defaults)
    try:
        for name, value in values.items():
            row[index[name]] = value
    except KeyError as e:
        raise TypeError(f"not a staged {table} column: {e.args[0]}") from None
    return tuple(row)


@dataclass
class ChunkResult:
    chunk_id: int
    lines: int  # complete lines consumed (blank ones included)
    consumed_to: int  # byte offset just after the last complete line
    end_state: dict[str, Any]  # carry state after the last line (see the module doc)
    skips: Skips
    vanished: bool = False  # the file was deleted before this chunk could be read
    #: records read that are not billed requests, by what they are (e.g. ``failed call``):
    #: not skipped lines (nothing was lost), but reported so that they are seen
    unbilled: Counter[str] = field(default_factory=Counter)


class Source(Protocol):
    name: str
    description: str
    #: whether the chunks of one file can be parsed apart (False: one chunk per file, read
    #: in order, for sources whose lines depend on all the lines before them)
    splittable: bool

    def default_roots(self) -> list[str]: ...

    def discover(self, folder: str) -> list[str]: ...

    def sniff(self, line: bytes) -> bool | None: ...

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult: ...
