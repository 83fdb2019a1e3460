"""The ``taskcost`` command: wiring and rendering only.

stdout carries data (a report, a query result); stderr carries progress, summaries and
diagnostics. A ``TaskcostError`` becomes one ``taskcost: error: …`` line and its exit
code (see ``taskcost.errors.ExitCode``); anything else is a bug and shows a traceback.
Heavy modules are imported inside the commands that need them, so that a report from
the warehouse starts fast.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from typing import Any

import click

from taskcost import __version__
from taskcost.errors import INTERRUPTED, ExitCode, NoData, TaskcostError, is_interrupt
from taskcost.ingest import SOURCE_NAMES


class TaskcostGroup(click.Group):
    """Turns user errors and Ctrl-C into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TaskcostError as e:
            click.echo(f"taskcost: error: {e}", err=True)
            ctx.exit(int(e.exit_code))
        except (KeyboardInterrupt, Exception) as e:
            if is_interrupt(e):  # also DuckDB's own ways of saying a query was stopped
                _interrupted(ctx)
            raise


def _interrupted(ctx: click.Context) -> None:
    click.echo(INTERRUPTED, err=True)
    ctx.exit(int(ExitCode.INTERRUPT))


def main() -> None:
    """The command. Click's own handling of Ctrl-C ("Aborted!", exit 1) is replaced for the
    moments outside a command (reading the options, closing up): one line, exit 130."""
    try:
        code = cli.main(prog_name="taskcost", standalone_mode=False)
    except click.ClickException as e:  # what standalone mode would print: usage errors
        e.show()
        sys.exit(e.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo(INTERRUPTED, err=True)
        sys.exit(int(ExitCode.INTERRUPT))
    sys.exit(code if isinstance(code, int) else 0)


def _warehouse(ctx: click.Context) -> Any:
    from taskcost.warehouse import Warehouse, default_root

    return Warehouse(ctx.obj.get("warehouse") or default_root())


# --- shared options ---


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise click.BadParameter(f"{value!r} is not a date like 2026-11-23")


def with_options(options: list[Any]) -> Any:
    """Apply a list of click options, in the order given in ``--help``."""

    def decorate(f: Any) -> Any:
        for opt in reversed(options):
            f = opt(f)
        return f

    return decorate


RANGE_OPTIONS = [
    click.option("--since", callback=_date, metavar="DATE", help="First local date to include (YYYY-MM-DD)."),
    click.option("--until", callback=_date, metavar="DATE", help="Last local date to include (YYYY-MM-DD)."),
]
report_options = with_options(
    [
        *RANGE_OPTIONS,
        click.option(
            "--timezone",
            "tz",
            metavar="ZONE",
            help="IANA zone for dates, e.g. Europe/Paris (default: this machine's zone).",
        ),
        click.option("--source", type=click.Choice(SOURCE_NAMES), help="Only this log source."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["table", "json", "csv"]),
            default="table",
            show_default=True,
            help="Output format.",
        ),
    ]
)


@click.group(cls=TaskcostGroup, invoke_without_command=True)
@click.option(
    "--warehouse",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Warehouse folder (default: $TASKCOST_HOME, else ~/.local/share/taskcost).",
)
@click.option(
    "--prices",
    "prices_file",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="TOML file of price overrides (negotiated discounts, internal models). Used by "
    "`ingest`, which re-prices the warehouse when it changes, and by `prices`.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Team config (TOML): people's aliases and teams, labour rate (default: "
    "$TASKCOST_CONFIG, else ~/.config/taskcost/config.toml). See docs/reports.md.",
)
@click.version_option(__version__, prog_name="taskcost")
@click.pass_context
def cli(ctx: click.Context, warehouse: str | None, prices_file: str | None, config_file: str | None) -> None:
    """What your AI coding agents cost per task, not per token.

    With no command: ingest the default log locations (only new lines) and print this
    week's spend-per-task report (`taskcost report`).

    \b
    Quick start:
      taskcost                   # ingest, then this week's report
      taskcost ingest            # read ~/.claude/projects into the warehouse
      taskcost daily             # cost per day and model
      taskcost tasks             # cost and outcome of every human request
    """
    ctx.ensure_object(dict)
    ctx.obj["warehouse"] = warehouse
    ctx.obj["prices"] = prices_file
    ctx.obj["config"] = config_file
    if ctx.invoked_subcommand is None:  # the main job
        ctx.invoke(report)


# --- ingest ---


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--user", help="Who ran these agents (default: the OS user).")
@click.option("--machine", help="Where they ran (default: this host name).")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if any line is skipped.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Parser processes (default: CPU count).")
@click.option("--verbose", "-v", is_flag=True, help="Also show the time spent in each step.")
@click.option(
    "--source",
    type=click.Choice(SOURCE_NAMES),
    help="Read every file as this format instead of recognising it by content.",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    user: str | None,
    machine: str | None,
    strict: bool,
    jobs: int | None,
    verbose: bool,
    source: str | None,
) -> None:
    """Read agent logs and usage exports into the warehouse, incrementally.

    Each file's format is recognised by its content, whatever its name (`taskcost
    sources` lists the formats). With no PATH, reads the default locations that exist
    (Claude Code: ~/.claude/projects, ~/.config/claude/projects, each CLAUDE_CONFIG_DIR
    entry; Codex: $CODEX_HOME/sessions and archived_sessions). Files already ingested are
    only read from where the last run stopped. Run it regularly: Claude Code deletes
    transcripts after 30 days, the warehouse keeps them.

    \b
    Example:
      taskcost ingest ~/.claude/projects --user dana@example.com
    """
    from taskcost import ingest as ing
    from taskcost.warehouse import warm_up

    wh = _warehouse(ctx)
    default_user, default_machine = ing.identity_defaults()
    with wh.writer() as w:
        if w.restored_from:
            click.echo(
                f"taskcost: {wh.manifest_path} was corrupt: restored generation "
                f"{w.manifest['generation']} from {w.restored_from.name} (the corrupt file is kept "
                "as manifest.corrupt.json); what was read since is read again",
                err=True,
            )
        overrides = wh.price_overrides(ctx.obj.get("prices"), w.manifest)
        with _progress() as progress:
            batch = ing.run(
                list(paths) or None,
                catalog=w.catalog,
                staging=str(w.staging),
                user=user or default_user,
                machine=machine or default_machine,
                jobs=jobs,
                strict=strict,
                progress=progress,
                warmup=warm_up,
                forced=source,
            )
        stats = w.commit(batch, overrides) if w.needs_commit(batch, overrides) else None
        _ingest_summary(batch.report, stats, wh, w.manifest, verbose)


