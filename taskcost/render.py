"""Output formats: one registry, one ``write()``; Arrow tables in, text out.

- ``table``: for people; numbers with thousands separators, costs in dollars, an
  explicit ``unpriced`` instead of a made-up zero, optional totals row and notes.
- ``json``: an array of objects, one per row; dates ``YYYY-MM-DD``, instants ISO 8601
  UTC (``…Z``), costs as full-precision numbers, unknown values ``null``.
- ``csv``: a header and one line per row; same values as JSON, empty for null.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

FORMATS = ("table", "json", "csv")


@dataclass
class Layout:
    """How a report looks as a table: column titles, a totals row, notes under it."""

    titles: dict[str, str] = field(default_factory=dict)
    hidden: Sequence[str] = ()
    totals: Sequence[str] = ()  # columns summed in a totals row (empty: no totals row)
    total_label_column: str | None = None
    notes: list[str] = field(default_factory=list)
    tz: str | None = None  # instants are shown in this zone
    cost_columns: Sequence[str] = ("cost_usd",)
    unpriced_column: str | None = "unpriced_requests"
    no_wrap: Sequence[str] = ("session_id", "model", "models")
    percent_columns: Sequence[str] = ()  # ratios shown as percentages


def _json_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return _iso_utc(v)
    if isinstance(v, time):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float):
        # 12 significant digits: drops float summation noise (0.1826906999999998)
        return float(f"{v:.12g}") if math.isfinite(v) else None
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if v is None or isinstance(v, str | int | bool):
        return v
    return str(v)  # times, intervals, UUIDs and the like: their text form


def _iso_utc(v: datetime) -> str:
    if v.tzinfo is not None:
        v = v.astimezone(ZoneInfo("UTC"))
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


def write_json(table: pa.Table, out: IO[str], layout: Layout | None = None) -> None:
    rows = [{k: _json_value(v) for k, v in row.items()} for row in table.to_pylist()]
    json.dump(rows, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(str(_csv_value(x)) for x in v)
    return _json_value(v)


def write_csv(table: pa.Table, out: IO[str], layout: Layout | None = None) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(table.column_names)
    for row in table.to_pylist():
        w.writerow([_csv_value(v) for v in row.values()])


def _cell(name: str, v: Any, row: dict[str, Any], layout: Layout) -> str:
    if name in layout.cost_columns:
        unpriced = row.get(layout.unpriced_column or "", 0) or 0
        if v is None:
            return "unpriced" if unpriced else "—"
        text = f"${v:,.2f}" if v == 0 or abs(v) >= 0.005 else "<$0.01"
        return f"{text} +{unpriced:,} unpriced" if unpriced else text
    if v is None:
        return "—"
    if name in layout.percent_columns:
        return f"{v:.0%}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | Decimal):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4f}"
    if isinstance(v, datetime):
        if layout.tz and v.tzinfo is not None:
            v = v.astimezone(ZoneInfo(layout.tz))
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


def write_table(table: pa.Table, out: IO[str], layout: Layout | None = None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    layout = layout or Layout()
    cols = [c for c in table.column_names if c not in layout.hidden]
    rows = table.to_pylist()
    t = Table(box=box.SIMPLE_HEAVY, show_footer=bool(layout.totals and rows))
    numeric = {
        f.name
        for f in table.schema
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
    }
    totals: dict[str, Any] = {}
    if layout.totals and rows:
        for c in layout.totals:
            vals = [r[c] for r in rows if r[c] is not None]
            totals[c] = sum(vals) if vals else None
        label = layout.total_label_column or cols[0]
        totals[label] = "Total"
    for c in cols:
        footer = _cell(c, totals[c], totals, layout) if c in totals else ""
        t.add_column(
            layout.titles.get(c, c),
            justify="right" if c in numeric else "left",
            footer=footer,
            overflow="fold",
            no_wrap=c in layout.no_wrap,
        )
    for r in rows:
        t.add_row(*(_cell(c, r[c], r, layout) for c in cols))
    width = None if out.isatty() else 240
    console = Console(file=out, width=width, highlight=False, emoji=False, soft_wrap=False)
    if not rows:
        console.print("(no rows)")
    else:
        console.print(t)
    for note in layout.notes:
        console.print(note, highlight=False, markup=False)


WRITERS: dict[str, Callable[[pa.Table, IO[str], Layout | None], None]] = {
    "table": write_table,
    "json": write_json,
    "csv": write_csv,
}


def write(table: pa.Table, fmt: str, out: IO[str], layout: Layout | None = None) -> None:
    WRITERS[fmt](table, out, layout)
