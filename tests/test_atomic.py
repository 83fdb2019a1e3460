"""A crash or Ctrl-C mid-ingest leaves the warehouse exactly as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
    monkeypatch.delenv("TASKCOST_FAILPOINT")
    ingest(extra)
    assert totals()["requests"] == before[1]["requests"] + 1
    # files written by the crashed run are gone: every data file is named by the manifest
    m = Warehouse(root).manifest()
    named = {p for ps in m["tables"].values() for p in ps} | {m["catalog"]}
    on_disk = {str(p.relative_to(root)) for p in (root / "data").rglob("*") if p.is_file()}
    assert on_disk == named


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
    assert list(root.glob(".staging-*")) or list((root / "data").rglob("*.parquet"))
    ingest(extra)  # the lock died with the process; the next run cleans up and commits
    assert not list(root.glob(".staging-*"))
    assert totals()["requests"] == before[1]["requests"] + 1


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
