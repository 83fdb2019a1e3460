"""The contract between the ingest runner and each log source.

A source module defines ``SOURCE``, an object with:

- ``name``: registry key; also the ``source`` column and the ``--source`` choice;
- ``description``: one line saying what the source reads (the README lists it);
- ``splittable``: whether one file may be cut into chunks parsed apart (see below);
- ``default_roots()``: folders the tool itself writes to on this machine;
- ``suffixes``: the endings of the file names it looks for in a folder (one walk of each
  folder serves every source, see ``walk``);
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

Bad input never stops a run (RELIABILITY.md). A line is the unit of loss: a line source
parses with ``parse_lines``, where an error while using a line (a decode error in a field
read lazily, a value of a type the code did not expect) rolls back the rows that line
added and counts it as skipped, as if the line were not there; a document source guards
each item with ``guard``. Every staged row then passes ``Rows.tables``, which checks each
value against its column's type and range (``taskcost.schemas.bounds``) and drops the
whole line of any row that fails. An error that still escapes a source is the file's: the
runner reports the file and reads the others.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

    from taskcost.ingest._lines import LineRange

#: Why a line was not used. Every skipped line is counted under one of these.
SKIP_REASONS = {
    "malformed_json": "not valid JSON",
    "not_an_object": "valid JSON but not an object",
    "unexpected_shape": "a field has a type this version of taskcost does not understand",
    "unknown_line_type": "a line type taskcost does not know (new agent versions add some)",
    "missing_field": "a field needed to use the line is missing",
    "incomplete_last_line": "the last line has no newline yet (read again once complete)",
    "out_of_range": "a count, cost or time outside its plausible range (docs/RELIABILITY.md)",
}

#: What using one line of a log can raise because of what the line holds: a decode error
#: of a field read lazily (invalid UTF-8, bad JSON: ``msgspec.DecodeError`` and
#: ``UnicodeDecodeError`` are ValueErrors), nesting too deep, a value of a type the code did
#: not expect. Such an error costs the line (``parse_lines``, ``guard``), never the run.
LINE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
    ArithmeticError,
)

MAX_EXAMPLES = 3
RECORD_SKIPPED_LINES = False  # see Skips.lines


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
    #: every skipped line, when ``RECORD_SKIPPED_LINES`` is set (the fuzz harness's oracle
    #: deletes them from the input and compares totals)
    lines: list[tuple[int, str]] = field(default_factory=list)

    def add(self, reason: str, line_in_chunk: int, detail: str) -> None:
        self.counts[reason] += 1
        if RECORD_SKIPPED_LINES:
            self.lines.append((line_in_chunk, detail))
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
    #: chunks whose lines are batches of records, one row each (OTel exports): a bad value
    #: costs its record, not the line
    per_record: set[int] = field(default_factory=set)

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

    def mark(self) -> tuple[int, int, dict[str, int]]:
        """How many rows there are now, to ``rollback`` to."""
        return len(self.requests), len(self.events), {t: len(r) for t, r in self.buckets.items()}

    def rollback(self, mark: tuple[int, int, dict[str, int]]) -> None:
        """Drop the rows added since ``mark``."""
        requests, events, buckets = mark
        del self.requests[requests:]
        del self.events[events:]
        for table, rows in self.buckets.items():
            del rows[buckets.get(table, 0) :]

    def tables(self, now: datetime | None = None) -> tuple[dict[str, pa.Table], list[Rejected]]:
        """One table per table name that has rows (requests and events always), and the
        lines rejected on the way: every value must fit its column's type and range
        (``taskcost.schemas.bounds``, as of ``now``). A line with one bad value loses all
        its rows, requests and events alike, as if it were not in the file; a vendor-export
        row (a document's item) or a record of a ``per_record`` chunk loses itself."""
        from taskcost import schemas

        lines: dict[tuple[int, int], Rejected] = {}
        items: list[Rejected] = []
        built = {}
        for name, rows in (("requests", self.requests), ("events", self.events), *self.buckets.items()):
            table, bad = _conform(name, rows, schemas.staging(name), now)
            built[name] = table
            for row, reason, detail in bad:
                line = row.get("line_in_chunk", 0)
                if line and row["chunk_id"] not in self.per_record:
                    key = (row["chunk_id"], line)
                    lines.setdefault(key, Rejected(*key, reason, f"{name}: {detail}"))
                else:
                    items.append(Rejected(row["chunk_id"], line, reason, f"{name}: {detail}"))
        if lines:  # drop every row of a rejected line from both line tables
            for name in ("requests", "events"):
                built[name] = _without_lines(built[name], set(lines))
        return built, [*lines.values(), *items]


@dataclass(frozen=True)
class Rejected:
    """A line (``line_in_chunk``; 0 for an item of a document) whose rows were dropped."""

    chunk_id: int
    line_in_chunk: int
    reason: str
    detail: str


def _conform(
    table: str, rows: list[tuple[Any, ...]], schema: pa.Schema, now: datetime | None
) -> tuple[pa.Table, list[tuple[dict[str, Any], str, str]]]:
    """``rows`` as an Arrow table of ``schema`` without the rows holding a value of the
    wrong type (``unexpected_shape``) or outside its range (``out_of_range``), and those
    rows (as dicts) with why. Fast path: one array per column, one vectorised range check
    per bounded column; values are looked at one by one only in a column that failed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not rows:
        return schema.empty_table(), []
    bad: list[tuple[dict[str, Any], str, str]] = []
    columns = list(zip(*rows, strict=True))
    arrays, drop = [], set()
    for col, f in zip(columns, schema, strict=True):
        try:
            arrays.append(pa.array(col, type=f.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            arrays.append(None)
            for k, v in enumerate(col):
                if k not in drop and not _fits(v, f.type):
                    drop.add(k)
                    row = dict(zip(schema.names, rows[k], strict=True))
                    huge = isinstance(v, int) and not isinstance(v, bool) and pa.types.is_integer(f.type)
                    bad.append((row, "out_of_range" if huge else "unexpected_shape", _show(f, v)))
    if drop:
        keep = [r for k, r in enumerate(rows) if k not in drop]
        table, more = _conform(table, keep, schema, now) if keep else (schema.empty_table(), [])
        return table, bad + more
    result = pa.Table.from_arrays(arrays, schema=schema)
    mask = None
    for f, arr in zip(schema, arrays, strict=True):
        limits = _limits(table, f, now)
        if limits is None:
            continue
        lo, hi = limits
        out = pc.or_(pc.less(arr, lo), pc.greater(arr, hi))
        if pa.types.is_floating(f.type):
            out = pc.or_(out, pc.invert(pc.is_finite(arr)))
        out = pc.fill_null(out, False)
        if pc.any(out).as_py():
            for k in pc.indices_nonzero(out).to_pylist():
                if k not in drop:  # a row is reported once, for its first bad value
                    drop.add(k)
                    row = dict(zip(schema.names, rows[k], strict=True))
                    bad.append((row, "out_of_range", _show(f, row[f.name], (lo, hi))))
            mask = out if mask is None else pc.or_(mask, out)
    if mask is not None:
        result = result.filter(pc.invert(mask))
    return result, bad


def _limits(table: str, f: pa.Field, now: datetime | None) -> tuple[Any, Any] | None:
    """The (low, high) of a column, as scalars of its type; None when it has no bound."""
    import pyarrow as pa

    from taskcost.schemas import bounds

    t = f.type
    if f.name in bounds.INTERNAL:
        return None
    if pa.types.is_integer(t):
        lo, hi = bounds.count_range(table, f.name)
    elif pa.types.is_floating(t):
        if f.name not in bounds.AMOUNTS:
            return None
        lo, hi = bounds.AMOUNTS[f.name]
    elif pa.types.is_timestamp(t):
        lo, hi = bounds.time_range(now)
    elif pa.types.is_date(t):
        lo, hi = (d.date() for d in bounds.time_range(now))
    else:
        return None
    return pa.scalar(lo, t), pa.scalar(hi, t)


def _fits(value: Any, type_: pa.DataType) -> bool:
    import pyarrow as pa

    try:
        pa.scalar(value, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        return False
    return True


def _show(f: pa.Field, value: Any, limits: tuple[Any, Any] | None = None) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:59] + "…"
    if limits is None:
        return f"{f.name} = {text}, not a {f.type} value"
    lo, hi = (x.as_py() for x in limits)
    return f"{f.name} = {text}, outside {lo} .. {hi}"


def _without_lines(table: pa.Table, lines: set[tuple[int, int]]) -> pa.Table:
    """``table`` (staged requests or events) without the rows of the given lines."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not table.num_rows:
        return table
    key = pc.add(pc.multiply(table["chunk_id"].cast(pa.int64()), 1 << 32), table["line_in_chunk"])
    wanted = pa.array([(c << 32) + n for c, n in lines], pa.int64())
    return table.filter(pc.invert(pc.is_in(key, value_set=wanted)))


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


#: a line that holds only JSON whitespace (the first of a block, any other)
_BLANK_FIRST_LINE = re.compile(rb"[ \t\r]*\n")
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")


def decoded_blocks(chunk: Chunk, decoder: Any, skips: Skips, rng: Any) -> Iterator[tuple[int, list[Any]]]:
    """The lines of ``chunk`` decoded by the typed msgspec ``decoder``, a block at a time:
    ``(lines before the block, [line or None, …])``, None for a blank or unusable line
    (the latter counted in ``skips``). ``rng`` (a ``LineRange``) records what was consumed;
    an unterminated last line is counted as ``incomplete_last_line``.

    Fast path: the whole block in one call, trusted only when it gave one value per line.
    The decoder skips blank lines and reads two JSON values glued on one line as two, so
    a count alone could balance one against the other (the fuzz harness found a blank
    line and a glued one in the same block: the glued line's records were used and every
    line number between them shifted). So a block with a blank line (a scan at ~3 GB/s,
    a few per cent of the parse), a bad line, or a count that differs is decoded again
    line by line: every line keeps its number, every bad line is counted.
    """
    import msgspec

    from taskcost.ingest._lines import iter_blocks

    i = 0
    for data, count in iter_blocks(chunk.path, chunk.start, chunk.end, rng):
        lines = None
        if not (_BLANK_FIRST_LINE.match(data) or _BLANK_LINE.search(data)):
            try:
                lines = decoder.decode_lines(data)
                if len(lines) != count:
                    lines = None
            except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
                pass
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


def parse_lines(
    chunk: Chunk, decoder: Any, skips: Skips, rows: Rows, handle: Callable[[Any, int], None]
) -> LineRange:
    """Feed every decoded line of ``chunk`` to ``handle(line, line_number)``; returns what
    was consumed. An error in ``LINE_ERRORS`` while a line is handled rolls back the rows
    that line added and counts the line as skipped (``malformed_json`` for a decode error
    of a field read lazily, else ``unexpected_shape``): the line is lost, not the file.
    ``handle`` should decode a line's lazy fields before it changes any carried state."""
    from taskcost.ingest._lines import LineRange

    rng = LineRange()
    requests, events = rows.requests, rows.events  # line sources add no bucket rows
    for i, lines in decoded_blocks(chunk, decoder, skips, rng):
        for ln in lines:
            i += 1
            if ln is None:
                continue
            n_requests, n_events = len(requests), len(events)
            try:
                handle(ln, i)
            except LINE_ERRORS as e:
                del requests[n_requests:]
                del events[n_events:]
                reason, detail = line_error(e)
                skips.add(reason, i, detail)
    return rng


def guard(rows: Rows, skips: Skips, i: int, handle: Callable[..., None], *args: Any, where: str = "") -> None:
    """``handle(*args)`` for one item of a document (a row, a record: line ``i``, 0 for the
    document as a whole, ``where`` in it); on an error in ``LINE_ERRORS`` its rows are
    rolled back and it is counted as skipped."""
    mark = rows.mark()
    try:
        handle(*args)
    except LINE_ERRORS as e:
        rows.rollback(mark)
        reason, detail = line_error(e)
        skips.add(reason, i, f"{where}: {detail}" if where else detail)


def line_error(e: BaseException) -> tuple[str, str]:
    """(skip reason, detail) for an error raised while using a line; see ``skips.add``."""
    import msgspec

    detail = f"{type(e).__name__}: {e}"
    detail = detail if len(detail) <= 200 else detail[:199] + "…"
    if isinstance(e, msgspec.DecodeError | UnicodeDecodeError | RecursionError):
        return "malformed_json", detail
    return "unexpected_shape", detail


def walk(folder: str, suffixes: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """Every regular file under ``folder`` whose name ends with one of ``suffixes``,
    recursively, in a stable order, and the paths that could not be used with why: a
    folder that cannot be listed, a symbolic link that loops or points nowhere, a FIFO,
    socket or device with a log's name (opening one could block the run for ever).
    Symbolic links to folders are not followed; links to files are."""
    import os
    import stat

    found: list[str] = []
    problems: list[tuple[str, str]] = []
    stack = [folder]
    while stack:
        top = stack.pop()
        try:
            it = os.scandir(top)
        except OSError as e:
            problems.append((top, f"cannot list this folder: {e.strerror or e}"))
            continue
        with it:
            while True:
                try:
                    e = next(it)
                except StopIteration:
                    break
                except OSError as err:
                    problems.append((top, f"cannot list this folder: {err.strerror or err}"))
                    break
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                        continue
                    if not e.name.endswith(suffixes):
                        continue
                    mode = e.stat().st_mode  # follows a link
                except OSError as err:
                    problems.append((e.path, path_error(err)))
                    continue
                if stat.S_ISREG(mode):
                    found.append(e.path)
                elif not stat.S_ISDIR(mode):
                    problems.append((e.path, f"not a regular file ({file_kind(mode)})"))
    return sorted(found), sorted(problems)


def path_error(err: OSError) -> str:
    """Why a path could not be used, in words, from the error stat or open raised."""
    import errno

    if err.errno == errno.ELOOP:
        return "a symbolic link that loops"
    if err.errno == errno.ENOENT:
        return "a symbolic link to nothing"
    return f"cannot be read: {err.strerror or err}"


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` is, in words (for a path that is not a regular file)."""
    import stat

    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


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
    failed: str | None = None  # why the file could not be read or parsed (it is reported)
    #: records read that are not billed requests, by what they are (e.g. ``failed call``):
    #: not skipped lines (nothing was lost), but reported so that they are seen
    unbilled: Counter[str] = field(default_factory=Counter)


class Source(Protocol):
    name: str
    description: str
    #: whether the chunks of one file can be parsed apart (False: one chunk per file, read
    #: in order, for sources whose lines depend on all the lines before them)
    splittable: bool

    #: the endings of the file names the source looks for in a folder
    suffixes: tuple[str, ...]

    def default_roots(self) -> list[str]: ...

    def sniff(self, line: bytes) -> bool | None: ...

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult: ...
