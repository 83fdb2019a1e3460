"""`taskcost sql` is read-only and bounded: one SELECT-like statement, no file, network
or extension access for DuckDB, a memory limit and a timeout (docs/sql.md)."""

from __future__ import annotations

import gc
import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from click.testing import Result
from conftest import SAMPLE_LOGS, invoke

from taskcost.errors import ExitCode


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse of the sample logs for the whole module (ingest is the slow part)."""
    root = tmp_path_factory.mktemp("sql_sandbox")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("HOME", "USERPROFILE", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            mp.setenv(var, str(root / "home"))
        ingest = ("ingest", "--user", "tester", "--machine", "box", str(SAMPLE_LOGS))
        result = invoke("--warehouse", str(root / "wh"), *ingest)
    assert result.exit_code == 0, result.stderr
    return root / "wh"


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, and an empty folder for temporary files."""
    here, temp = tmp_path / "cwd", tmp_path / "temp"
    here.mkdir()
    temp.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return here


def fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def sql(warehouse: Path, query: str, *options: str) -> Result:
    return invoke("--warehouse", str(warehouse), "sql", *options, query)


def one_line_error(result: Result) -> str:
    assert result.exit_code == ExitCode.ERROR, (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskcost: error: "), result.stderr
    return lines[0]


PROBES = {
    "explain_analyze_copy": "EXPLAIN ANALYZE COPY (SELECT 'x' AS a) TO '{wh}/manifest.json' (FORMAT csv)",
    "explain_analyse_options": "EXPLAIN (FORMAT json, ANALYZE) COPY (SELECT 1) TO '{wh}/manifest.json'",
    "explain_analyze_false": "EXPLAIN (ANALYZE false) SELECT 1",
    "explain_copy": "EXPLAIN COPY (SELECT 1) TO '{wh}/manifest.json'",
    "copy_to": "COPY (SELECT 'x' AS a) TO '{wh}/manifest.json' (FORMAT csv)",
    "copy_to_cwd": "COPY requests TO 'out.csv'",
    "attach": "ATTACH '{wh}/new.duckdb'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "read_parquet_by_path": "SELECT count(*) FROM read_parquet('{parquet}')",
    "read_manifest": "SELECT * FROM read_json('{wh}/manifest.json')",
    "glob": "SELECT * FROM glob('/*')",
    "file_as_table": "SELECT * FROM '/etc/passwd'",
    "http": "SELECT * FROM read_csv('https://example.com/x.csv')",
    "set_external_access": "SET enable_external_access = true",
    "unlock": "SET lock_configuration = false",
    "pragma": "PRAGMA version",
    "create_table": "CREATE TABLE t AS SELECT 1",
    "two_statements": "SELECT 1; COPY (SELECT 1) TO '{wh}/manifest.json'",
    "two_selects": "SELECT 1; SELECT 2",
    "call": "CALL pragma_version()",
    "export": "EXPORT DATABASE '{wh}/export'",
    "secret": "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "drop": "DROP VIEW requests",
    "pivot_without_in": "PIVOT requests ON model",
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_a_statement_that_is_not_a_read_only_query_is_refused(name: str, built: Path, cwd: Path) -> None:
    parquet = next((built / "data" / "requests").glob("*.parquet"))
    query = PROBES[name].format(wh=built, parquet=parquet)
    before = fingerprint(built)
    line = one_line_error(sql(built, query))
    assert "read-only" in line or "SQL error: " in line, line
    assert fingerprint(built) == before
    assert list(cwd.iterdir()) == []
    assert json.loads((built / "manifest.json").read_text())["format"] == "taskcost-warehouse"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("EXPLAIN ANALYZE SELECT 1", "EXPLAIN ANALYZE runs the statement"),
        ("explain /* x */ analyse select 1", "EXPLAIN ANALYZE runs the statement"),
        ("SELECT 1; SELECT 2", "this has 2 statements"),
        ("COPY requests TO 'x.csv'", "COPY is not allowed"),
        ("EXPLAIN COPY requests TO 'x.csv'", "EXPLAIN COPY is not allowed"),
        ("PRAGMA version", "PRAGMA is not allowed"),
        ("SET memory_limit = '100GB'", "SET is not allowed"),
        ("SELECT * FROM read_csv('/etc/passwd')", "file system operations are disabled"),
        ("SELECT * FROM reqests", 'Did you mean "requests"'),
        ("SELEC 1", "SQL error: Parser Error"),
        ("  ;  ", "no SQL statement given"),
    ],
)
def test_the_refusal_says_why_in_one_line(query: str, message: str, built: Path, cwd: Path) -> None:
    line = one_line_error(sql(built, query))
    assert message in line, line
    if "SQL error" not in line and "no SQL" not in line:
        assert "taskcost sql runs one read-only statement (SELECT, WITH, DESCRIBE, SHOW" in line


