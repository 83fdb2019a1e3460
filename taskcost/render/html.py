"""The weekly report as one self-contained HTML page: ``write_report(report, out)``.

``report`` is a dict of already computed values (see ``write_report``); this module only
lays them out. Choices:

- **Offline and inert.** One file: the CSS is inline, the charts are inline SVG drawn here
  (``charts.py``), there is no JavaScript, and nothing is loaded from anywhere (no fonts,
  images, stylesheets or scripts; the only links are to the page's own sections).
- **Escaped.** Prompts, project and people names, model names, evidence, notes and titles
  are untrusted text. Every value goes through ``html.escape(…, quote=True)`` (``esc``)
  on its way into text or attributes; a table cell is escaped unless the code building it
  marks it ``Html`` (and then every data value inside was escaped by that code).
- **Honest numbers.** Costs are ``$1,234.56``, ``<$0.01`` when tiny, ``unpriced`` when a
  price is missing (never ``$0``), ``—`` when unknown for another reason; percentages
  ``42%``; tokens with thousands separators, except compact (``1.2M``, the exact count in a
  tooltip) in the wide weekly table and in charts.
- **Readable.** System fonts, tabular figures, numbers right-aligned; the weekly table has
  grouped headers and, with ``by``, each week's overall row in bold with its groups under
  it; long names are cut with the whole text in a tooltip.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from taskcost.render import charts
from taskcost.render.charts import GREEN, GREY, RED, change, compact, esc, money, percent

FLAG_NAMES = {
    "high_burn_low_yield": "High burn, low yield",
    "spend_no_completion": "Spend, no completion",
    "runaway_context": "Runaway context",
    "quota_spike": "Quota spike",
    "heavy_session_no_change": "Heavy session, no change",
}
VERDICTS = {
    "route_a": "use {a}",
    "route_b": "use {b}",
    "too_close": "too close to call",
    "not_enough_data": "not enough data",
}
PREV = "change against the week before"
PER_DONE = "all spend of the week divided by the tasks completed in it"
BAND_ORDER = {"all": 0, "S": 1, "M": 2, "L": 3}
TOKEN_COST = charts.BLUE
FIX_COST = charts.ORANGE


class Html(str):
    """Markup built here from escaped pieces: a table inserts it as it is."""


def write_report(report: dict[str, Any], out: IO[str]) -> None:
    """Write ``report`` as an HTML page. Keys (any value may be ``None``; lists may be empty):

    title, generated_at, timezone, week_start, by, range, notes, weekly, abandoned, models,
    pairs, assumptions, people, reading, flags, trajectories; the rows' keys are those the
    sections below read with ``row.get``: a missing key is shown as unknown.
    """
    title = report.get("title") or "taskcost report"
    out.write(
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
    )
    for section in (
        _header(report, title),
        _notes(report.get("notes") or []),
        _weekly(report),
        _abandoned(report),
        _charts(report),
        _models(report),
        _people(report),
    ):
        out.write(section)
        out.write("\n")
    out.write(
        "<footer>Made by taskcost from local logs. This page is a single file: it loads nothing "
        "from the network and runs no scripts.</footer>\n</main>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------- sections


def _header(report: dict[str, Any], title: str) -> str:
    facts = [
        ("Range", report.get("range")),
        ("Time zone", report.get("timezone")),
        ("Weeks start", (report.get("week_start") or "").capitalize() or None),
        ("Grouped by", report.get("by")),
        ("Generated", _instant_text(report.get("generated_at"), report.get("timezone"))),
    ]
    items = "".join(f"<div><dt>{esc(name)}</dt><dd>{esc(value)}</dd></div>" for name, value in facts if value)
    links = [
        ("weekly", "Week by week"),
        ("abandoned", "Abandoned"),
        ("charts", "Charts"),
        ("models", "Models"),
        ("people", "People"),
    ]
    nav = " · ".join(f'<a href="#{anchor}">{esc(name)}</a>' for anchor, name in links)
    return f'<header><h1>{esc(title)}</h1><dl class="facts">{items}</dl><nav>{nav}</nav></header>'


def _notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return f'<aside class="notes" aria-label="Notes"><h2>Notes</h2><ul>{items}</ul></aside>'


def _weekly(report: dict[str, Any]) -> str:
    rows = _weekly_rows(report)
    by = report.get("by")
    head = '<section id="weekly"><h2>Week by week</h2>'
    if not rows:
        return head + '<p class="empty">No tasks in this range.</p></section>'

    def first(r: dict[str, Any]) -> str | Html:
        if r.get("group") is None:
            start = r.get("week_start")
            tip = f"week starting {start.isoformat()}" if isinstance(start, date) else ""
            return Html(f'<span title="{esc(tip)}">{esc(r.get("week") or "—")}</span>')
        return str(r["group"])

    tasks, spend, per_done, per_task, tokens = "Tasks", "Spend", "Per completed", "Per task", "Tokens"
    cols = [
        Col(f"Week / {by}" if by else "Week", first, nowrap=True),
        Col("all", lambda r: _int(r.get("tasks")), num=True, group=tasks),
        Col("completed", lambda r: _int(r.get("completed")), num=True, group=tasks),
        Col("abandoned", lambda r: _int(r.get("abandoned")), num=True, group=tasks),
        Col("unknown", lambda r: _int(r.get("unknown")), num=True, group=tasks, tip="outcome not known"),
        Col("total", lambda r: _money(r, "spend_usd"), num=True, group=spend),
        Col("change", lambda r: _change(r.get("spend_change")), num=True, group=spend, tip=PREV),
        Col(
            "abandoned",
            lambda r: percent(r.get("abandoned_share")),
            num=True,
            group=spend,
            tip="share of the spend on tasks that were abandoned",
        ),
        Col("cost", lambda r: _money(r, "cost_per_completed_usd"), num=True, group=per_done, tip=PER_DONE),
        Col(
            "change",
            lambda r: _change(r.get("cost_per_completed_change"), bad_when_up=True),
            num=True,
            group=per_done,
            tip=PREV,
        ),
        Col("median", lambda r: _money(r, "median_cost_usd"), num=True, group=per_task),
        Col(
            "p90", lambda r: _money(r, "p90_cost_usd"), num=True, group=per_task, tip="90% of tasks cost less"
        ),
        Col("total", lambda r: _tokens(r.get("tokens")), num=True, group=tokens),
        Col("per completed", lambda r: _tokens(r.get("tokens_per_completed")), num=True, group=tokens),
        Col(
            "cache reads",
            lambda r: percent(r.get("cache_read_share")),
            num=True,
            group=tokens,
            tip="share of the tokens read from the prompt cache",
        ),
        Col(
            "Unpriced calls",
            lambda r: _unpriced(r.get("unpriced_requests")),
            num=True,
            tip="requests with no known price: their cost is missing from the spend",
        ),
    ]
    if by:
        legend = f'<p class="hint">Bold rows are all of a week; the rows under each are per {esc(by)}.</p>'
    else:
        legend = ""
    row_class = (lambda r: "overall" if r.get("group") is None else "group") if by else None
    return head + legend + table(rows, cols, row_class=row_class) + "</section>"


def _abandoned(report: dict[str, Any]) -> str:
    rows = sorted(report.get("abandoned") or [], key=lambda r: _cost_key(r.get("cost_usd")))[:5]
    week = _latest_week(report)
    title = f"Costliest abandoned tasks, {week}" if week else "Costliest abandoned tasks"
    head = f'<section id="abandoned"><h2>{esc(title)}</h2>'
    if not rows:
        return head + '<p class="empty">No abandoned tasks in the latest week.</p></section>'
    tz = report.get("timezone")
    cols = [
        Col(
            "Task",
            lambda r: Html(
                f'<code title="{esc(r.get("task_id") or "")}">{esc(_short_id(r.get("task_id")))}</code>'
            ),
        ),
        Col("Started", lambda r: _instant_text(r.get("started_at"), tz) or "—", nowrap=True),
        Col("Person", lambda r: _short(r.get("person"), 24), nowrap=True),
        Col("Project", lambda r: _short(r.get("project"), 32)),
        Col("Prompt", lambda r: _prompt(r.get("prompt_preview")), cls="prompt"),
        Col("Cost", lambda r: _money(r, "cost_usd", note=True), num=True),
        Col("Why abandoned", _reason),
    ]
    return head + table(rows, cols) + "</section>"


def _charts(report: dict[str, Any]) -> str:
    weeks = _overall(report.get("weekly") or [])
    figures = (
        _spend_chart(weeks),
        _per_completed_chart(weeks),
        _people_chart(report.get("people") or []),
        _context_chart(report.get("trajectories") or []),
    )
    return f'<section id="charts"><h2>Charts</h2><div class="charts">{"".join(figures)}</div></section>'


def _spend_chart(weeks: list[dict[str, Any]]) -> str:
    return charts.stacked_columns(
        [str(r.get("week") or "—") for r in weeks],
        [
            charts.Series("completed", GREEN, [r.get("completed_spend_usd") for r in weeks]),
            charts.Series("abandoned", RED, [r.get("abandoned_spend_usd") for r in weeks]),
            charts.Series("unknown", GREY, [r.get("unknown_spend_usd") for r in weeks]),
        ],
        label="Weekly spend by outcome",
        axis_title="Spend per week (USD)",
        caption="Spend per week, split by how its tasks ended. n/a: no priced request that week.",
    )


def _per_completed_chart(weeks: list[dict[str, Any]]) -> str:
    return charts.line_columns(
        [str(r.get("week") or "—") for r in weeks],
        [r.get("cost_per_completed_usd") for r in weeks],
        label="Cost per completed task",
        axis_title="Spend / completed tasks (USD)",
        caption="All spend of a week divided by the tasks completed in it; gaps (n/a) are weeks "
        "with no completed task or no price.",
    )


def _people_chart(people: list[dict[str, Any]]) -> str:
    points = []
    for p in people:
        if p.get("tokens") is None:
            continue
        name, done = str(p.get("person") or "—"), p.get("completed") or 0
        tip = f"{name}: {p['tokens']:,} tokens, {done:,} completed, {money(p.get('spend_usd'))}"
        color = RED if p.get("misordered") else charts.BLUE
        points.append(charts.Point(x=p["tokens"], y=done, label=_shorten(name, 24), color=color, tip=tip))
    return charts.scatter(
        points,
        label="Tokens vs completed tasks per person",
        x_title="Tokens",
        y_title="Completed tasks",
        legend_items=[("ranked right by tokens", charts.BLUE), ("misranked by tokens", RED)],
        caption="Each dot is a person. Red: ranking by tokens puts them in the wrong place "
        "against ranking by completed tasks.",
    )


def _context_chart(trajectories: list[dict[str, Any]]) -> str:
    lines = []
    for i, t in enumerate(trajectories):
        cost = money(t.get("cost_usd"), 1)
        lines.append(
            charts.Line(
                name=f"{_short_id(t.get('task_id'))}  {cost}  {t.get('outcome') or 'unknown'}",
                values=t.get("context") or [],
                marks=t.get("compacted") or [],
                color=charts.PALETTE[i % len(charts.PALETTE)],
                tip=_shorten(t.get("prompt_preview") or "", 160),
            )
        )
    return charts.lines(
        lines,
        label="Context of the costliest tasks",
        x_title="Main-conversation call",
        y_title="Context tokens",
        mark_name="compaction before call",
        caption="Context tokens sent with each main-conversation call of the costliest tasks. "
        "Context that only grows is paid again on every call; a ring marks a compaction.",
    )


def _models(report: dict[str, Any]) -> str:
    models = sorted(report.get("models") or [], key=lambda r: BAND_ORDER.get(r.get("band") or "", 9))
    return (
        '<section id="models"><h2>Model economics</h2>'
        + f'<div class="charts">{_models_chart([m for m in models if m.get("band") == "all"])}</div>'
        + _assumptions(report.get("assumptions") or {})
        + _models_table(models)
        + _pairs_table(report.get("pairs") or [])
        + "</section>"
    )


def _models_chart(models: list[dict[str, Any]]) -> str:
    """TCO per task of each model, split into its token cost and its expected fix cost."""
    bars = []
    for m in models:
        name, per_attempt, tco = (
            str(m.get("model") or "—"),
            m.get("cost_per_attempt_usd"),
            m.get("tco_per_task_usd"),
        )
        fix = None if tco is None or per_attempt is None else max(0.0, tco - per_attempt)
        if tco is not None:
            total = money(tco)
        else:
            total = f"{money(per_attempt, m.get('unpriced_requests'))} + fix unknown"
        tip = f"{name}: tokens {money(per_attempt)}, fixing {money(fix)}, total {money(tco)}"
        bars.append(charts.Bar(label=name, values=[per_attempt, fix], total_text=total, tip=tip))
    return charts.stacked_bars(
        bars,
        [("token cost per attempt", TOKEN_COST), ("expected fix cost", FIX_COST)],
        label="Cost per finished task by model",
        axis_title="USD per task",
        caption="What a task costs in the end: tokens spent per attempt plus the expected cost of "
        "a person fixing what the model left unfinished (assumptions below).",
    )


def _models_table(models: list[dict[str, Any]]) -> str:
    if not models:
        return '<h3>Models</h3><p class="empty">No model with tasks in this range.</p>'
    firsts = {id(r) for n, r in enumerate(models) if n == 0 or models[n - 1].get("band") != r.get("band")}

    def band(r: dict[str, Any]) -> str:
        return _band_name(r.get("band")) if id(r) in firsts else ""

    cols = [
        Col("Task size", band, tip="S, M, L: size bands (see the assumptions)", nowrap=True),
        Col("Model", lambda r: _short(r.get("model"), 60, code=True), cls="model"),
        Col("Tasks", lambda r: _int(r.get("tasks")), num=True),
        Col("Completed", lambda r: _int(r.get("completed")), num=True),
        Col("Abandoned", lambda r: _int(r.get("abandoned")), num=True),
        Col("Unknown", lambda r: _int(r.get("unknown")), num=True),
        Col("Completion rate", _completion, num=True, tip="with its 95% interval"),
        Col("Spend", lambda r: _money(r, "spend_usd"), num=True),
        Col("Per attempt", lambda r: _money(r, "cost_per_attempt_usd"), num=True),
        Col("Per completed", lambda r: _money(r, "cost_per_completed_usd"), num=True),
        Col(
            "TCO per task", lambda r: _money(r, "tco_per_task_usd"), num=True, tip="tokens plus expected fix"
        ),
        Col("Unpriced calls", lambda r: _unpriced(r.get("unpriced_requests")), num=True),
    ]

    def row_class(r: dict[str, Any]) -> str:
        return "band-start" if id(r) in firsts and r is not models[0] else ""

    return "<h3>Models by task size</h3>" + table(models, cols, row_class=row_class)


def _pairs_table(pairs: list[dict[str, Any]]) -> str:
    if not pairs:
        return ""
    pairs = sorted(pairs, key=lambda r: BAND_ORDER.get(r.get("band") or "", 9))

    def models(r: dict[str, Any]) -> Html:
        return Html(f"{_short(r.get('model_a'), 40, code=True)} vs {_short(r.get('model_b'), 40, code=True)}")

    def verdict(r: dict[str, Any]) -> Html:
        code = r.get("verdict") or ""
        template = VERDICTS.get(code)
        a, b = r.get("model_a") or "A", r.get("model_b") or "B"
        words = template.format(a=a, b=b) if template else code or "—"
        cls = "go" if code in ("route_a", "route_b") else "hold"
        return Html(f'<span class="badge {cls}">{esc(words)}</span>')

    cols = [
        Col("Task size", lambda r: _band_name(r.get("band")), nowrap=True),
        Col("Models", models),
        Col(
            "Decided",
            lambda r: f"{_int(r.get('decided_a'))} / {_int(r.get('decided_b'))}",
            num=True,
            tip="tasks with a known outcome, per model",
        ),
        Col("Verdict", verdict),
        Col("Why", lambda r: r.get("verdict_text") or "—", cls="prose"),
    ]
    return "<h3>Which model to route to</h3>" + table(pairs, cols)


def _assumptions(a: dict[str, Any]) -> str:
    if not a:
        return ""
    rate, minutes, fix = a.get("labor_rate_usd_per_hour"), a.get("fix_minutes"), a.get("fix_cost_usd")
    minutes_text = "—" if minutes is None else f"{minutes:g}"
    band_by = {"steps": "the number of steps", "context": "the context size"}.get(
        a.get("band_by") or "", "size"
    )
    min_tasks = a.get("min_tasks")
    parts = [
        f"A task a model does not finish costs a person {minutes_text} minutes at {_rate(rate)} an hour "
        f"to fix: {money(fix)}. TCO per task is the token cost per attempt plus that fix cost "
        "weighted by how often the model's tasks fail.",
        f"Tasks are sized S, M and L by {band_by}.",
    ]
    if min_tasks is not None:
        parts.append(f"A verdict needs at least {min_tasks:,} decided tasks per model and size.")
    return f'<p class="assumptions"><strong>Assumptions.</strong> {esc(" ".join(parts))}</p>'


def _people(report: dict[str, Any]) -> str:
    people = sorted(report.get("people") or [], key=lambda r: r.get("rank_tokens") or math.inf)
    head = '<section id="people"><h2>People: tokens are not output</h2>'
    reading = report.get("reading")
    body = f'<p class="reading">{esc(reading)}</p>' if reading else ""
    if people:
        cols = [
            Col("Person", lambda r: _short(r.get("person"), 24), nowrap=True),
            Col("Team", lambda r: _short(r.get("team"), 24), nowrap=True),
            Col("Tokens", lambda r: _int(r.get("tokens")), num=True),
            Col("Rank by tokens", lambda r: _int(r.get("rank_tokens")), num=True),
            Col("Completed", lambda r: _int(r.get("completed")), num=True),
            Col("Rank by completed", lambda r: _int(r.get("rank_completed")), num=True),
            Col(
                "", lambda r: Html('<span class="badge warn">misranked</span>') if r.get("misordered") else ""
            ),
            Col("Tasks", lambda r: _int(r.get("tasks")), num=True),
            Col("Abandoned", lambda r: _int(r.get("abandoned")), num=True),
            Col("Spend", lambda r: _money(r, "spend_usd"), num=True),
            Col("Per completed", lambda r: _money(r, "cost_per_completed_usd"), num=True),
            Col(
                "Abandoned share", lambda r: percent(r.get("abandoned_share")), num=True, tip="share of spend"
            ),
        ]
        body += table(people, cols)
    else:
        body += '<p class="empty">No people in this range.</p>'
    body += _flags(report.get("flags") or [])
    return head + body + "</section>"


def _flags(flags: list[dict[str, Any]]) -> str:
    if not flags:
        return '<h3>Flags</h3><p class="empty">Nothing flagged.</p>'
    cols = [
        Col("Flag", _flag, nowrap=True),
        Col("Person", lambda r: _short(r.get("person"), 24), nowrap=True),
        Col("Subject", lambda r: _short(r.get("subject"), 28, code=True)),
        Col("Evidence", lambda r: r.get("evidence") or "—", cls="prose"),
        Col("Spend", lambda r: _money(r, "spend_usd"), num=True),
        Col("Tokens", lambda r: _int(r.get("tokens")), num=True),
    ]
    return "<h3>Flags</h3>" + table(flags, cols)


# ---------------------------------------------------------------------------- tables


@dataclass
class Col:
    """A table column: its title, how a row becomes its cell, and how the cell looks.
    Consecutive columns with the same ``group`` share a header above their titles."""

    title: str
    cell: Callable[[dict[str, Any]], str | Html]
    num: bool = False
    tip: str = ""
    cls: str = ""
    nowrap: bool = False
    group: str = ""


def table(
    rows: Iterable[dict[str, Any]],
    cols: Sequence[Col],
    row_class: Callable[[dict[str, Any]], str] | None = None,
) -> str:
    def classes(c: Col, *extra: str) -> str:
        names = " ".join(
            n for n in ("num" if c.num else "", c.cls, "nowrap" if c.nowrap else "", *extra) if n
        )
        return f' class="{names}"' if names else ""

    def header(c: Col, span: str = "", *extra: str) -> str:
        tip = f' title="{esc(c.tip)}"' if c.tip else ""
        return f'<th scope="col"{span}{classes(c, *extra)}{tip}>{esc(c.title)}</th>'

    if any(c.group for c in cols):
        top, sub = [], []
        for n, c in enumerate(cols):
            if not c.group:
                top.append(header(c, ' rowspan="2"'))
            elif n == 0 or cols[n - 1].group != c.group:
                span = len(list(itertools.takewhile(lambda d, g=c.group: d.group == g, cols[n:])))
                top.append(f'<th scope="colgroup" colspan="{span}" class="group">{esc(c.group)}</th>')
            if c.group:
                first = n == 0 or cols[n - 1].group != c.group
                sub.append(header(c, "", "sub", "group-start" if first else ""))
        head = f"<tr>{''.join(top)}</tr><tr>{''.join(sub)}</tr>"
    else:
        head = "<tr>" + "".join(header(c) for c in cols) + "</tr>"
    body = []
    for r in rows:
        cls = row_class(r) if row_class else ""
        cells = "".join(f"<td{classes(c)}>{_html(c.cell(r))}</td>" for c in cols)
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f'<div class="scroll"><table><thead>{head}</thead><tbody>{"".join(body)}</tbody></table></div>'


def _html(v: str | Html) -> str:
    return v if isinstance(v, Html) else esc(v)


# ---------------------------------------------------------------------------- cells


def _money(row: dict[str, Any], key: str, note: bool = False) -> str | Html:
    """A cost; ``note`` adds how many requests are missing from it when some are unpriced."""
    unpriced = row.get("unpriced_requests") or 0
    text = money(row.get(key), unpriced)
    if text == "unpriced":
        return Html(f'<span class="unpriced">{esc(text)}</span>')
    if note and unpriced:
        return Html(f'{esc(text)} <span class="unpriced">+{unpriced:,} unpriced</span>')
    return text


def _int(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{round(v):,}"


def _unpriced(n: int | None) -> str | Html:
    return Html(f'<span class="unpriced">{n:,}</span>') if n else _int(n)


def _tokens(v: float | None) -> str | Html:
    """Tokens in a wide table: compact (``41.5M``), the exact count in a tooltip."""
    if v is None or not math.isfinite(v):
        return "—"
    return Html(f'<span title="{esc(_int(v))} tokens">{esc(compact(v))}</span>')


def _change(v: float | None, bad_when_up: bool = False) -> str | Html:
    text = change(v)
    if v is None or not bad_when_up or text == "±0%":
        return text
    return Html(f'<span class="{"worse" if v > 0 else "better"}">{esc(text)}</span>')


def _completion(r: dict[str, Any]) -> str | Html:
    rate, low, high = r.get("completion_rate"), r.get("completion_ci_low"), r.get("completion_ci_high")
    if rate is None:
        return "—"
    if low is None or high is None:
        return percent(rate)
    interval = f"{percent(low).removesuffix('%')}–{percent(high)}"
    return Html(f'{esc(percent(rate))} <span class="ci">({esc(interval)})</span>')


def _reason(r: dict[str, Any]) -> str | Html:
    reason = r.get("outcome_reason") or "—"
    confidence = r.get("outcome_confidence")
    if not confidence:
        return reason
    return Html(f'{esc(reason)} <span class="ci">({esc(confidence)} confidence)</span>')


def _prompt(text: str | None) -> str | Html:
    if not text:
        return "—"
    flat = " ".join(str(text).split())
    short = _shorten(flat, 140)
    return Html(f'<span title="{esc(flat)}">{esc(short)}</span>') if short != flat else flat


def _short(value: Any, limit: int, code: bool = False) -> Html:
    """Text cut to ``limit`` characters, the whole of it in a tooltip when cut."""
    full = " ".join(str(value).split()) if value is not None and value != "" else "—"
    short = _shorten(full, limit)
    tip = f' title="{esc(full)}"' if short != full else ""
    tag = "code" if code else "span"
    return Html(f"<{tag}{tip}>{esc(short)}</{tag}>")


def _rate(v: float | None) -> str:
    return f"${v:,.0f}" if v is not None and v == round(v) else money(v)


def _band_name(band: str | None) -> str:
    return "all sizes" if band == "all" else band or "—"


def _flag(r: dict[str, Any]) -> Html:
    code = r.get("flag") or ""
    name = FLAG_NAMES.get(code, code.replace("_", " ").capitalize()) or "—"
    return Html(f'<span class="badge flag" title="{esc(code)}">{esc(name)}</span>')


# ---------------------------------------------------------------------------- helpers


def _weekly_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Weeks in order, each week's overall row first, then its groups as given."""
    rows = report.get("weekly") or []
    weeks: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        weeks.setdefault(r.get("week_start") or r.get("week"), []).append(r)
    ordered = []
    for key in sorted(weeks, key=lambda k: (k is None, str(k))):
        group = weeks[key]
        ordered += [r for r in group if r.get("group") is None] + [
            r for r in group if r.get("group") is not None
        ]
    return ordered


