"""A crash or Ctrl-C mid-ingest leaves the warehouse exactly as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from builders import assistant
from conftest import SAMPLE_LOGS, ingest, invoke, jsonl, totals

from taskcost import ingest as ing
from taskcost.warehouse import Warehouse, default_root


def snapshot(root: Path) -> tuple[bytes, dict[str, object]]:
    return (root / "manifest.json").read_bytes(), totals()


@pytest.fixture
def populated(tmp_path: Path) -> tuple[Path, Path]:
    ingest(SAMPLE_LOGS)
    extra = jsonl(
        tmp_path / "more" / "s.jsonl", [assistant("msg_new", "2026-11-20T10:00:00.000Z", req="req_new")]
    )
    return default_root(), extra


def test_crash_before_the_manifest_is_replaced_changes_nothing(
    populated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, extra = populated
    before = snapshot(root)
    monkeypatch.setenv("TASKCOST_FAILPOINT", "before_manifest")
    with pytest.raises(RuntimeError, match="failpoint"):
        invoke("ingest", str(extra))
    assert snapshot(root) == before
    assert not list(root.glob(".staging-*"))
    assert data_files(root) == named_files(root)  # the failed run removed what it wrote
    monkeypatch.delenv("TASKCOST_FAILPOINT")
    ingest(extra)
    assert totals()["requests"] == before[1]["requests"] + 1
    # replaced files stay while retired for less than GARBAGE_AGE (or named by
    # manifest.prev.json), whatever their age; nothing else is left
    age_all_files(root)
    ingest(extra)
    assert data_files(root) == named_files(root) | kept_files(root)


def data_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / "data").rglob("*") if p.is_file()}


def named_files(root: Path) -> set[str]:
    m = Warehouse(root).manifest()
    assert m is not None
    return {p for ps in m["tables"].values() for p in ps} | {m["catalog"]}


def kept_files(root: Path) -> set[str]:
    """Files still kept for readers of older generations: retired ones, the previous manifest's."""
    m = Warehouse(root).manifest()
    assert m is not None
    prev = json.loads((root / "manifest.prev.json").read_text())
    return set(m["retired"]) | {p for ps in prev["tables"].values() for p in ps} | {prev["catalog"]}


def age_all_files(root: Path) -> None:
    old = time.time() - 3600
    for p in (root / "data").rglob("*"):
        os.utime(p, (old, old))


def test_a_report_reading_the_previous_generation_is_not_cut_short(populated: tuple[Path, Path]) -> None:
    from taskcost import analyze

    root, _ = populated
    reader = analyze.connect(Warehouse(root))  # a report opened on generation 1
    before = analyze.arrow(reader, "SELECT count(*) AS n, sum(output_tokens) AS o FROM requests").to_pylist()
    # a later ingest replaces a part: a more complete copy of an existing response
    f = jsonl(
        root.parent / "late" / "s.jsonl",
        [assistant("msg_late", "2026-11-20T10:00:00.000Z", req="r", out=1, stop=None)],
    )
    ingest(f)
    f.write_text(
        f.read_text() + json.dumps(assistant("msg_late", "2026-11-20T10:00:01.000Z", req="r", out=900)) + "\n"
    )
    ingest(f)
    assert data_files(root) > named_files(root)  # the replaced part is still there
    assert (
        analyze.arrow(reader, "SELECT count(*) AS n, sum(output_tokens) AS o FROM requests").to_pylist()
        == before
    )


def test_ctrl_c_during_parsing_exits_130_and_changes_nothing(
    populated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, extra = populated
    before = snapshot(root)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ing, "_execute", interrupted)
    result = invoke("ingest", str(extra))
    assert result.exit_code == 130
    assert "interrupted; the warehouse is unchanged" in result.stderr
    assert result.stdout == ""
    assert snapshot(root) == before
    assert not list(root.glob(".staging-*"))


@pytest.mark.parametrize(
    ("query", "error"),
    [
        # what DuckDB raises when Ctrl-C lands mid-query
        ("event_merge", lambda duckdb: duckdb.InterruptException("INTERRUPT Error: Interrupted!")),
        # and when it lands inside a COPY (seen in the kill trials): a bare RuntimeError
        ("COPY", lambda duckdb: RuntimeError("Query interrupted")),
    ],
    ids=["InterruptException", "copy-RuntimeError"],
)
def test_ctrl_c_inside_the_merge_exits_130_and_changes_nothing(
    populated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, query: str, error: Any
) -> None:
    import duckdb

    from taskcost import warehouse

    root, extra = populated
    before = snapshot(root)
    real = warehouse._Db.execute

    def interrupted(self, sql: str, params=None):  # type: ignore[no-untyped-def]
        if query in sql:
            raise error(duckdb)
        return real(self, sql, params)

    monkeypatch.setattr(warehouse._Db, "execute", interrupted)
    result = invoke("ingest", str(extra))
    assert result.exit_code == 130
    assert "interrupted; the warehouse is unchanged" in result.stderr
    assert snapshot(root) == before


@pytest.mark.slow
def test_killed_process_leaves_the_warehouse_as_it_was(populated: tuple[Path, Path]) -> None:
    root, extra = populated
    before = snapshot(root)
    env = {**os.environ, "TASKCOST_FAILPOINT": "before_manifest:kill"}
    proc = subprocess.run(
        [sys.executable, "-m", "taskcost", "ingest", str(extra)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == -9
    assert snapshot(root) == before
    leftovers = data_files(root) - named_files(root)
    assert leftovers, "the killed run had written files no manifest names"
    ingest(extra)  # the lock died with the process; the next run cleans up and commits
    assert not list(root.glob(".staging-*"))
    assert totals()["requests"] == before[1]["requests"] + 1
    age_all_files(root)
    ingest(extra)
    assert not (leftovers & data_files(root))


def test_a_second_writer_is_refused(populated: tuple[Path, Path]) -> None:
    root, extra = populated
    with Warehouse(root).writer():
        result = invoke("ingest", str(extra))
    assert result.exit_code == 1
    assert "another taskcost is writing" in result.stderr


def test_manifest_is_valid_json_naming_existing_files(populated: tuple[Path, Path]) -> None:
    root, _ = populated
    m = json.loads((root / "manifest.json").read_text())
    for paths in m["tables"].values():
        for p in paths:
            assert (root / p).is_file()
    assert m["rows"]["requests"] == totals()["requests"]
