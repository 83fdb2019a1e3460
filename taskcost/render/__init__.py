"""Output formats: one registry, one ``write()``; Arrow tables in, text out.

- ``table``: for people; numbers with thousands separators, costs in dollars, an
  explicit ``unpriced`` instead of a made-up zero, optional totals row and notes.
- ``json``: an array of objects, one per row; dates ``YYYY-MM-DD``, instants ISO 8601
  UTC (``…Z``), costs as full-precision numbers, unknown values ``null``.
- ``csv``: a header and one line per row; same values as JSON, empty for null.
- ``markdown``: a pipe table with the ``table`` format's cells, and its notes as
  paragraphs, to paste into a wiki or a chat.
- ``html``: the weekly report as one self-contained page (``render.html``).

Log text is untrusted, so every writer makes it inert for where it goes:

- ``csv``: a text cell that a spreadsheet would read as a formula (first character ``=``,
  ``+``, ``-``, ``@``, tab or carriage return, and not a number such as ``-12.5``) gets a
  leading ``'`` (the OWASP rule against CSV injection); number columns are written as is.
- ``table`` and ``markdown``: ``terminal_text`` strips what a terminal would act on
  (escape sequences, control characters, bidi overrides); rich cells are ``Text``, never
  markup; text longer than ``Layout.max_text`` (80) characters is cut and ends in ``…``
  (not the sentences taskcost writes itself, ``Layout.full_text``, such as a flag's evidence).
- ``json``, ``csv`` and ``html`` carry the text in full (``html`` escapes it).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

FORMATS = ("table", "json", "csv", "markdown")


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
    change_columns: Sequence[str] = ()  # ratios minus 1 shown as signed percentages
    unpriced_note: Sequence[str] | None = None  # cost columns that say "+N unpriced" (default: all)
    truncate: dict[str, int] = field(default_factory=dict)  # text columns cut to this many characters
    max_text: int | None = 80  # any other text cell (table, markdown) is cut to this many characters
    # text made by taskcost whose numbers are the point (a flag's evidence): never cut
    full_text: Sequence[str] = ("evidence", "verdict_text")
    blank: dict[str, str] = field(default_factory=dict)  # what a null means in a column (default "—")
    time_format: str = "%Y-%m-%d %H:%M"


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
    """Rows as an indented JSON array, formatted column by column by polars (a report can
    have 100,000 tasks: Python per value would take seconds)."""
    import msgspec
    import polars as pl

    df = pl.from_arrow(table) if table.num_columns else pl.DataFrame()
    assert isinstance(df, pl.DataFrame)
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC")
            exprs.append(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
        elif dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Time:
            exprs.append(col.map_elements(lambda v: v.isoformat(), return_dtype=pl.String))
        elif dtype.is_float():
            # 12 significant digits: drops float summation noise (0.1826906999999998)
            exprs.append(pl.when(col.is_finite()).then(col.round_sig_figs(12)))
        elif isinstance(dtype, pl.Decimal):
            exprs.append(col.cast(pl.Int64) if dtype.scale == 0 else col.cast(pl.Float64))
        elif dtype == pl.Binary:
            exprs.append(col.bin.encode("hex"))
    rows = (
        df.with_columns(exprs).write_json()
        if df.width
        else "[" + ",".join("{}" for _ in range(table.num_rows)) + "]"
    )
    out.write(msgspec.json.format(rows.encode(), indent=2).decode())
    out.write("\n")


def write_object(obj: Any, out: IO[str]) -> None:
    """``obj`` as indented JSON (values as in ``write_json``). msgspec's C encoder: the
    standard library falls back to pure Python when indenting, 10x slower on big reports."""
    import msgspec

    out.write(msgspec.json.format(msgspec.json.encode(_json_value(obj)), indent=2).decode())
    out.write("\n")


_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_text(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula: a leading ``'`` when it starts
    with ``=``, ``+``, ``-``, ``@``, tab or carriage return (OWASP), unless it is a number
    written as text (``-12.5``, ``+3``, ``-1e5``)."""
    if text and text[0] in _FORMULA_START and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_plain(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(str(_csv_plain(x)) for x in v)
    return _json_value(v)


def _csv_value(v: Any) -> Any:
    value = _csv_plain(v)
    if not isinstance(value, str) or isinstance(v, int | float | Decimal):
        return value  # a number is never neutralised
    if isinstance(v, list) and v and isinstance(v[0], int | float | Decimal):
        return value  # "-1;2": a list of numbers
    return csv_text(value)


def write_csv(table: pa.Table, out: IO[str], layout: Layout | None = None) -> None:
    """A header and one line per row; text cells pass ``csv_text`` (numbers never do). A
    row with a carriage return in a cell is quoted whole: the csv module quotes only the
    characters of its line terminator, and a bare CR would start a new row for a reader."""
    w = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def put(row: list[Any]) -> None:
        (quoted if any(isinstance(c, str) and "\r" in c for c in row) else w).writerow(row)

    put([csv_text(c) for c in table.column_names])
    for row in table.to_pylist():
        put([_csv_value(v) for v in row.values()])


# What a terminal acts on. Escape sequences first, whole: CSI (ESC [ or 8-bit CSI, then
# parameter, intermediate and final bytes); the string sequences OSC, DCS, SOS, PM and APC
# (ESC ] P X ^ _ or their 8-bit forms) up to BEL or ST (ESC backslash, 0x9c), or up to the next
# control character when unterminated; any other ESC with its intermediate and final bytes.
# Then single characters: C0 controls, DEL, C1 controls, and the bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069) that reorder text on screen. Tabs
# and line breaks are left to ``_SPACES`` (after: they end an unterminated sequence).
_TERMINAL_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f\u2028\u2029]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]"
)
_SPACES = str.maketrans(dict.fromkeys("\t\n\v\f\r\x85\u2028\u2029", " "))


