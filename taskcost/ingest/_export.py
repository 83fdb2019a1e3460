"""What the vendor-export sources share: reading a page, bucket widths, slot keys.

An export page is a document (read whole, see ``_base``): ``{"data": [bucket, …],
"has_more", "next_page"}``, or the bare list of buckets a script concatenated from its
pages. Every bucket row becomes one row of ``org_usage``, ``org_cost`` or
``member_daily`` whose ``slot_key`` says what it is the total of (see
``taskcost.schemas.org``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from taskcost.ingest._base import Chunk, ChunkResult, Rows, Skips, guard
from taskcost.schemas.bounds import MAX_BUCKET_COUNT

WIDTHS = ((timedelta(minutes=1), "1m"), (timedelta(hours=1), "1h"), (timedelta(days=1), "1d"))


def read_page(chunk: Chunk, skips: Skips) -> tuple[list[Any] | None, int]:
    """The buckets of the page in ``chunk`` (None, counted in ``skips``, when it is not
    one) and the file's line count."""
    with open(chunk.path, "rb") as f:
        data = f.read()
    lines = data.count(b"\n")
    try:
        doc = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError) as e:  # nesting too deep: a hostile file
        skips.add("malformed_json", 0, f"the export is not valid JSON: {e}")
        return None, lines
    buckets = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(buckets, list):
        skips.add("unexpected_shape", 0, "an export page holds a `data` list of buckets")
        return None, lines
    return buckets, lines


def done(chunk: Chunk, lines: int, skips: Skips) -> ChunkResult:
    return ChunkResult(chunk.chunk_id, lines, chunk.end, {}, skips)


def each_result(
    page: Any,
    results: list[tuple[Any, ...]],
    dims: Callable[[dict[str, Any]], dict[str, Any]],
    row: Callable[..., None],
    width: str,
    size: timedelta,
) -> None:
    """``row(result, group, grouping, span, where)`` for each ``(start, end, where, result)``
    of a page (``page.rows``, ``page.skips``), each guarded: a result that raises is one
    skipped item. ``dims`` gives a result's dimension values; the page's grouping is the
    dimensions with a value in one of them."""
    rows: Rows = page.rows
    groups = [dims(r) for *_, r in results]
    grouping_ = grouping(groups)
    for (start, end, where, r), group in zip(results, groups, strict=True):
        span = (start, end), (width, size)
        guard(rows, page.skips, 0, row, r, group, grouping_, span, where, where=where)


def width_of(spans: list[timedelta]) -> tuple[str, timedelta]:
    """The nominal bucket width of a page: its longest bucket, rounded up to 1m, 1h or 1d
    (a first or last bucket may be partial; the others are whole)."""
    longest = max(spans, default=timedelta(days=1))
    for size, name in WIDTHS:
        if longest <= size:
            return name, size
    return "1d", timedelta(days=1)


def aligned(start: datetime, size: timedelta) -> datetime:
    """``start`` rounded down to a multiple of ``size`` since the Unix epoch (UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((start - epoch) // size) * size


def slot_key(report: str, width: str, start: datetime, grouping: str, group: dict[str, Any]) -> str:
    return f"{report}|{width}|{start.strftime('%Y-%m-%dT%H:%M:%SZ')}|{grouping}|{canonical(group)}"


def slot_columns(
    chunk: Chunk,
    report: str,
    span: tuple[datetime, datetime],
    width: tuple[str, timedelta],
    grouping: str,
    group: dict[str, Any],
) -> dict[str, Any]:
    """The columns every export row has: its chunk, its bucket and what it is the total of."""
    (start, end), (width, size) = span, width
    return {
        "chunk_id": chunk.chunk_id,
        "report": report,
        "bucket_start": start,
        "bucket_end": end,
        "bucket_width": width,
        "slot_key": slot_key(report, width, aligned(start, size), grouping, group),
        "grouped_by": grouping,
        "group_by": canonical(group),
    }


def grouping(groups: list[dict[str, Any]]) -> str:
    """The dimensions a page was grouped by: those with a value in one of its rows."""
    return ",".join(sorted({k for g in groups for k, v in g.items() if v is not None}))


def canonical(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def count(value: Any) -> int | None:
    """A token or event count: an int in 0..MAX_BUCKET_COUNT (None if it is anything else)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BUCKET_COUNT:
        return None
    return value


def amount(value: Any) -> Decimal | None:
    """A money amount as exports write it (a decimal string or a JSON number), exactly;
    None for anything else, ``NaN``, ``sNaN`` and infinities included."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def text(value: Any) -> str | None:
    """A grouping value (a model, a workspace): a string, or None when absent. A value of
    another type (``"model": 1.5``) raises ValueError: the row cannot be filed."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{type(value).__name__} {value!r} where a string belongs")
