"""Reports: DuckDB SQL over the warehouse views, returning Arrow tables.

Every report is one file ``sql/<name>.sql`` with a header (report, grain, reads, params)
and bound parameters only. SQL reads view names (``requests``, ``events``, ``prices``,
``files``), never file paths, so a report can be pasted into the ``duckdb`` shell, or
run with ``taskcost sql``, against the same views.

Tasks (docs/tasks.md) are derived, never stored: ``sql/views/task_items.sql`` places every
request and event in a task, ``task_facts.sql`` gathers each task's figures and outcome
evidence, ``override_matches.sql`` ties ``--outcomes`` rows to tasks, ``people.sql`` maps
users and machines to people and teams (the team config, ``config.py``), and
``task_outcomes.sql`` judges each task's outcome as of ``report_clock`` (the report's
"now"); the team reports (docs/reports.md) read it. They are views on
every connection (so ``taskcost sql`` can read them) and are computed once into temporary
tables by ``materialize_tasks`` for the commands that run several task reports. A better
rule therefore applies to the whole history at once, with no re-ingest.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
import weakref
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files as _resources
from typing import Any

import duckdb
import pyarrow as pa

from taskcost.analyze import config
from taskcost.errors import NoData, TaskcostError, is_interrupt
from taskcost.warehouse import Warehouse

VIEWS = ("requests", "events", "prices", "org_usage", "org_cost", "member_daily")
#: views derived from the tables (``sql/views/<name>.sql``), in dependency order
DERIVED = ("task_items", "task_facts", "override_matches", "people", "task_outcomes")
REPORTS = (
    "daily",
    "sessions",
    "unpriced",
    "reconcile",
    "tasks",
    "tasks_outside",
    "trajectory",
    "overrides_unmatched",
    "weekly",
    "weekly_abandoned",
    "models",
    "model_pairs",
    "vanity_people",
    "vanity_flags",
)
OUTCOMES = ("completed", "abandoned", "unknown")
CONFIDENCES = ("high", "medium", "low")
_PARAM = re.compile(r"\$([a-z_]+)")


@cache
def report_sql(name: str) -> str:
    return (_resources(__package__) / "sql" / f"{name}.sql").read_text()


def declared_params(name: str) -> set[str]:
    """Parameters a report's header declares (``-- params:`` lines)."""
    header = "\n".join(ln for ln in report_sql(name).splitlines() if ln.startswith("--"))
    return set(_PARAM.findall(header))


