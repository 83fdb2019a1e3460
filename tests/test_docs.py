"""The docs stay true: README, SQL headers, source docstrings and CI agree with the code."""

from __future__ import annotations

import re
from importlib import import_module
from importlib.resources import files

import pytest
from conftest import ROOT, invoke

from taskcost import analyze
from taskcost.cli import cli
from taskcost.ingest import SOURCE_NAMES, SOURCES

README = (ROOT / "README.md").read_text()


def test_readme_schema_section_is_generated_from_the_schemas() -> None:
    block = README.split("<!-- schema:start -->\n")[1].split("<!-- schema:end -->")[0]
    assert block == invoke("schema").stdout.rstrip() + "\n"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"taskcost {command}" in README


def quick_start() -> list[str]:
    section = README.split("## Quick start")[1].split("\n## ")[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)[:2]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    main_job, tests = quick_start()
    assert "report --logs sample_logs" in main_job
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text()


def sql_files(package: str) -> list[tuple[str, str]]:
    return sorted(
        (p.name, p.read_text()) for p in files(package).joinpath("sql").iterdir() if p.name.endswith(".sql")
    )


@pytest.mark.parametrize(("name", "text"), sql_files("taskcost.analyze"))
def test_report_sql_has_a_header_and_binds_what_it_declares(name: str, text: str) -> None:
    header = [ln for ln in text.splitlines() if ln.startswith("--")]
    for field in ("-- report:", "-- grain:", "-- reads:", "-- params:"):
        assert any(ln.startswith(field) for ln in header), (name, field)
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("--"))
    assert set(re.findall(r"\$([a-z_]+)", body)) == analyze.declared_params(name[:-4]), name
    assert name[:-4] in analyze.REPORTS


@pytest.mark.parametrize(("name", "text"), sql_files("taskcost.warehouse"))
def test_warehouse_sql_has_a_header(name: str, text: str) -> None:
    assert text.startswith("-- step:"), name
    assert "-- grain:" in text and "-- reads:" in text, name


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_every_source_documents_itself(name: str) -> None:
    module = import_module(f"taskcost.ingest.{name}")
    doc = module.__doc__ or ""
    for heading in ("Where the files live", "Records used", "Token mapping", "Dedupe", "Known gaps"):
        assert f"\n{heading}\n" in doc, (name, heading)
    assert SOURCES[name].name == name  # the registry key is the module name
    assert f"| `{name}` | {SOURCES[name].description} |" in README


def test_every_event_kind_is_documented() -> None:
    from taskcost.schemas import EVENT_KINDS
    from taskcost.schemas import events as ev

    for kind in EVENT_KINDS:
        assert f"| `{kind}` |" in (ev.__doc__ or ""), kind