class _progress:
    """A progress bar on stderr for long runs; nothing when stderr is not a terminal."""

    def __enter__(self) -> Any:
        self.bar = None
        if not sys.stderr.isatty():
            return None
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < 64 << 20:
                return
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            self.bar = Progress(
                "ingest",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=_stderr_console(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("ingest", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)


MAX_LISTED = 20  # files named one per line in the ingest summary


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _ingest_summary(report: Any, stats: Any, wh: Any, manifest: Any, verbose: bool = False) -> None:
    from taskcost.render import terminal_text

    read = report.files_read
    by = {a: sum(1 for f in read if f.action == a) for a in ("new", "appended", "reread")}
    echo = lambda s: click.echo(terminal_text(s), err=True)  # noqa: E731  (paths and models are log text)
    echo(
        f"taskcost: read {len(read)} of {report.files_seen} files "
        f"({by['new']} new, {by['appended']} grown, {by['reread']} rewritten; "
        f"{report.files_unchanged} unchanged) · {_mb(report.bytes_read)}, {report.lines_read:,} lines"
    )
    if stats is not None:
        echo(
            f"  requests: {stats.new_requests:,} new, {stats.updated_requests:,} replaced by a more "
            f"complete copy, {stats.duplicates_removed:,} duplicate lines removed · "
            f"events: {stats.new_events:,} new"
        )
        for table, (new, replaced) in stats.slots.items():
            echo(f"  {table}: {new:,} new rows, {replaced:,} replaced by a wider or newer download")
        if stats.repriced:
            echo("  prices changed: every request was re-priced")
        for model, reason in stats.unpriced_keys:
            echo(f"  unpriced: {model}: {reason}")
    for title, paths in (
        ("not recognised as any known format, not read", report.unrecognised),
        ("cannot be read, not read", report.unreadable),
        ("failed, read again next run", report.failed),
    ):
        if paths:
            echo(f"  {title}: {len(paths)} {'file' if len(paths) == 1 else 'files'}")
            for p, why in paths[:MAX_LISTED]:
                echo(f"    {p}: {why}")
            if len(paths) > MAX_LISTED:
                echo(f"    … and {len(paths) - MAX_LISTED} more")
    if report.pending:
        echo(f"  empty so far, read once they have a complete line: {report.pending} files")
    if report.vanished:
        echo(f"  deleted while this run read them: {len(report.vanished)} files")
    if report.unbilled:
        what = ", ".join(f"{n:,} {kind}" for kind, n in sorted(report.unbilled.items()))
        echo(f"  read, not billed (not requests): {what}")
    if report.skips:
        echo(f"  skipped lines: {sum(report.skips.values()):,}")
        for line in report.skip_summary():
            echo(f"    {line}")
    if verbose:
        steps = {**report.timings, **(stats.timings if stats else {})}
        echo("  time: " + ", ".join(f"{k} {v:.2f}s" for k, v in steps.items()))
    if manifest:
        echo(f"  warehouse: {wh.root} (generation {manifest['generation']})")


# --- reports ---


def _report_context(ctx: click.Context, tz: str | None) -> tuple[Any, Any, str]:
    from taskcost import analyze

    con = analyze.connect(_warehouse(ctx))
    tz = tz or os.environ.get("TASKCOST_TIMEZONE") or analyze.local_timezone()
    analyze.check_timezone(con, tz)
    return analyze, con, tz


def _unpriced_notes(analyze: Any, con: Any, params: dict[str, Any]) -> list[str]:
    rows = analyze.run(con, "unpriced", **params).to_pylist()
    return [
        f"Unpriced (not in the cost above): {r['model']}: {r['requests']:,} requests, "
        f"{r['tokens']:,} tokens — {r['reason'] or 'no price'}"
        for r in rows
    ]


TOKEN_TITLES = {
    "requests": "Requests",
    "input_tokens": "Input",
    "cache_read_tokens": "Cache read",
    "cache_write_tokens": "Cache write",
    "output_tokens": "Output",
    "reasoning_tokens": "Reasoning",
    "cost_usd": "Cost (USD)",
}
# columns summed in the totals row of the token reports
TOTALS = (*(c for c in TOKEN_TITLES if c != "reasoning_tokens"), "unpriced_requests")


@cli.command()
@report_options
@click.pass_context
def daily(
    ctx: click.Context, since: date | None, until: date | None, tz: str | None, source: str | None, fmt: str
) -> None:
    """Cost and tokens per day, source and model.

    \b
    Example:
      taskcost daily --since 2026-11-01 --timezone Europe/Paris --format json
    """
    from taskcost import render

    analyze, con, tz = _report_context(ctx, tz)
    params = {"tz": tz, "since": since, "until": until, "source": source}
    table = analyze.run(con, "daily", **params)
    if table.num_rows == 0 and fmt == "table":
        raise NoData("no requests in the selected range")
    layout = render.Layout(
        titles={"date": "Date", "source": "Source", "model": "Model", **TOKEN_TITLES},
        hidden=("unpriced_requests", "reasoning_tokens"),
        totals=TOTALS,
        notes=_unpriced_notes(analyze, con, params) if fmt == "table" else [],
    )
    render.write(table, fmt, sys.stdout, layout)


@cli.command()
@report_options
@click.option(
    "--sort",
    type=click.Choice(["time", "cost"]),
    default="time",
    show_default=True,
    help="Order by last activity or by cost (highest first).",
)
@click.pass_context
def sessions(
    ctx: click.Context,
    since: date | None,
    until: date | None,
    tz: str | None,
    source: str | None,
    fmt: str,
    sort: str,
) -> None:
    """Cost and tokens per session (subagents included in their parent session).

    \b
    Example:
      taskcost sessions --sort cost --since 2026-11-01
    """
    from taskcost import render

    analyze, con, tz = _report_context(ctx, tz)
    params = {"tz": tz, "since": since, "until": until, "source": source}
    table = analyze.run(con, "sessions", sort=sort, **params)
    if table.num_rows == 0 and fmt == "table":
        raise NoData("no sessions in the selected range")
    notes = []
    if fmt == "table":
        notes = _unpriced_notes(analyze, con, params)
        placeholder = sum(r or 0 for r in table.column("placeholder_requests").to_pylist())
        if placeholder:
            notes.append(
                f"{placeholder:,} requests were logged with placeholder usage (Claude Code before "
                "2.1.97): their output tokens are undercounted."
            )
    layout = render.Layout(
        titles={
            "session_id": "Session",
            "project": "Project",
            "last_activity": "Last activity",
            "models": "Models",
            **TOKEN_TITLES,
        },
        hidden=(
            "source",
            "user",
            "machine",
            "git_branch",
            "first_activity",
            "subagent_requests",
            "reasoning_tokens",
            "unpriced_requests",
            "placeholder_requests",
        ),
        totals=TOTALS,
        total_label_column="session_id",
        notes=notes,
        tz=tz,
    )
    render.write(table, fmt, sys.stdout, layout)


# --- tasks ---


def _instant(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    from taskcost.analyze import parse_instant

    try:
        return parse_instant(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _task_params(ctx: click.Context, tz: str | None, outcomes: str | None, now: datetime | None) -> Any:
    """The connection with the task views computed once (as of ``now``, with the team
    config and the ``--outcomes`` file), the report parameters, and the notes on that file."""
    from datetime import UTC

    analyze, con, tz = _report_context(ctx, tz)
    analyze.set_clock(con, now or datetime.now(UTC))
    analyze.use_config(con, _config(ctx))
    notes = []
    if outcomes:
        rows = analyze.load_outcomes(con, outcomes)
    analyze.materialize_tasks(con)
    if outcomes:
        unmatched = analyze.run(con, "overrides_unmatched").column("line").to_pylist()
        notes.append(
            f"{outcomes}: {rows:,} rows"
            + (f"; no task matches line {', '.join(map(str, unmatched))}" if unmatched else "")
        )
    return analyze, con, {"tz": tz}, notes


def _config(ctx: click.Context) -> Any:
    from taskcost.analyze import config

    if "config_loaded" not in ctx.obj:
        ctx.obj["config_loaded"] = config.load(ctx.obj.get("config"))
    return ctx.obj["config_loaded"]


def _tasks_report(analyze: Any, con: Any, params: dict[str, Any], **filters: Any) -> Any:
    """The tasks report with ``filters`` set and every other filter off (time order)."""
    off = dict.fromkeys(
        ("since", "until", "task_id", "outcome", "user", "project", "source", "model", "min_cost")
    )
    return analyze.run(con, "tasks", **params, **{**off, "sort": "time", **filters})


def _override_note(table: Any, outcomes: str | None) -> list[str]:
    if not outcomes:
        return []
    used = sum(1 for s in table.column("outcome_source").to_pylist() if s == "override")
    return [f"{used:,} of these outcomes come from {outcomes}"]


def _outside_notes(analyze: Any, con: Any, params: dict[str, Any]) -> list[str]:
    rows = analyze.run(con, "tasks_outside", **params).to_pylist()
    notes = []
    for r in rows:
        tokens = sum(
            r[c] for c in ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")
        )
        cost = f"${r['cost_usd']:,.2f}" if r["cost_usd"] is not None else "unpriced"
        notes.append(
            f"Outside any task ({r['source']}, {r['reason'].replace('_', ' ')}): "
            f"{r['requests']:,} requests, {tokens:,} tokens, {cost}"
        )
    return notes


def _outcome_summary(table: Any) -> str:
    """``N tasks: completed … ($…), …``: spend per outcome; unpriced calls are counted,
    never priced at $0."""
    sums = table.group_by("outcome").aggregate(
        [("outcome", "count"), ("cost_usd", "sum"), ("unpriced_requests", "sum")]
    )
    by = {r["outcome"]: r for r in sums.to_pylist()}
    parts = []
    for outcome in ("completed", "abandoned", "unknown"):
        if outcome in by:
            r = by[outcome]
            unpriced = r["unpriced_requests_sum"]
            extra = f" +{unpriced:,} unpriced requests" if unpriced else ""
            parts.append(f"{outcome} {r['outcome_count']:,} (${r['cost_usd_sum'] or 0:,.2f}{extra})")
    return f"{table.num_rows:,} tasks: " + ", ".join(parts)


TASK_OPTIONS = [
    click.option(
        "--outcomes",
        type=click.Path(exists=True, dir_okay=False),
        metavar="FILE",
        help="CSV of outcomes that override the rules (by task_id, or session_id and at); see docs/tasks.md.",
    ),
    click.option(
        "--now",
        callback=_instant,
        metavar="INSTANT",
        help="Judge 'in progress' as of this ISO 8601 instant (default: now), for reproducible reports.",
    ),
]


task_options = with_options(TASK_OPTIONS)


@cli.command()
@report_options
@click.option(
    "--outcome", type=click.Choice(["completed", "abandoned", "unknown"]), help="Only this outcome."
)
@click.option("--user", help="Only this user.")
@click.option("--project", help="Only this project.")
@click.option("--model", help="Only tasks that used this model.")
@click.option("--min-cost", type=float, metavar="USD", help="Only tasks that cost at least this much.")
@click.option(
    "--sort",
    type=click.Choice(["time", "cost"]),
    default="time",
    show_default=True,
    help="Order by start time or by cost (highest first).",
)
@task_options
@click.pass_context
def tasks(
    ctx: click.Context,
    since: date | None,
    until: date | None,
    tz: str | None,
    source: str | None,
    fmt: str,
    outcome: str | None,
    user: str | None,
    project: str | None,
    model: str | None,
    min_cost: float | None,
    sort: str,
    outcomes: str | None,
    now: datetime | None,
) -> None:
    """Tasks: one human request and the agent loop it set off, with cost and outcome.

    The outcome (completed, abandoned, unknown) comes from a documented rule table, with
    its reason, confidence and evidence (docs/tasks.md). Spend outside any task is shown
    on stderr, so tasks and that bucket add up to total spend.

    \b
    Example:
      taskcost tasks --since 2026-11-01 --sort cost
      taskcost tasks --outcome abandoned --format json
      taskcost tasks --outcomes tickets.csv
    """
    from taskcost import render

    analyze, con, params, file_notes = _task_params(ctx, tz, outcomes, now)
    table = _tasks_report(
        analyze,
        con,
        params,
        since=since,
        until=until,
        outcome=outcome,
        user=user,
        project=project,
        source=source,
        model=model,
        min_cost=min_cost,
        sort=sort,
    )
    if table.num_rows == 0 and fmt == "table":
        raise NoData("no tasks match")
    scope = {"tz": params["tz"], "since": since, "until": until, "source": source}
    notes = [_outcome_summary(table)] if table.num_rows else []
    notes += _override_note(table, outcomes) + file_notes + _outside_notes(analyze, con, scope)
    if fmt == "table":
        notes += _unpriced_notes(analyze, con, scope)
        layout = render.Layout(
            titles={
                "task_id": "Task",
                "started_at": "Started",
                "project": "Project",
                "prompt_preview": "Prompt",
                "requests": "Requests",
                "cost_usd": "Cost (USD)",
                "outcome": "Outcome",
                "outcome_reason": "Reason",
                "outcome_confidence": "Confidence",
            },
            hidden=tuple(c for c in table.column_names if c not in TASK_COLUMNS),
            totals=("requests", "cost_usd", "unpriced_requests"),
            total_label_column="task_id",
            notes=notes,
            tz=params["tz"],
            no_wrap=("task_id",),
            truncate={"prompt_preview": 48},
        )
        render.write(table, fmt, sys.stdout, layout)
        return
    for note in notes:
        click.echo(note, err=True)
    render.write(table, fmt, sys.stdout)


TASK_COLUMNS = (
    "task_id",
    "started_at",
    "project",
    "prompt_preview",
    "requests",
    "cost_usd",
    "outcome",
    "outcome_reason",
    "outcome_confidence",
)


@cli.command()
@click.argument("task_id")
@click.option(
    "--timezone",
    "tz",
    metavar="ZONE",
    help="IANA zone for times, e.g. Europe/Paris (default: this machine's zone).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table: the task and its trajectory with a context chart; json: the task with a "
    "`trajectory` list; csv: the trajectory.",
)
@task_options
@click.pass_context
def task(
    ctx: click.Context, task_id: str, tz: str | None, fmt: str, outcomes: str | None, now: datetime | None
) -> None:
    """One task: its prompt, outcome with evidence, and request-by-request trajectory.

    TASK_ID is a task id from `taskcost tasks`, or a unique prefix of one.

    \b
    Example:
      taskcost task 3f9c2a71
    """
    from taskcost import render

    analyze, con, params, file_notes = _task_params(ctx, tz, outcomes, now)
    for note in file_notes:
        click.echo(note, err=True)
    found = _tasks_report(analyze, con, params, task_id=task_id.strip())
    if found.num_rows == 0:
        raise NoData(f"no task {task_id!r}: see `taskcost tasks`")
    if found.num_rows > 1:
        ids = ", ".join(found.column("task_id").to_pylist()[:5])
        raise TaskcostError(f"{task_id!r} matches {found.num_rows} tasks ({ids}…): give more of the id")
    row = found.to_pylist()[0]
    steps = analyze.run(con, "trajectory", task_id=row["task_id"])
    if fmt == "json":
        render.write_object({**row, "trajectory": steps.to_pylist()}, sys.stdout)
    elif fmt == "csv":
        render.write(steps, "csv", sys.stdout)
    else:
        render.write_task(row, steps, sys.stdout, tz=params["tz"])


# --- reports: weekly, models, vanity ---

REPORT_FORMATS = ("table", "json", "csv", "markdown", "html")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GROUPINGS = ("user", "team", "project", "model", "source")
#: the model economics when neither the command line nor the config says otherwise
ECONOMICS_DEFAULTS = {"labor_rate": 100.0, "fix_minutes": 30.0, "min_tasks": 10}
#: thresholds of the vanity flags (docs/reports.md)
VANITY_THRESHOLDS = {
    "burn_ratio": 2.0,
    "min_spend": 1.0,
    "runaway_context": 150_000,
    "runaway_steps": 40,
    "spike_days": 3,
    "spike_ratio": 2.0,
    "heavy_session": 5.0,
}
COSTLIEST = 5  # abandoned tasks listed under the weekly table; trajectories in the HTML report


def report_command_options(formats: tuple[str, ...] = REPORT_FORMATS) -> Any:
    return with_options(
        [
            *RANGE_OPTIONS,
            click.option(
                "--timezone",
                "tz",
                metavar="ZONE",
                help="IANA zone for dates and weeks (default: this machine's zone).",
            ),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(formats),
                default="table",
                show_default=True,
                help="Output format (markdown: to paste into a wiki or chat; html: one offline page).",
            ),
            click.option(
                "--output",
                "-o",
                type=click.Path(dir_okay=False, writable=True),
                metavar="FILE",
                help="Write the report to FILE instead of stdout.",
            ),
            *TASK_OPTIONS,
        ]
    )


class _output:
    """stdout, or the ``-o`` file: written beside it and renamed into place when the report
    is complete, so a failed run never leaves half a report."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def __enter__(self) -> Any:
        if self.path is None:
            return sys.stdout
        self.tmp = f"{self.path}.tmp{os.getpid()}"
        self.file = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115
        return self.file

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self.path is None:
            return
        self.file.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
            click.echo(f"taskcost: wrote {self.path}", err=True)
        else:
            os.unlink(self.tmp)


def _economics(ctx: click.Context, **given: Any) -> dict[str, Any]:
    """Labour rate, minutes to fix and minimum sample: the command line, else the config,
    else the defaults; and the fix cost L they make."""
    chosen = {**ECONOMICS_DEFAULTS, **_config(ctx).economics}
    chosen.update({k: v for k, v in given.items() if v is not None})
    chosen["fix_cost"] = chosen["labor_rate"] * chosen["fix_minutes"] / 60
    return chosen


WEEKLY_TITLES = {
    "week": "Week",
    "group": "Group",
    "tasks": "Tasks",
    "completed": "Done",
    "abandoned": "Aband.",
    "unknown": "Unkn.",
    "spend_usd": "Spend",
    "abandoned_spend_usd": "On abandoned",
    "abandoned_share": "Share",
    "cost_per_completed_usd": "Per completed",
    "median_cost_usd": "Median task",
    "p90_cost_usd": "P90 task",
    "tokens_per_completed": "Tokens/completed",
    "cache_read_share": "Cache read",
    "spend_change": "Spend Δ",
    "cost_per_completed_change": "Per completed Δ",
}
WEEKLY_COSTS = (
    "spend_usd",
    "abandoned_spend_usd",
    "cost_per_completed_usd",
    "median_cost_usd",
    "p90_cost_usd",
)


def _weekly_layout(table: Any, by: str | None, notes: list[str], tz: str) -> Any:
    from taskcost import render

    return render.Layout(
        titles={**WEEKLY_TITLES, "group": (by or "group").capitalize()},
        hidden=tuple(c for c in table.column_names if c not in WEEKLY_TITLES or (c == "group" and not by)),
        cost_columns=WEEKLY_COSTS,
        unpriced_note=("spend_usd",),
        percent_columns=("abandoned_share", "cache_read_share"),
        change_columns=("spend_change", "cost_per_completed_change"),
        notes=notes,
        tz=tz,
        no_wrap=("week", "group"),
        blank={"group": "all"},
    )


ABANDONED_TITLES = {
    "task_id": "Task",
    "started_at": "Started",
    "person": "Person",
    "project": "Project",
    "prompt_preview": "Prompt",
    "cost_usd": "Cost",
    "outcome_reason": "Reason",
}


def _weekly(
    ctx: click.Context,
    *,
    since: date | None,
    until: date | None,
    tz: str | None,
    fmt: str,
    output: str | None,
    outcomes: str | None,
    now: datetime | None,
    week_start: str,
    by: str | None,
    weeks: int,
) -> None:
    """The weekly spend-per-task report, in every format (html: the whole report)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from taskcost import render

    analyze, con, params, notes = _task_params(ctx, tz, outcomes, now)
    tz = params["tz"]
    ws = WEEKDAYS.index(week_start) + 1
    clock = now or datetime.now(UTC)
    today = clock.astimezone(ZoneInfo(tz)).date()
    table, first, last, window_notes = analyze.weekly(
        con, tz=tz, week_start=ws, by=by, since=since, until=until, weeks=weeks, today=today
    )
    notes += window_notes
    week_label = analyze.week_label(last, ws)
    abandoned = analyze.run(con, "weekly_abandoned", tz=tz, week=last, limit=COSTLIEST)
    scope = {"tz": tz, "since": first, "until": last + _days(6), "source": None}
    notes += _outside_notes(analyze, con, scope)
    if by == "team" and not _config(ctx).teams:
        notes.append('No teams: put `team = "…"` under each [people.NAME] of the config (docs/reports.md).')
    explain = (
        f"Per completed = all spend (abandoned and unknown tasks included) / completed tasks. "
        f"A task counts in the week it started; weeks start on {week_start.capitalize()}, dates in {tz}."
    )
    if fmt in ("json", "csv", "html"):  # the notes of the text formats go to stderr
        for note in notes:
            click.echo(note, err=True)
    with _output(output) as out:
        if fmt == "json":
            render.write_object(
                {
                    "timezone": tz,
                    "week_start": week_start,
                    "by": by,
                    "weeks": table.to_pylist(),
                    "costliest_abandoned": {"week": week_label, "tasks": abandoned.to_pylist()},
                },
                out,
            )
        elif fmt == "csv":
            render.write(table, "csv", out)
        elif fmt == "html":
            report = _html_report(ctx, analyze, con, tz, week_start, by, first, last, table, abandoned)
            report["generated_at"] = clock.strftime("%Y-%m-%dT%H:%M:%SZ")
            report["notes"] = [explain, *notes]
            from taskcost.render import html

            html.write_report(report, out)
        else:
            title = f"Spend per task, week by week ({first} to {last + _days(6)})"
            heading = f"## {title}\n\n" if fmt == "markdown" else f"{title}\n"
            out.write(heading)
            notes.insert(0, explain)
            notes += _unpriced_notes(analyze, con, scope)
            render.write(table, fmt, out, _weekly_layout(table, by, notes, tz))
            sub = f"Abandoned tasks of {week_label}, costliest first (at most {COSTLIEST})"
            out.write(f"\n### {sub}\n\n" if fmt == "markdown" else f"\n{sub}\n")
            render.write(
                abandoned,
                fmt,
                out,
                render.Layout(
                    titles=ABANDONED_TITLES,
                    hidden=("unpriced_requests", "outcome_confidence"),
                    tz=tz,
                    no_wrap=("task_id",),
                    truncate={"prompt_preview": 60},
                ),
            )


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


def _models_data(
    ctx: click.Context, analyze: Any, con: Any, tz: str, since: Any, until: Any, **given: Any
) -> Any:
    econ = _economics(ctx, **{k: given.get(k) for k in ECONOMICS_DEFAULTS})
    band_by = given.get("band_by") or "steps"
    models, pairs = analyze.run_with(
        con,
        "models",
        "model_pairs",
        "model_stats",
        tz=tz,
        since=since,
        until=until,
        band_by=band_by,
        fix_cost=econ["fix_cost"],
        min_tasks=econ["min_tasks"],
    )
    assumptions = {
        "labor_rate_usd_per_hour": econ["labor_rate"],
        "fix_minutes": econ["fix_minutes"],
        "fix_cost_usd": econ["fix_cost"],
        "min_tasks": econ["min_tasks"],
        "band_by": band_by,
    }
    return models, pairs, assumptions


def _assumption_note(a: dict[str, Any]) -> str:
    return (
        "TCO per finished task = cost per attempt + P(fail) × L, "
        f"L = ${a['labor_rate_usd_per_hour']:,.2f}/hour × "
        f"{a['fix_minutes']:g} minutes to fix a failed task = ${a['fix_cost_usd']:,.2f} "
        "(set --labor-rate and --fix-minutes, or [economics] in the config). "
        f"P(fail) = abandoned / (completed + abandoned); bands by {a['band_by']}; "
        f"a verdict needs {a['min_tasks']} decided tasks per model."
    )


def _vanity_data(analyze: Any, con: Any, tz: str, since: Any, until: Any, quota_period: str) -> Any:
    return analyze.run_with(
        con,
        "vanity_people",
        "vanity_flags",
        "person_stats",
        tz=tz,
        since=since,
        until=until,
        quota_period=quota_period,
        **VANITY_THRESHOLDS,
    )


def _reading(people: Any) -> str:
    """The one-line reading of the rank correlation between tokens and completed tasks."""
    rows = people.to_pylist()
    n = len(rows)
    if n == 0:
        return "no tasks in the selected range"
    if n == 1:
        return (
            f"a team of one ({rows[0]['person']}): there is no ranking to compare, so the rank "
            "correlation is not shown; the flags below still apply"
        )
    wrong = sum(1 for r in rows if r["misordered"])
    text = f"ranking by tokens misorders {wrong} of {n} people"
    rho = rows[0]["rank_correlation"]
    if n == 2:
        return text + " (with two people a rank correlation is always +1 or -1, so it is not shown)"
    if rho is None:
        return text + " (no rank correlation: everyone has the same tokens or the same completed tasks)"
    return (
        text + f" (Spearman rank correlation {rho:+.2f}: +1 = tokens order people exactly as "
        "completed tasks do, 0 = no relation, -1 = the reverse)"
    )


def _html_report(
    ctx: click.Context,
    analyze: Any,
    con: Any,
    tz: str,
    week_start: str,
    by: str | None,
    first: date,
    last: date,
    weekly: Any,
    abandoned: Any,
) -> dict[str, Any]:
    """Everything the HTML page shows, over the weeks of the weekly table."""
    until = last + _days(6)
    models, pairs, assumptions = _models_data(ctx, analyze, con, tz, first, until)
    people, flags = _vanity_data(analyze, con, tz, first, until, "month")
    costliest = _tasks_report(analyze, con, {"tz": tz}, since=first, until=until, sort="cost").slice(
        0, COSTLIEST
    )
    trajectories = []
    for t in costliest.to_pylist():
        steps = [
            s for s in analyze.run(con, "trajectory", task_id=t["task_id"]).to_pylist() if not s["subagent"]
        ]
        trajectories.append(
            {
                "task_id": t["task_id"],
                "prompt_preview": t["prompt_preview"],
                "cost_usd": t["cost_usd"],
                "outcome": t["outcome"],
                "context": [s["context_tokens"] for s in steps],
                "compacted": [s["compacted_before"] for s in steps],
            }
        )
    return {
        "title": "taskcost weekly report",
        "timezone": tz,
        "week_start": week_start,
        "by": by,
        "range": f"{first} – {until}",
        "weekly": weekly.to_pylist(),
        "abandoned": abandoned.to_pylist(),
        "models": models.to_pylist(),
        "pairs": pairs.to_pylist(),
        "assumptions": assumptions,
        "people": people.to_pylist(),
        "reading": _reading(people),
        "flags": flags.to_pylist(),
        "trajectories": trajectories,
    }


WEEKLY_OPTIONS = [
    click.option(
        "--week-start",
        type=click.Choice(WEEKDAYS),
        default="monday",
        show_default=True,
        help="First day of a week (monday: ISO weeks, labelled 2026-W47).",
    ),
    click.option("--by", type=click.Choice(GROUPINGS), help="Also one row per week and this group."),
    click.option(
        "--weeks",
        type=click.IntRange(1, 520),
        default=4,
        show_default=True,
        help="Weeks shown, up to this one (without --since/--until).",
    ),
]


@cli.group(invoke_without_command=True)
@click.option(
    "--logs",
    "paths",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="Ingest these logs instead of the default locations (repeatable).",
)
@report_command_options()
@with_options(WEEKLY_OPTIONS)
@click.pass_context
def report(ctx: click.Context, paths: tuple[str, ...], **options: Any) -> None:
    """The main job: ingest new log lines, then print this week's spend-per-task report.

    `taskcost` alone does the same. `taskcost report weekly` prints the report from the
    warehouse without ingesting.

    \b
    Example:
      taskcost report
      taskcost report --logs team-logs/ --by user --format markdown
    """
    if ctx.invoked_subcommand is not None:
        return
    ctx.invoke(ingest, paths=paths)
    _weekly(ctx, **options)


@report.command("weekly")
@report_command_options()
@with_options(WEEKLY_OPTIONS)
@click.pass_context
def report_weekly(ctx: click.Context, **options: Any) -> None:
    """Spend per task, week by week: tasks and outcomes, spend on abandoned tasks, cost per
    completed task, median and p90 task cost, change from the week before; then the costliest
    abandoned tasks of the latest week.

    `--format html -o FILE` writes the whole report as one page that opens offline: the
    weekly table, charts, model economics and the vanity check.

    \b
    Example:
      taskcost report weekly --by team --format markdown
      taskcost report weekly --weeks 12 --format html -o report.html
    """
    _weekly(ctx, **options)


ECONOMICS_OPTIONS = [
    click.option(
        "--labor-rate",
        type=click.FloatRange(min=0),
        metavar="USD",
        help="USD per hour of the person who fixes a failed task "
        f"(default {ECONOMICS_DEFAULTS['labor_rate']:g}).",
    ),
    click.option(
        "--fix-minutes",
        type=click.FloatRange(min=0),
        metavar="MIN",
        help=f"Minutes to fix one failed task (default {ECONOMICS_DEFAULTS['fix_minutes']:g}).",
    ),
    click.option(
        "--min-tasks",
        type=click.IntRange(min=1),
        metavar="N",
        help=f"Decided tasks each model needs before a verdict (default {ECONOMICS_DEFAULTS['min_tasks']}).",
    ),
    click.option(
        "--band",
        "band_by",
        type=click.Choice(["steps", "context"]),
        default="steps",
        show_default=True,
        help="Task-size bands by main-conversation calls or by peak context.",
    ),
]


MODEL_TITLES = {
    "band": "Size",
    "model": "Model",
    "tasks": "Tasks",
    "completed": "Done",
    "abandoned": "Aband.",
    "unknown": "Unkn.",
    "completion_rate": "Completion",
    "completion_ci_low": "95% CI from",
    "completion_ci_high": "to",
    "cost_per_attempt_usd": "Per attempt",
    "cost_per_completed_usd": "Per completed",
    "tco_per_task_usd": "TCO per task",
}


@cli.command()
@report_command_options(("table", "json", "csv", "markdown"))
@with_options(ECONOMICS_OPTIONS)
@click.option("--pairs", "show_pairs", is_flag=True, help="csv: print the model pairs instead of the models.")
@click.pass_context
def models(ctx: click.Context, show_pairs: bool, **options: Any) -> None:
    """Model economics: per model and task size, completion rate, cost per attempt, cost per
    completed task and TCO per finished task; for each pair of models, the break-even
    failure gap and which model to route work to.

    \b
    Example:
      taskcost models --labor-rate 120 --fix-minutes 45
      taskcost models --band context --format markdown
    """
    from taskcost import render

    econ = {k: options.pop(k) for k in ("labor_rate", "fix_minutes", "min_tasks", "band_by")}
    analyze, con, params, notes = _task_params(ctx, options["tz"], options["outcomes"], options["now"])
    models_t, pairs, assumptions = _models_data(
        ctx, analyze, con, params["tz"], options["since"], options["until"], **econ
    )
    if models_t.num_rows == 0 and options["fmt"] == "table":
        raise NoData("no tasks in the selected range")
    fmt = options["fmt"]
    notes.append(_assumption_note(assumptions))
    with _output(options["output"]) as out:
        if fmt == "json":
            for note in notes:
                click.echo(note, err=True)
            render.write_object(
                {"assumptions": assumptions, "models": models_t.to_pylist(), "pairs": pairs.to_pylist()}, out
            )
            return
        if fmt == "csv":
            for note in notes:
                click.echo(note, err=True)
            render.write(pairs if show_pairs else models_t, "csv", out)
            return
        layout = render.Layout(
            titles=MODEL_TITLES,
            hidden=tuple(c for c in models_t.column_names if c not in MODEL_TITLES),
            cost_columns=("cost_per_attempt_usd", "cost_per_completed_usd", "tco_per_task_usd"),
            percent_columns=("completion_rate", "completion_ci_low", "completion_ci_high"),
            notes=notes,
        )
        markdown = fmt == "markdown"
        if markdown:
            out.write("## Model economics\n\n")
        render.write(models_t, fmt, out, layout)
        verdicts = pairs.column("verdict_text").to_pylist() or ["no pair of priced models to compare"]
        out.write("\n### Routing\n\n" if markdown else "\nRouting\n")
        for text in verdicts:
            out.write(f"- {render.markdown_text(text) if markdown else text}\n")


PEOPLE_TITLES = {
    "person": "Person",
    "team": "Team",
    "tokens": "Tokens",
    "spend_usd": "Spend",
    "tasks": "Tasks",
    "completed": "Done",
    "cost_per_completed_usd": "Per completed",
    "abandoned_share": "Abandoned",
    "rank_tokens": "Rank by tokens",
    "rank_completed": "Rank by done",
    "misordered": "Misordered",
}
FLAG_TITLES = {
    "flag": "Flag",
    "person": "Person",
    "subject": "Subject",
    "evidence": "Evidence",
    "spend_usd": "Spend",
}


@cli.command()
@report_command_options(("table", "json", "csv", "markdown"))
@click.option(
    "--quota-period",
    type=click.Choice(["month", "week"]),
    default="month",
    show_default=True,
    help="The period a token quota resets on, for the spike-before-reset flag.",
)
@click.option("--flags", "show_flags", is_flag=True, help="csv: print the flags instead of the people.")
@click.pass_context
def vanity(ctx: click.Context, quota_period: str, show_flags: bool, **options: Any) -> None:
    """Where token burn is a vanity metric: per person, tokens and spend against completed
    tasks, both rankings and their rank correlation; then flags with the numbers behind
    them (high burn with low yield, spend with nothing completed, runaway-context tasks,
    burn that spikes before a quota resets, costly sessions that changed nothing).

    \b
    Example:
      taskcost vanity --since 2026-10-01
      taskcost vanity --format json
    """
    from taskcost import render

    analyze, con, params, notes = _task_params(ctx, options["tz"], options["outcomes"], options["now"])
    people, flags = _vanity_data(analyze, con, params["tz"], options["since"], options["until"], quota_period)
    fmt = options["fmt"]
    if people.num_rows == 0 and fmt == "table":
        raise NoData("no tasks in the selected range")
    reading = _reading(people)
    with _output(options["output"]) as out:
        if fmt in ("json", "csv"):
            for note in [reading, *notes]:
                click.echo(note, err=True)
            if fmt == "json":
                rho = people.column("rank_correlation")[0].as_py() if people.num_rows else None
                render.write_object(
                    {
                        "people": people.to_pylist(),
                        "rank_correlation": rho,
                        "reading": reading,
                        "flags": flags.to_pylist(),
                        "thresholds": {**VANITY_THRESHOLDS, "quota_period": quota_period},
                    },
                    out,
                )
            else:
                render.write(flags if show_flags else people, "csv", out)
            return
        if fmt == "markdown":
            out.write("## Token burn against results\n\n")
        layout = render.Layout(
            titles=PEOPLE_TITLES,
            hidden=tuple(c for c in people.column_names if c not in PEOPLE_TITLES),
            cost_columns=("spend_usd", "cost_per_completed_usd"),
            unpriced_note=("spend_usd",),
            percent_columns=("abandoned_share",),
            notes=[reading[0].upper() + reading[1:] + ".", *notes],
        )
        render.write(people, fmt, out, layout)
        out.write("\n### Flags\n\n" if fmt == "markdown" else "\nFlags\n")
        render.write(
            flags,
            fmt,
            out,
            render.Layout(
                titles=FLAG_TITLES, hidden=("tokens",), cost_columns=("spend_usd",), unpriced_column=None
            ),
        )


# --- sql, prices, schema ---


@cli.command()
@click.option("--since", callback=_date, metavar="DATE", help="First UTC day to include (YYYY-MM-DD).")
@click.option("--until", callback=_date, metavar="DATE", help="Last UTC day to include (YYYY-MM-DD).")
@click.option(
    "--by",
    type=click.Choice(["model", "day"]),
    default="model",
    show_default=True,
    help="One row per day and model, or per day (and provider).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def reconcile(ctx: click.Context, since: date | None, until: date | None, by: str, fmt: str) -> None:
    """Spend in your logs vs spend on the bill, per UTC day and model.

    Needs the vendor exports ingested (Anthropic Admin API usage and cost reports, OpenAI
    Usage and Costs APIs). Coverage = local / billed: how much of the bill the logs explain.

    \b
    Example:
      taskcost ingest exports/ && taskcost reconcile --by day
    """
    from taskcost import analyze, render

    con = analyze.connect(_warehouse(ctx))
    table = analyze.run(con, "reconcile", since=since, until=until, by_model=by == "model")
    if table.num_rows == 0 and fmt == "table":
        raise NoData("no vendor exports in the selected range: ingest usage or cost exports first")
    notes = []
    if fmt == "table":
        local = sum(v or 0 for v in table.column("local_cost_usd").to_pylist())
        billed = [v for v in table.column("billed_usd").to_pylist() if v is not None]
        tokens = sum(table.column("local_tokens").to_pylist())
        org_tokens = [v for v in table.column("org_tokens").to_pylist() if v is not None]
        if billed and sum(billed):
            notes.append(
                f"Your logs explain ${local:,.2f} of ${sum(billed):,.2f} billed ({local / sum(billed):.0%}), "
                "at list prices."
            )
        if org_tokens and sum(org_tokens):
            notes.append(f"Tokens: {tokens:,} in your logs of {sum(org_tokens):,} in the usage exports.")
        notes.append(
            "Coverage over 100%: local prices above the bill (discounts, or logs the bill does not "
            "include, e.g. a subscription); under 100%: usage no log here saw (other people, CI, "
            "other tools). Days are UTC."
        )
    layout = render.Layout(
        titles={
            "day": "Day (UTC)",
            "provider": "Provider",
            "model": "Model",
            "local_requests": "Requests",
            "local_tokens": "Tokens (logs)",
            "local_cost_usd": "Cost (logs)",
            "org_tokens": "Tokens (export)",
            "billed_usd": "Billed",
            "token_coverage": "Token cover",
            "cost_coverage": "Cost cover",
        },
        hidden=("local_unpriced_requests", "org_requests"),
        totals=("local_requests", "local_tokens", "local_cost_usd", "org_tokens", "billed_usd"),
        cost_columns=("local_cost_usd", "billed_usd"),
        unpriced_column="local_unpriced_requests",
        percent_columns=("token_coverage", "cost_coverage"),
        notes=notes,
    )
    render.write(table, fmt, sys.stdout, layout)


def _memory_limit(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from taskcost import analyze

    try:
        analyze.check_memory_limit(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    return value


@cli.command("sql")
@click.argument("query")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@click.option(
    "--memory-limit",
    default="2GB",
    show_default=True,
    callback=_memory_limit,
    metavar="SIZE",
    help="DuckDB memory limit for the query (e.g. 500MB, 8GB); beyond it, it spills to a private "
    "temporary folder (at most 4GB) and then fails.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=120,
    show_default=True,
    metavar="SECONDS",
    help="Stop the query after this many seconds (0: no limit).",
)
@click.pass_context
def sql_cmd(ctx: click.Context, query: str, fmt: str, memory_limit: str, timeout: float) -> None:
    """Run one read-only SQL statement over the warehouse views.

    Views: requests, events, prices, org_usage, org_cost, member_daily, files, and the
    derived task_items, task_facts, task_outcomes, people (see `taskcost schema`).

    One statement: SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, or EXPLAIN without ANALYZE.
    DuckDB gets no file, network or extension access (docs/sql.md). Exit codes: 1 for a
    refused or failing query, a timeout or the memory limit; 130 for Ctrl-C.

    \b
    Example:
      taskcost sql "SELECT model, sum(cost_usd) FROM requests GROUP BY ALL"
    """
    from taskcost import analyze, render

    con = analyze.connect(_warehouse(ctx), sandbox=True, memory_limit=memory_limit)
    table = analyze.query(con, query, timeout=timeout or None)
    render.write(table, fmt, sys.stdout, render.Layout(cost_columns=()))


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
def sources(fmt: str) -> None:
    """List the log and export formats taskcost reads, one row per default location,
    saying whether it exists on this machine (exports have none: pass their files).

    A file is recognised by its content; `taskcost ingest --source NAME` forces one.

    \b
    Example:
      taskcost sources --format json
    """
    import pyarrow as pa

    from taskcost import render
    from taskcost.ingest import locations

    rows = locations()
    schema = pa.schema(
        [
            ("source", pa.string()),
            ("reads", pa.string()),
            ("default_location", pa.string()),
            ("exists", pa.bool_()),
        ]
    )
    render.write(pa.Table.from_pylist(rows, schema=schema), fmt, sys.stdout, render.Layout(cost_columns=()))


@cli.command()
@click.argument("model")
@click.option("--date", "on", callback=_date, metavar="DATE", help="UTC date (default: today).")
@click.option("--provider", help="Provider id, e.g. anthropic (default: inferred from the model).")
@click.option("--speed", help="e.g. fast")
@click.option("--service-tier", help="e.g. batch, priority, flex")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@click.pass_context
def prices(
    ctx: click.Context,
    model: str,
    on: date | None,
    provider: str | None,
    speed: str | None,
    service_tier: str | None,
    fmt: str,
) -> None:
    """Show which price applies to MODEL, and where it comes from.

    \b
    Example:
      taskcost prices claude-opus-4-6 --date 2026-02-01
    """
    from datetime import UTC

    from taskcost import pricing, render

    overrides = _warehouse(ctx).price_overrides(ctx.obj.get("prices"))
    key = pricing.PriceKey(provider, model, on or datetime.now(UTC).date(), speed, service_tier)
    table = pricing.price_table([key], overrides)
    rows = table.to_pylist()
    first = rows[0]
    if fmt == "table":
        click.echo(f"{model} on {key.price_date} (UTC)", err=False)
        if first["unpriced_reason"]:
            click.echo(f"  unpriced: {first['unpriced_reason']}")
            return
        click.echo(f"  matched: {first['matched_provider']} / {first['matched_model']}")
        click.echo(f"  source:  {first['price_source']}")
        shown = table.select(["tier_start", "tier_end", *pricing.RATE_COLUMNS])
        render.write(
            shown,
            "table",
            sys.stdout,
            render.Layout(titles={"tier_start": "Prompt above", "tier_end": "up to"}, cost_columns=()),
        )
        return
    render.write(table, fmt, sys.stdout)


@cli.command()
@click.argument("table", required=False, type=click.Choice(["requests", "events", "prices"]))
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True
)
def schema(table: str | None, fmt: str) -> None:
    """Print the columns of the warehouse tables, with their meaning."""
    import json

    from taskcost import schemas

    names = [table] if table else list(schemas.TABLES)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    n: [
                        dict(zip(("column", "type", "nullable", "doc"), c, strict=True))
                        for c in schemas.describe(n)
                    ]
                    for n in names
                },
                indent=2,
            )
        )
        return
    for n in names:
        click.echo(f"### `{n}` (schema version {schemas.SCHEMA_VERSION})\n")
        click.echo(schemas.markdown(n) + "\n")
