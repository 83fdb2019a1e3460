"""The command line: stdout is data, stderr is diagnostics, errors are one line + a code."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from builders import assistant
from conftest import DATA, SAMPLE_LOGS, ingest, invoke, jsonl, skip_counts, totals

from taskcost.cli import cli

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.stdout
    if command != "schema":
        assert "Example:" in result.stdout


def test_ingest_writes_its_summary_to_stderr_only() -> None:
    result = ingest(SAMPLE_LOGS)
    assert result.stdout == ""
    assert "requests: 58 new" in result.stderr
    assert "unpriced: acme/coder-large-2" in result.stderr


def test_ingest_reads_the_default_locations(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ~/.claude/projects, ~/.config/claude/projects and every CLAUDE_CONFIG_DIR entry
    shutil.copytree(
        SAMPLE_LOGS / "claude" / "projects" / "-home-dana-src-tally-cli",
        isolated_env / ".claude" / "projects" / "tally",
    )
    shutil.copytree(
        SAMPLE_LOGS / "claude" / "projects" / "-home-dana-work-ops-dashboard",
        isolated_env / ".config" / "claude" / "projects" / "ops",
    )
    extra = tmp_path / "team-dir"
    shutil.copytree(
        SAMPLE_LOGS / "claude" / "projects" / "-home-dana-src-billing-api", extra / "projects" / "billing"
    )
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{tmp_path / 'missing'},{extra}")
    result = invoke("ingest")
    assert result.exit_code == 0, result.stderr
    assert "read 8 of 8 files" in result.stderr


def test_ingest_reads_the_codex_home_too(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$CODEX_HOME (default ~/.codex): sessions/ and archived_sessions/, the active copy
    of a rollout winning over its archived twin."""
    codex_home = isolated_env / "codex-home"
    shutil.copytree(DATA / "codex" / "archived_copy", codex_home)
    monkeypatch.setenv("CODEX_HOME", str(codex_home))
    result = invoke("ingest")
    assert result.exit_code == 0, result.stderr
    assert "read 2 of 2 files" in result.stderr


def test_sources_lists_every_source_and_its_default_locations(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskcost.ingest import SOURCES

    (isolated_env / ".claude" / "projects").mkdir(parents=True)
    monkeypatch.setenv("CODEX_HOME", str(isolated_env / "nowhere"))
    rows = json.loads(invoke("sources", "--format", "json").stdout)
    assert {r["source"] for r in rows} == set(SOURCES)
    found = {r["default_location"]: r["exists"] for r in rows}
    assert found[str(isolated_env / ".claude" / "projects")] is True
    assert found[str(isolated_env / "nowhere" / "sessions")] is False
    assert all(r["reads"] == SOURCES[r["source"]].description for r in rows)


def test_source_option_forces_a_format(tmp_path: Path) -> None:
    """--source reads every file as that format: a Claude transcript read as Codex gives
    no requests and its lines are counted as skipped, never silently dropped."""
    folder = tmp_path / "mixed"
    shutil.copytree(DATA / "codex" / "archived_copy" / "sessions", folder / "codex")
    transcript = SAMPLE_LOGS / "claude" / "projects" / "-home-dana-src-tally-cli"
    shutil.copy(next(transcript.glob("*.jsonl")), folder / "claude.jsonl")
    result = invoke("ingest", "--source", "codex", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "read 2 of 2 files" in result.stderr and "unknown_line_type" in result.stderr
    rows = json.loads(invoke("sql", "--format", "json", "SELECT DISTINCT source FROM requests").stdout)
    assert rows == [{"source": "codex"}]


def test_no_logs_anywhere_is_a_clear_error() -> None:
    result = invoke("ingest")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("taskcost: error: no logs found")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("ingest", "/no/such/dir"), 1, "no such file or directory: /no/such/dir"),
        (("daily",), 3, "is empty: run `taskcost ingest` first"),
        (("sessions",), 3, "is empty"),
        (("sql", "SELECT 1"), 3, "is empty"),
    ],
)
def test_user_mistakes_get_one_line_and_an_exit_code(args: tuple[str, ...], code: int, message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == code
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("daily", "--since", "2026-13-01"), 2, "is not a date"),
        (("daily", "--until", "yesterday"), 2, "is not a date"),
        (("daily", "--timezone", "Mars/Olympus"), 1, "unknown time zone 'Mars/Olympus'"),
        (("daily", "--source", "vim"), 2, "Invalid value for '--source'"),
        (("daily", "--format", "xml"), 2, "Invalid value for '--format'"),
        (("daily", "--since", "2030-01-01"), 3, "no requests in the selected range"),
        (("sql", "DROP TABLE requests"), 1, "read-only"),
        (("sql", "COPY requests TO '/tmp/x.csv'"), 1, "read-only"),
        (("sql", "SELEC 1"), 1, "SQL error"),
        (("sql", "SELECT * FROM read_csv('/etc/passwd')"), 1, "SQL error"),
    ],
)
def test_errors_with_data(args: tuple[str, ...], code: int, message: str) -> None:
    ingest(SAMPLE_LOGS)
    result = invoke(*args)
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_sql_reads_every_view() -> None:
    ingest(SAMPLE_LOGS)
    result = invoke(
        "sql",
        "SELECT (SELECT count(*) FROM requests) AS r, (SELECT count(*) FROM events) > 0 AS e, "
        "(SELECT count(*) FROM prices) > 0 AS p, (SELECT count(*) FROM files) AS f",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"r": 58, "e": True, "p": True, "f": 8}]


