"""The main job, the team config and the report output options, through the CLI."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import SAMPLE_LOGS, invoke

from taskcost import render

SAMPLE_TASKS = 11  # tasks of sample_logs (tests/golden/sample_tasks.json)


def test_taskcost_alone_ingests_the_default_locations_and_prints_the_weekly_report(
    isolated_env: Path,
) -> None:
    shutil.copytree(SAMPLE_LOGS / "claude", isolated_env / ".claude")
    result = invoke()
    assert result.exit_code == 0, result.stderr
    assert "taskcost: read 8 of 8 files" in result.stderr  # it ingested
    assert result.stdout.startswith("Spend per task, week by week")
    assert "2026-W46" in result.stdout and "Abandoned tasks of 2026-W46" in result.stdout
    again = invoke("report")  # incremental: nothing new, the same report
    assert "0 unchanged" not in again.stderr and "8 unchanged" in again.stderr
    assert again.stdout == result.stdout


def test_report_logs_option_reads_those_logs() -> None:
    result = invoke("report", "--logs", str(SAMPLE_LOGS), "--timezone", "UTC", "--format", "json")
    assert result.exit_code == 0, result.stderr
    weeks = json.loads(result.stdout)["weeks"]
    assert [w["week"] for w in weeks] == ["2026-W45", "2026-W46"]
    assert sum(w["tasks"] for w in weeks) == SAMPLE_TASKS


def test_output_file_is_written_whole_and_stdout_stays_empty(tmp_path: Path) -> None:
    invoke("ingest", str(SAMPLE_LOGS))
    out = tmp_path / "weekly.md"
    result = invoke("report", "weekly", "--format", "markdown", "--timezone", "UTC", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert out.read_text().startswith("## Spend per task, week by week")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("weekly.md")] == ["weekly.md"]


def test_no_tasks_in_the_selected_weeks_is_no_data() -> None:
    invoke("ingest", str(SAMPLE_LOGS))
    result = invoke("report", "weekly", "--since", "2025-01-01", "--until", "2025-01-31")
    assert result.exit_code == 3
    assert "no tasks in the weeks of 2024-12-30 to 2025-01-27" in result.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[people.a]\naliases = ["x"]\n[people.b]\naliases = ["x"]\n', "'x' is an alias of both 'a' and 'b'"),
        ("[people.a]\nteem = 'x'\n", "people.a: unknown key 'teem'"),
        ("[economics]\nlabour_rate = 3\n", "economics: unknown key 'labour_rate'"),
        ("[economics]\nfix_minutes = -1\n", "economics.fix_minutes must be a number of at least 0"),
        ("[people\n", "is not valid TOML"),
    ],
)
def test_a_bad_config_is_one_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    invoke("ingest", str(SAMPLE_LOGS))
    config = tmp_path / "config.toml"
    config.write_text(toml)
    result = invoke("--config", str(config), "vanity")
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith("taskcost: error:")


def test_a_missing_config_file_is_an_error_but_no_default_config_is_fine(tmp_path: Path) -> None:
    invoke("ingest", str(SAMPLE_LOGS))
    assert invoke("vanity").exit_code == 0
    result = invoke("--config", str(tmp_path / "nope.toml"), "vanity")
    assert result.exit_code == 1 and "no config file at" in result.stderr


def test_the_default_config_location_is_read(isolated_env: Path) -> None:
    invoke("ingest", "--user", "dana-old", str(SAMPLE_LOGS))
    config = isolated_env / ".config" / "taskcost" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[people.dana]\naliases = ["dana-old"]\nteam = "billing"\n')
    people = json.loads(invoke("vanity", "--format", "json").stdout)["people"]
    assert [(p["person"], p["team"]) for p in people] == [("dana", "billing")]


def test_markdown_escapes_log_text() -> None:
    table = pa.table({"prompt_preview": ["fix | this <script>alert(1)</script> [x](http://e) *now*"]})
    out = io.StringIO()
    render.write_markdown(table, out)
    row = out.getvalue().splitlines()[2]
    assert row == ("| fix \\| this &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](http://e) \\*now\\* |")