@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1 AS one",
        "WITH r AS (SELECT * FROM requests) SELECT count(*) FROM r",
        "FROM requests SELECT count(*)",
        "DESCRIBE requests",
        "SHOW TABLES",
        "SUMMARIZE files",
        "EXPLAIN SELECT count(*) FROM requests",
        "EXPLAIN (FORMAT json) SELECT 1",
        "SELECT 1;",
    ],
)
def test_read_only_queries_run(query: str, built: Path, cwd: Path) -> None:
    before = fingerprint(built)
    result = sql(built, query, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)
    assert fingerprint(built) == before
    assert list(cwd.iterdir()) == []


def test_the_views_and_the_derived_task_views_read_the_warehouse(built: Path, cwd: Path) -> None:
    result = sql(
        built,
        "SELECT (SELECT count(*) FROM requests) AS r, (SELECT count(*) FROM files) AS f, "
        "(SELECT count(*) FROM task_outcomes) AS t, "
        "(SELECT count(*) FROM task_outcomes WHERE outcome = 'completed') AS done",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"r": 58, "f": 8, "t": 11, "done": 8}]


def test_the_sandbox_sees_the_same_views_as_the_reports(built: Path) -> None:
    """Registered pyarrow datasets, not read_parquet views: the same columns, types and rows."""
    from taskcost import analyze
    from taskcost.warehouse import Warehouse

    reports = analyze.connect(Warehouse(built))
    sandbox = analyze.connect(Warehouse(built), sandbox=True, memory_limit="1GB")
    for view in (*analyze.VIEWS, "files", *analyze.DERIVED):
        for query in (f"DESCRIBE {view}", f"SELECT * FROM {view} ORDER BY ALL"):
            assert analyze.arrow(reports, query) == analyze.query(sandbox, query), query


def test_a_query_over_the_timeout_is_stopped(built: Path, cwd: Path) -> None:
    line = one_line_error(sql(built, "SELECT sum(hash(range)) FROM range(1000000000000)", "--timeout", "0.5"))
    assert line == "taskcost: error: the query ran longer than 0.5 s (--timeout)"


def test_a_query_over_the_memory_limit_fails(built: Path, cwd: Path) -> None:
    result = sql(built, "SELECT length(list(range)) FROM range(30000000)", "--memory-limit", "20MB")
    line = one_line_error(result)
    assert "ran out of memory (--memory-limit 19.0 MiB" in line and "Out of Memory Error" in line, line
    assert list(cwd.iterdir()) == []


def test_a_bad_memory_limit_is_a_usage_error(built: Path) -> None:
    result = sql(built, "SELECT 1", "--memory-limit", "lots")
    assert result.exit_code == ExitCode.USAGE
    assert "'lots' is not a memory size like 2GB" in result.stderr


def test_spilling_goes_to_a_private_folder_that_is_removed(built: Path, cwd: Path) -> None:
    temp = Path(tempfile.gettempdir())
    result = sql(
        built,
        "SELECT count(*) AS n FROM (SELECT md5(range::varchar) AS v FROM range(2000000) ORDER BY v)",
        "--memory-limit",
        "40MB",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"n": 2000000}]
    gc.collect()
    assert list(cwd.iterdir()) == []  # never ./.tmp
    assert list(temp.iterdir()) == []


def test_a_report_connection_spills_to_its_own_folder_too(built: Path, cwd: Path) -> None:
    from taskcost import analyze
    from taskcost.warehouse import Warehouse

    con = analyze.connect(Warehouse(built))
    (folder,) = con.execute("SELECT current_setting('temp_directory')").fetchall()[0]
    assert Path(folder).parent == Path(tempfile.gettempdir()) and Path(folder).is_dir()
    del con
    gc.collect()
    assert not Path(folder).exists()


def test_ctrl_c_during_a_query_exits_130(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from taskcost import analyze

    def interrupted(*args: object, **kwargs: object) -> None:
        import duckdb

        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setattr(analyze, "query", interrupted)
    result = sql(built, "SELECT 1")
    assert result.exit_code == ExitCode.INTERRUPT
    assert result.stderr.strip() == "taskcost: interrupted; the warehouse is unchanged"


def test_ctrl_c_interrupts_the_running_query(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C reaches the main thread while the worker runs: it interrupts DuckDB."""
    import threading

    from taskcost import analyze
    from taskcost.warehouse import Warehouse

    con = analyze.connect(Warehouse(built), sandbox=True)
    calls = []
    join = threading.Thread.join

    def join_then_ctrl_c(self: threading.Thread, timeout: float | None = None) -> None:
        if self.name == "taskcost-sql" and not calls:
            calls.append(timeout)
            raise KeyboardInterrupt
        join(self, timeout)

    monkeypatch.setattr(threading.Thread, "join", join_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        analyze.query(con, "SELECT sum(hash(range)) FROM range(1000000000000)")
    assert calls
    assert analyze.query(con, "SELECT 42 AS x").to_pylist() == [{"x": 42}]