def connect(
    wh: Warehouse, *, sandbox: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the warehouse tables as views.

    Every connection spills to a private temporary folder (``temp_directory``), removed
    when the connection is garbage-collected or the process exits, never ``./.tmp``.

    ``sandbox``: for user SQL (``taskcost sql``). The tables are pyarrow datasets scanned
    by this process, not ``read_parquet`` views, so DuckDB itself needs no file access:
    external access (files, network), extension loading and installing are switched off,
    spilling is capped at ``SANDBOX_TEMP_LIMIT`` and the configuration is locked so the
    query cannot lift any of it. ``memory_limit`` (DuckDB syntax, e.g. ``2GB``) is set
    before the lock.
    """
    manifest = wh.manifest()
    if manifest is None or not any(manifest["tables"].get(v) for v in VIEWS if v != "prices"):
        raise NoData(f"the warehouse at {wh.root} is empty: run `taskcost ingest` first")
    con = duckdb.connect()
    _private_temp_directory(con)
    con.execute("SET TimeZone = 'UTC'")
    from taskcost import schemas

    for view in VIEWS:
        files = wh.files(view, manifest)
        if not files:
            con.register(view, schemas.TABLES[view].empty_table())
        elif sandbox:
            import pyarrow.dataset as ds

            con.register(view, ds.dataset(files, schema=schemas.TABLES[view], format="parquet"))
        else:
            con.read_parquet(files).create_view(view)
    catalog = wh.catalog(manifest)
    con.register(
        "files",
        pa.Table.from_pylist(
            [
                {
                    "path": path,
                    "source": e["source"],
                    "size": e["size"],
                    "offset": e["offset"],
                    "lines": e["lines"],
                }
                for path, e in sorted(catalog.items())
            ],
            schema=pa.schema(
                [
                    ("path", pa.string()),
                    ("source", pa.string()),
                    ("size", pa.int64()),
                    ("offset", pa.int64()),
                    ("lines", pa.int64()),
                ]
            ),
        ),
    )
    con.register("outcome_overrides", _OVERRIDES.empty_table())
    set_clock(con, datetime.now(UTC))
    use_config(con, config.Config())
    for view in DERIVED:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {report_sql(f'views/{view}')}")
    if memory_limit is not None:
        try:
            con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        except duckdb.Error:
            raise TaskcostError(f"{memory_limit!r} is not a memory size like 2GB or 500MB") from None
    if sandbox:
        _lock_down(con)
    return con


def check_memory_limit(size: str) -> None:
    """ValueError unless ``size`` is a DuckDB memory size (``2GB``, ``500MB``, ``1.5GiB``)."""
    try:
        duckdb.connect().execute(f"SET memory_limit = {_literal(size)}")
    except duckdb.Error:
        raise ValueError(f"{size!r} is not a memory size like 2GB or 500MB") from None


#: how much a sandboxed query may spill to its temporary folder
SANDBOX_TEMP_LIMIT = "4GB"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _private_temp_directory(con: duckdb.DuckDBPyConnection) -> None:
    """Spill to a folder of this connection's own (DuckDB's default is ``./.tmp``)."""
    path = tempfile.mkdtemp(prefix="taskcost-duckdb-")
    weakref.finalize(con, shutil.rmtree, path, ignore_errors=True)
    con.execute(f"SET temp_directory = {_literal(path)}")


def _lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No files, network or extensions for the rest of the connection, and no way back.
    DuckDB still reaches its own ``temp_directory`` (it allows it by itself)."""
    available = {r[0] for r in con.execute("SELECT name FROM duckdb_settings()").fetchall()}
    settings = {
        "max_temp_directory_size": SANDBOX_TEMP_LIMIT,
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,
    }
    for name, value in settings.items():
        if name in available:
            con.execute(f"SET {name} = {_literal(value) if isinstance(value, str) else str(value).lower()}")
    con.execute("SET lock_configuration = true")