def _overall(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in _weekly_rows({"weekly": rows}) if r.get("group") is None]


def _latest_week(report: dict[str, Any]) -> str | None:
    weeks = _overall(report.get("weekly") or [])
    return str(weeks[-1].get("week")) if weeks and weeks[-1].get("week") else None


def _cost_key(v: float | None) -> tuple[bool, float]:
    return (v is None, -(v or 0.0))


def _short_id(task_id: str | None) -> str:
    return (task_id or "—")[:8]


def _shorten(s: str, limit: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _instant_text(v: datetime | str | None, tz: str | None) -> str | None:
    """An instant as ``2026-11-23 09:15`` in the report's time zone (UTC when unknown)."""
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
    zone = _zone(tz)
    if zone is not None and v.tzinfo is not None:
        v = v.astimezone(zone)
        return v.strftime("%Y-%m-%d %H:%M")
    return v.strftime("%Y-%m-%d %H:%M") + (" UTC" if v.tzinfo is not None else "")


CSS = """
:root {
  --fg: #1f2328; --muted: #59636e; --faint: #818b98; --border: #d8dee4; --panel: #f6f8fa;
  --accent: #0969da; --good: #1a7f37; --bad: #cf222e; --warn-bg: #fff8c5; --warn: #9a6700;
}
* { box-sizing: border-box; }
body {
  margin: 0; color: var(--fg); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
    "Liberation Sans", Arial, sans-serif;
}
main { max-width: 1108px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 8px; }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--border); }
h3 { font-size: 15px; margin: 24px 0 8px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0 0 10px; color: var(--muted); }
.facts div { display: flex; gap: 6px; }
.facts dt { font-weight: 600; } .facts dt::after { content: ":"; }
.facts dd { margin: 0; color: var(--fg); font-variant-numeric: tabular-nums; }
nav { font-size: 13px; color: var(--faint); }
.notes { margin: 20px 0 0; padding: 10px 16px; background: var(--warn-bg);
  border: 1px solid #eed888; border-radius: 8px; }
.notes h2 { font-size: 14px; margin: 0 0 4px; padding: 0; border: 0; }
.notes ul { margin: 0; padding-left: 20px; }
.hint, figcaption, .assumptions { color: var(--muted); font-size: 13px; }
.empty { color: var(--muted); font-style: italic; }
.reading {
  font-size: 15px; padding: 8px 14px; border-left: 4px solid var(--accent); background: var(--panel);
}
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px; }
th, td { padding: 4px 6px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--border); vertical-align: bottom; }
th[title] { text-decoration: underline dotted var(--faint); text-underline-offset: 3px; cursor: help; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; }
th.group {
  text-align: center; white-space: nowrap; border-bottom: 1px solid var(--border); color: var(--fg);
  padding-bottom: 2px;
}
th.sub { font-weight: normal; }
td code { white-space: nowrap; }
td.model { min-width: 12em; max-width: 18em; }
td.model code { white-space: normal; overflow-wrap: anywhere; }
tr.band-start td { border-top: 2px solid var(--border); }
.nowrap { white-space: nowrap; }
tbody tr:hover { background: #f3f6fa; }
tr.overall td { font-weight: 600; background: var(--panel); }
tr.group td:first-child { padding-left: 26px; color: var(--muted); }
tr.group td { font-size: 12.5px; }
td.prompt { max-width: 340px; overflow-wrap: anywhere; }
td.prose { min-width: 260px; }
.unpriced { color: var(--warn); font-weight: 600; font-size: 12px; }
.ci { color: var(--faint); font-size: 12px; font-weight: normal; }
.worse { color: var(--bad); } .better { color: var(--good); }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; white-space: nowrap;
  border: 1px solid var(--border); background: var(--panel); }
.badge.go { background: #dafbe1; border-color: #aceebb; color: var(--good); }
.badge.hold { color: var(--muted); }
.badge.warn { background: #fff1e5; border-color: #ffd8b5; color: #bc4c00; }
.badge.flag { background: #ffebe9; border-color: #ffcecb; color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 24px 28px; }
figure { margin: 0; }
figure.wide { grid-column: 1 / -1; }
figcaption { margin-top: 4px; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { font-size: 12px; fill: #3d444d; }
svg.chart .tick { fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart .axis-title { fill: var(--muted); font-weight: 600; }
svg.chart .legend { fill: #3d444d; font-size: 11.5px; }
svg.chart .value { fill: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
svg.chart .strong { fill: var(--fg); font-weight: 600; font-size: 12px; }
svg.chart .point-label { fill: var(--fg); }
svg.chart .empty { fill: var(--muted); font-style: italic; font-size: 14px; }
svg.chart .grid { stroke: #e6eaef; stroke-width: 1; }
svg.chart .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart .frame { fill: var(--panel); stroke: var(--border); }
svg.chart .line { stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .ring { fill: #fff; stroke-width: 2; }
svg.chart rect.mark:hover, svg.chart circle.mark:hover { opacity: 0.8; }
footer {
  margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--border); color: var(--faint);
  font-size: 12px;
}
@media (max-width: 760px) { .charts { grid-template-columns: minmax(0, 1fr); } }
@media print { figure, tr { break-inside: avoid; } nav { display: none; } }
"""