def terminal_text(s: str) -> str:
    """Log text (untrusted) as text a terminal only prints: tabs and line breaks become
    spaces; escape sequences (ANSI colours, OSC titles and hyperlinks: the link text stays),
    other control characters (C0, DEL, C1) and bidi overrides and isolates are removed.
    Every table and markdown cell passes it; anything else printing log text should too."""
    if s.isprintable():  # the common case, in C: nothing to strip
        return s
    return _TERMINAL_CONTROL.sub("", s).translate(_SPACES)


def _shorten(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _cell(name: str, v: Any, row: dict[str, Any], layout: Layout) -> str:
    if name in layout.cost_columns:
        noted = layout.unpriced_note is None or name in layout.unpriced_note
        unpriced = (row.get(layout.unpriced_column or "", 0) or 0) if noted else 0
        if v is None:
            return "unpriced" if unpriced else "—"
        text = f"${v:,.2f}" if v == 0 or abs(v) >= 0.005 else "<$0.01"
        return f"{text} +{unpriced:,} unpriced" if unpriced else text
    if v is None:
        return layout.blank.get(name, "—")
    if isinstance(v, str):
        if name in layout.truncate:
            return _shorten(" ".join(terminal_text(v).split()), layout.truncate[name])
        return _shorten(terminal_text(v), None if name in layout.full_text else layout.max_text)
    if name in layout.percent_columns:
        return f"{v:.0%}"
    if name in layout.change_columns:
        return f"{v:+.0%}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | Decimal):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4f}"
    if isinstance(v, datetime):
        if layout.tz and v.tzinfo is not None:
            v = v.astimezone(ZoneInfo(layout.tz))
        return v.strftime(layout.time_format)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return _shorten(terminal_text(", ".join(str(x) for x in v)), layout.max_text)
    return terminal_text(str(v))


def write_table(table: pa.Table, out: IO[str], layout: Layout | None = None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

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
    for c in cols:  # cells as Text, never markup: "[bold]" from a log is shown as written
        footer = _cell(c, totals[c], totals, layout) if c in totals else ""
        t.add_column(
            Text(terminal_text(layout.titles.get(c, c))),
            justify="right" if c in numeric else "left",
            footer=Text(footer),
            overflow="fold",
            no_wrap=c in layout.no_wrap,
        )
    for r in rows:
        t.add_row(*(Text(_cell(c, r[c], r, layout)) for c in cols))
    width = None if out.isatty() else 240
    console = Console(file=out, width=width, highlight=False, emoji=False, soft_wrap=False)
    if not rows:
        console.print("(no rows)")
    else:
        console.print(t)
    for note in layout.notes:
        console.print(terminal_text(note), highlight=False, markup=False)


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int], marks: Sequence[bool] = (), width: int = 60) -> list[str]:
    """``values`` as rows of block characters, one per value, ``width`` per row; a value
    with a mark (a compaction before it) is shown as ``|`` before its block."""
    peak = max(values, default=0) or 1
    cells = []
    for n, v in enumerate(values):
        block = SPARKS[min(len(SPARKS) - 1, round(v / peak * (len(SPARKS) - 1)))]
        cells.append(("|" if n < len(marks) and marks[n] else "") + block)
    return ["".join(cells[i : i + width]) for i in range(0, len(cells), width)]