DAILY_KEYS = [
    "date",
    "source",
    "model",
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost_usd",
    "unpriced_requests",
]


def test_daily_json_is_the_documented_interface() -> None:
    ingest(SAMPLE_LOGS)
    rows = json.loads(invoke("daily", "--format", "json", "--timezone", "UTC").stdout)
    assert rows and all(list(r) == DAILY_KEYS for r in rows)
    unpriced = [r for r in rows if r["model"] == "acme/coder-large-2"]
    assert unpriced == [{**unpriced[0], "cost_usd": None, "unpriced_requests": 3}]
    assert sum(r["requests"] for r in rows) == 58
    assert sum(r["cache_write_tokens"] for r in rows) == 52_157 + 213_191


def test_csv_carries_the_same_values_as_json() -> None:
    ingest(SAMPLE_LOGS)
    as_json = json.loads(invoke("daily", "--format", "json", "--timezone", "UTC").stdout)
    lines = invoke("daily", "--format", "csv", "--timezone", "UTC").stdout.splitlines()
    assert lines[0].split(",") == DAILY_KEYS
    assert len(lines) == len(as_json) + 1
    first = dict(zip(DAILY_KEYS, lines[1].split(","), strict=True))
    assert first["requests"] == str(as_json[0]["requests"]) and first["cost_usd"] == str(
        as_json[0]["cost_usd"]
    )


def late_evening(tmp_path: Path) -> Path:
    return jsonl(
        tmp_path / "logs" / "s.jsonl",
        [
            assistant("msg_1", "2026-11-03T22:50:00.000Z", req="req_1"),  # Paris 23:50, Kathmandu 04:35 (4th)
            assistant("msg_2", "2026-11-03T23:30:00.000Z", req="req_2"),  # Paris 00:30 on the 4th
            assistant("msg_3", "2026-11-04T18:20:00.000Z", req="req_3"),  # Kathmandu 00:05 on the 5th
        ],
    )


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("UTC", {"2026-11-03": 2, "2026-11-04": 1}),
        ("Europe/Paris", {"2026-11-03": 1, "2026-11-04": 2}),
        ("Asia/Kathmandu", {"2026-11-04": 2, "2026-11-05": 1}),  # +05:45
        ("America/Los_Angeles", {"2026-11-03": 2, "2026-11-04": 1}),
    ],
)
def test_days_are_local_dates_in_the_chosen_zone(tmp_path: Path, tz: str, expected: dict[str, int]) -> None:
    ingest(late_evening(tmp_path))
    rows = json.loads(invoke("daily", "--format", "json", "--timezone", tz).stdout)
    assert {r["date"]: r["requests"] for r in rows} == expected