_OVERRIDES = pa.schema(
    [
        ("line", pa.int64()),
        ("task_id", pa.string()),
        ("session_id", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("outcome", pa.string()),
        ("reason", pa.string()),
        ("confidence", pa.string()),
    ]
)


def set_clock(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """The report's "now" (``report_clock``): what "in progress" and "this week" mean."""
    _replace(con, "report_clock", pa.table({"now": pa.array([now], pa.timestamp("us", tz="UTC"))}))


def use_config(con: duckdb.DuckDBPyConnection, cfg: config.Config) -> None:
    """The team config's people and teams (``person_aliases``, ``person_teams``)."""
    _replace(con, "person_aliases", pa.Table.from_pylist(cfg.aliases, schema=_ALIASES))
    _replace(con, "person_teams", pa.Table.from_pylist(cfg.teams, schema=_TEAMS))


_ALIASES = pa.schema([("kind", pa.string()), ("alias", pa.string()), ("person", pa.string())])
_TEAMS = pa.schema([("person", pa.string()), ("team", pa.string())])


def _replace(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.unregister(name)
    con.register(name, table)


def load_outcomes(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Read a ``--outcomes`` CSV (docs/tasks.md) into ``outcome_overrides``; returns its rows.
    A row that cannot be used is an error naming its line: an override is a person's word,
    and a silently dropped one would be a wrong report."""
    import csv

    rows: list[dict[str, Any]] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = {(h or "").strip().lower() for h in reader.fieldnames or ()}
            if "outcome" not in header or not ({"task_id"} <= header or {"session_id", "at"} <= header):
                raise TaskcostError(
                    f"{path}: the header needs `outcome` and either `task_id` or `session_id` and `at`"
                )
            for row in reader:
                rows.append(
                    _override(path, reader.line_num, {(k or "").strip().lower(): v for k, v in row.items()})
                )
    except OSError as e:
        raise TaskcostError(f"cannot read {path}: {e.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise TaskcostError(f"{path} is not a CSV file: {e}") from None
    _replace(con, "outcome_overrides", pa.Table.from_pylist(rows, schema=_OVERRIDES))
    return len(rows)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its zone (``2026-11-23T09:30:00Z``), as UTC; ValueError
    says what is wrong."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"must be an ISO 8601 instant like 2026-11-23T09:30:00Z, not {text!r}") from None
    if at.tzinfo is None:
        raise ValueError(f"needs a time zone, e.g. {text}Z")
    return at.astimezone(UTC)


def _override(path: str, line: int, row: dict[str, Any]) -> dict[str, Any]:
    def cell(name: str) -> str | None:
        v = (row.get(name) or "").strip()
        return v or None

    where = f"{path}, line {line}"
    outcome, confidence = (cell("outcome") or "").lower(), (cell("confidence") or "high").lower()
    if outcome not in OUTCOMES:
        raise TaskcostError(f"{where}: outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if confidence not in CONFIDENCES:
        raise TaskcostError(
            f"{where}: confidence must be one of {', '.join(CONFIDENCES)}, not {confidence!r}"
        )
    task_id, session_id, at_text = cell("task_id"), cell("session_id"), cell("at")
    try:
        at = parse_instant(at_text) if at_text else None
    except ValueError as e:
        raise TaskcostError(f"{where}: `at` {e}") from None
    if not task_id and not (session_id and at):
        raise TaskcostError(f"{where}: give a task_id, or a session_id and an `at` time")
    return {
        "line": line,
        "task_id": task_id.lower() if task_id else None,
        "session_id": session_id,
        "at": at,
        "outcome": outcome,
        "reason": cell("reason"),
        "confidence": confidence,
    }


def materialize_tasks(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the derived task views once, as temporary tables, for a command that runs
    several task reports (segmentation reads every request and event)."""
    for view in reversed(DERIVED):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for view in DERIVED:
        try:
            con.execute(f"CREATE TEMP TABLE {view} AS {report_sql(f'views/{view}')}")
        except (duckdb.Error, RuntimeError) as e:
            if is_interrupt(e):
                raise KeyboardInterrupt from None
            raise


def local_timezone() -> str:
    """The machine's time zone as DuckDB (ICU) sees it: ``TZ`` or ``/etc/localtime``."""
    return duckdb.connect().execute("SELECT current_setting('TimeZone')").fetchall()[0][0]


def check_timezone(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    ok = con.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = $tz", {"tz": tz}).fetchall()[0][0]
    if not ok:
        raise TaskcostError(f"unknown time zone {tz!r}: use an IANA name such as Europe/Paris or UTC")


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
    """The one place a query becomes an Arrow table (DuckDB's API for this has moved)."""
    try:
        rel = con.sql(sql, params=params or None)
        return rel.to_arrow_table() if rel is not None else pa.table({})
    except (duckdb.Error, RuntimeError) as e:
        if is_interrupt(e):  # Ctrl-C inside DuckDB
            raise KeyboardInterrupt from None
        raise


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pa.Table:
    """Run report ``name`` with its parameters bound; returns an Arrow table."""
    missing = declared_params(name) - params.keys()
    if missing:
        raise TypeError(f"report {name} needs parameters {sorted(missing)}")
    return arrow(con, report_sql(name), params)


def run_with(
    con: duckdb.DuckDBPyConnection, first: str, second: str, table: str, **params: Any
) -> tuple[pa.Table, pa.Table]:
    """Report ``first``, then report ``second``, which reads the first's rows as ``table``
    (the pairs of the model economics read the models; the vanity flags, the people)."""
    rows = run(con, first, **{k: v for k, v in params.items() if k in declared_params(first)})
    _replace(con, table, rows)
    return rows, run(con, second, **{k: v for k, v in params.items() if k in declared_params(second)})


def week_of(day: date, week_start: int) -> date:
    """The first day of ``day``'s week, weeks starting on ISO weekday ``week_start``."""
    return day - timedelta(days=(day.isoweekday() - week_start) % 7)


def week_label(week: date, week_start: int) -> str:
    """A week as the weekly report names it: ISO ``2026-W47``, else its first day."""
    if week_start == 1:
        year, number, _ = week.isocalendar()
        return f"{year}-W{number:02d}"
    return week.isoformat()


def weekly(
    con: duckdb.DuckDBPyConnection,
    *,
    tz: str,
    week_start: int,
    by: str | None,
    since: date | None,
    until: date | None,
    weeks: int,
    today: date,
) -> tuple[pa.Table, date, date, list[str]]:
    """The weekly report's rows for the selected weeks, the first and last week, and notes.

    Every week is computed over the whole history, so the first week shown still has its
    change from the week before; ``since``/``until`` select the weeks that contain them;
    else the last ``weeks`` weeks up to ``today``'s, or up to the latest week with tasks
    when that one has none yet."""
    import pyarrow.compute as pc

    table = run(con, "weekly", tz=tz, week_start=week_start, by=by)
    if table.num_rows == 0:
        raise NoData("no tasks in the warehouse")
    notes = []
    starts = table.column("week_start")
    if since or until:
        first = week_of(since, week_start) if since else pc.min(starts).as_py()
        last = week_of(until, week_start) if until else pc.max(starts).as_py()
    else:
        last = week_of(today, week_start)
        latest = pc.max(starts).as_py()
        if latest < last:
            notes.append(f"No tasks since the week of {latest}; the report ends with that week.")
            last = latest
        first = last - timedelta(weeks=weeks - 1)
    shown = table.filter((pc.field("week_start") >= first) & (pc.field("week_start") <= last))
    if shown.num_rows == 0:
        raise NoData(f"no tasks in the weeks of {first} to {last}")
    return shown, first, last, notes


READ_ONLY = (
    "taskcost sql runs one read-only statement (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN without "
    "ANALYZE)"
)
_WORD = re.compile(r"\w+")


def read_only_statement(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The one read-only statement of user SQL, else a TaskcostError saying why not.

    DuckDB parses DESCRIBE, SHOW, SUMMARIZE, FROM-first and VALUES queries as SELECT; an
    EXPLAIN must wrap such a query and must not ANALYZE it (that runs the statement)."""
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as e:
        raise TaskcostError(f"SQL error: {_one_line(e)}") from None
    if not statements:
        raise TaskcostError("no SQL statement given")
    if len(statements) > 1:
        raise TaskcostError(f"{READ_ONLY}; this has {len(statements)} statements")
    statement = statements[0]
    if statement.type == duckdb.StatementType.EXPLAIN:
        explained = _explained(con, statement.query)
        if explained != duckdb.StatementType.SELECT:
            raise TaskcostError(f"{READ_ONLY}; EXPLAIN {_kind(explained)} is not allowed")
    elif statement.type != duckdb.StatementType.SELECT:
        raise TaskcostError(f"{READ_ONLY}; {_kind(statement.type)} is not allowed")
    return statement.query


def _kind(kind: duckdb.StatementType | None) -> str:
    if kind is None:
        return "of an unrecognised statement"
    if kind == duckdb.StatementType.MULTI:  # e.g. a PIVOT with no IN list: it creates a type first
        return "MULTI (several statements in one, e.g. a PIVOT without ON … IN (…))"
    return kind.name


def _explained(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.StatementType | None:
    """The type of the statement an EXPLAIN wraps (None if that cannot be told); a
    TaskcostError for EXPLAIN ANALYZE in any spelling: ``EXPLAIN ANALYSE``,
    ``EXPLAIN (FORMAT json, ANALYZE) …`` and even ``EXPLAIN (ANALYZE false) …``, which
    DuckDB runs all the same."""
    tokens = [at for at, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    words = []
    for at, end in zip(tokens, [*tokens[1:], len(sql)], strict=True):
        word = sql[at:end].strip()
        words.append((m.group(0) if (m := _WORD.match(word)) else word[:1]).upper())
    starts = [1]  # where the explained statement may begin: after EXPLAIN, or its options
    options = words[1:2]
    if options == ["("]:
        depth = 0
        for i in range(1, len(words)):
            depth += {"(": 1, ")": -1}.get(words[i], 0)
            if depth == 0:
                options = words[2:i]
                starts.insert(0, i + 1)
                break
    elif options in (["ANALYZE"], ["ANALYSE"]):
        starts = [2]
    if {"ANALYZE", "ANALYSE"} & set(options):
        raise TaskcostError(f"{READ_ONLY}; EXPLAIN ANALYZE runs the statement and is not allowed")
    for i in starts:
        try:
            inner = con.extract_statements(sql[tokens[i] :]) if i < len(tokens) else []
        except duckdb.Error:
            continue
        if len(inner) == 1:
            return inner[0].type
    return None


def query(con: duckdb.DuckDBPyConnection, text: str, *, timeout: float | None = None) -> pa.Table:
    """Run user SQL (one read-only statement, ``read_only_statement``) on a sandboxed
    connection; returns its rows.

    The query runs in a worker thread, so that Ctrl-C in the main thread interrupts it
    (KeyboardInterrupt) and a watchdog can interrupt it after ``timeout`` seconds (a
    TaskcostError naming ``--timeout``); running out of the memory limit is a
    TaskcostError naming ``--memory-limit``; any other DuckDB error, ``SQL error: …``."""
    sql = read_only_statement(con, text)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["rows"] = arrow(con, sql)
        except BaseException as e:  # handed to the main thread below
            outcome["error"] = e

    worker = threading.Thread(target=work, name="taskcost-sql", daemon=True)
    deadline = time.monotonic() + timeout if timeout else None
    expired = False
    worker.start()
    try:
        while worker.is_alive():
            # the watchdog runs in this thread (a timer thread can abort the exit); once the
            # time is up it interrupts until DuckDB stops, since an interrupt that comes
            # before the query has started is lost
            left = 0.1 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                expired = True
                con.interrupt()
            worker.join(0.1 if left <= 0 else min(left, 0.1))
    except KeyboardInterrupt:
        stop = time.monotonic() + 5
        while worker.is_alive() and time.monotonic() < stop:
            con.interrupt()
            worker.join(0.1)
        raise
    error = outcome.get("error")
    if error is None:
        return outcome["rows"]
    if is_interrupt(error):
        if expired:
            raise TaskcostError(f"the query ran longer than {timeout:g} s (--timeout)")
        raise KeyboardInterrupt
    if isinstance(error, duckdb.OutOfMemoryException):
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        raise TaskcostError(
            f"the query ran out of memory (--memory-limit {limit}, and at most {SANDBOX_TEMP_LIMIT} "
            f"spilled to disk): {_one_line(error)}"
        )
    if isinstance(error, duckdb.Error):
        raise TaskcostError(f"SQL error: {_one_line(error)}")
    raise error


def _one_line(error: Exception) -> str:
    """DuckDB's message without its query excerpt and hints: one line."""
    lines = []
    for line in str(error).strip().splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        lines.append(line.strip())
    return " ".join(lines) or type(error).__name__


__all__ = [
    "DERIVED",
    "OUTCOMES",
    "REPORTS",
    "VIEWS",
    "arrow",
    "check_memory_limit",
    "check_timezone",
    "config",
    "connect",
    "load_outcomes",
    "local_timezone",
    "materialize_tasks",
    "parse_instant",
    "query",
    "read_only_statement",
    "run",
    "run_with",
    "set_clock",
    "use_config",
    "week_label",
    "week_of",
    "weekly",
]