def write_task(task: dict[str, Any], steps: pa.Table, out: IO[str], *, tz: str) -> None:
    """One task for a person: what was asked, how it ended and why, what it cost, and the
    context of every main-conversation call as a chart, then the trajectory table."""
    from rich.console import Console

    console = Console(file=out, width=None if out.isatty() else 240, highlight=False, emoji=False)
    layout = Layout(tz=tz)

    def when(v: Any) -> str:
        return _cell("ts", v, {}, layout)

    def line(label: str, text: str) -> None:
        console.print(f"{label:<12} {terminal_text(text)}", markup=False, soft_wrap=True)

    cost = _cell("cost_usd", task["cost_usd"], task, layout)
    line("Task", f"{task['task_id']}  ({task['source']}, session {task['session_id']})")
    line("Project", f"{task['project'] or '—'}  branch {task['git_branch'] or '—'}  user {task['user']}")
    line("Started", f"{when(task['started_at'])}  ended {when(task['ended_at'])}  ({tz})")
    line("Prompt", " ".join((task["prompt_preview"] or "—").split()))
    confidence = f", {task['outcome_confidence']} confidence" if task["outcome_confidence"] else ""
    line("Outcome", f"{task['outcome']} — {task['outcome_reason']}{confidence} ({task['outcome_source']})")
    line("Evidence", task["outcome_evidence"] or "—")
    line(
        "Spend",
        f"{cost}  {task['requests']:,} requests ({task['subagent_requests']:,} by subagents), "
        f"models {', '.join(task['models'] or []) or '—'}",
    )
    line(
        "Tokens",
        f"input {task['input_tokens']:,}  cache read {task['cache_read_tokens']:,}  "
        f"cache write {task['cache_write_tokens']:,}  output {task['output_tokens']:,}",
    )
    ctx = {k: _cell(k, task[k], task, layout) for k in ("ctx_start", "ctx_peak", "ctx_growth")}
    hit = "—" if task["cache_hit_ratio"] is None else f"{task['cache_hit_ratio']:.0%}"
    line(
        "Context",
        f"start {ctx['ctx_start']}  peak {ctx['ctx_peak']}  growth {ctx['ctx_growth']}  "
        f"compactions {task['compactions']}  cache hits {hit}  steps {task['steps']}  "
        f"tool calls {task['tool_calls']}",
    )
    main = [r for r in steps.to_pylist() if not r["subagent"]]
    if main:
        console.print("\nContext per main-conversation call (| = compaction before):", markup=False)
        for row in sparkline([r["context_tokens"] for r in main], [r["compacted_before"] for r in main]):
            console.print("  " + row, markup=False)
    console.print()
    write_table(
        steps,
        out,
        Layout(
            titles={
                "step": "Step",
                "ts": "Time",
                "agent": "Agent",
                "context_tokens": "Context",
                "output_tokens": "Output",
                "cost_usd": "Cost (USD)",
                "cumulative_cost_usd": "Cumulative",
                "compacted_before": "Compacted",
            },
            hidden=(
                "subagent",
                "model",
                "input_tokens",
                "cache_read_tokens",
                "cache_write_tokens",
                "unpriced_requests",
            ),
            cost_columns=("cost_usd", "cumulative_cost_usd"),
            tz=tz,
            time_format="%Y-%m-%d %H:%M:%S",
        ),
    )


_MARKDOWN_SPECIAL = re.compile(r"[\\|*_`\[\]#~]")


def markdown_text(text: str) -> str:
    """Log text (untrusted) as literal Markdown: no markup, link or HTML gets through, nor
    what a terminal would act on (``terminal_text``)."""
    text = " ".join(terminal_text(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", text)


def write_markdown(table: pa.Table, out: IO[str], layout: Layout | None = None) -> None:
    """A GitHub-flavoured pipe table (cells as in ``table``), then the notes."""
    layout = layout or Layout()
    cols = [c for c in table.column_names if c not in layout.hidden]
    numeric = {
        f.name
        for f in table.schema
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
    }

    out.write("| " + " | ".join(markdown_text(layout.titles.get(c, c)) for c in cols) + " |\n")
    out.write("|" + "|".join("---:" if c in numeric else "---" for c in cols) + "|\n")
    for r in table.to_pylist():
        out.write("| " + " | ".join(markdown_text(_cell(c, r[c], r, layout)) for c in cols) + " |\n")
    for note in layout.notes:
        out.write(f"\n{markdown_text(note)}\n")


WRITERS: dict[str, Callable[[pa.Table, IO[str], Layout | None], None]] = {
    "table": write_table,
    "json": write_json,
    "csv": write_csv,
    "markdown": write_markdown,
}


def write(table: pa.Table, fmt: str, out: IO[str], layout: Layout | None = None) -> None:
    WRITERS[fmt](table, out, layout)