def test_default_zone_is_the_machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(late_evening(tmp_path))
    monkeypatch.setenv("TZ", "Europe/Paris")
    rows = json.loads(invoke("daily", "--format", "json").stdout)
    assert {r["date"]: r["requests"] for r in rows} == {"2026-11-03": 1, "2026-11-04": 2}


def test_since_and_until_are_local_dates(tmp_path: Path) -> None:
    ingest(late_evening(tmp_path))
    rows = json.loads(
        invoke(
            "daily",
            "--format",
            "json",
            "--timezone",
            "Europe/Paris",
            "--since",
            "2026-11-04",
            "--until",
            "2026-11-04",
        ).stdout
    )
    assert [(r["date"], r["requests"]) for r in rows] == [("2026-11-04", 2)]
    sessions = json.loads(
        invoke("sessions", "--format", "json", "--timezone", "Europe/Paris", "--until", "2026-11-03").stdout
    )
    assert [s["requests"] for s in sessions] == [1]


def test_sessions_json_counts_subagents_in_the_parent_session() -> None:
    ingest(SAMPLE_LOGS)
    rows = json.loads(invoke("sessions", "--format", "json", "--timezone", "UTC").stdout)
    assert len(rows) == 7
    parent = next(r for r in rows if r["subagent_requests"])
    assert parent["subagent_requests"] == 4 and parent["requests"] == 20
    assert parent["models"] == ["claude-haiku-4-5-20251001", "claude-opus-4-7"]
    assert all(r["first_activity"].endswith("Z") for r in rows)
    by_cost = json.loads(invoke("sessions", "--format", "json", "--sort", "cost").stdout)
    costs = [r["cost_usd"] for r in by_cost if r["cost_usd"] is not None]
    assert costs == sorted(costs, reverse=True) and by_cost[-1]["cost_usd"] is None


def test_schema_command_documents_every_column() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    for name in ("requests", "events", "prices"):
        assert f"### `{name}`" in result.stdout
    assert "| `cache_write_1h_tokens` | int64 | no |" in result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and "taskcost" in result.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_ingests_show_a_progress_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from taskcost import cli as cli_module

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli_module._progress() as update:
        assert update is not None
        update(10 << 20, 40 << 20)  # a small run: no bar
        assert terminal.getvalue() == ""
        update(100 << 20, 400 << 20)
    assert "ingest" in terminal.getvalue() and "MB" in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: no bar at all
    with cli_module._progress() as update:
        assert update is None


@pytest.mark.parametrize(
    "fixture",
    ["codex/compaction.jsonl", "api_log/anthropic_messages.jsonl", "claude_code/cache_1h_and_5m.jsonl"],
)
def test_a_line_nested_too_deep_to_parse_is_skipped_not_a_crash(fixture: str, tmp_path: Path) -> None:
    """Logs are untrusted input: a line nesting arrays 200,000 deep (which exhausts a
    recursive JSON parser) is one malformed line; the lines around it still count."""
    src = DATA / fixture
    lines = src.read_text().splitlines()
    plain = ingest(src)
    want = totals()
    shutil.rmtree(tmp_path / "warehouse")
    deep = '{"type": "assistant", "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    path = tmp_path / "in" / src.name
    path.parent.mkdir()
    path.write_text("\n".join([lines[0], deep, *lines[1:]]) + "\n")
    stderr = ingest(path).stderr
    before = skip_counts(plain.stderr).get("malformed_json", 0)
    assert skip_counts(stderr).get("malformed_json", 0) == before + 1
    assert totals() == want
