"""Dedupe is a property of the data, not of how it arrived: any order of files, any split
of their lines over several ingest runs, gives the same requests and events."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DATA, ingest, query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = DATA / "claude_code"
# files whose lines repeat each other across files and sessions
SOURCES = [
    *sorted((FIXTURES / "resume_replay").glob("*.jsonl")),
    FIXTURES / "sidechain_replay.jsonl",
    FIXTURES / "placeholder_then_final.jsonl",
    FIXTURES / "content_block_duplicates_placeholder.jsonl",
]
LINES = {p.name: p.read_text().splitlines(keepends=True) for p in SOURCES}

SNAPSHOT_SQL = (
    "SELECT request_key, session_id, output_tokens, usage_quality, source_file, line_no FROM requests "
    "ORDER BY request_key"
)
EVENTS_SQL = "SELECT event_key, session_id, source_file, line_no FROM events ORDER BY event_key"


def snapshot(root: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    rows = query(SNAPSHOT_SQL)
    for r in rows:
        r["source_file"] = Path(str(r["source_file"])).name
    events = query(EVENTS_SQL)
    for e in events:
        e["source_file"] = Path(str(e["source_file"])).name
    return rows, events


def all_at_once(tmp: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    folder = tmp / "once"
    folder.mkdir()
    for name, lines in LINES.items():
        (folder / name).write_text("".join(lines))
    ingest(folder)
    return snapshot(folder)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(sorted(LINES)),
    cuts=st.lists(st.floats(0, 1), min_size=len(LINES), max_size=len(LINES)),
)
def test_any_order_and_any_split_over_runs_gives_the_same_warehouse(
    tmp_path: Path, monkeypatch, order: list[str], cuts: list[float]
) -> None:
    run = tmp_path / f"run-{abs(hash((tuple(order), tuple(cuts))))}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    monkeypatch.setenv("TASKCOST_HOME", str(run / "wh-once"))
    expected = all_at_once(run)

    monkeypatch.setenv("TASKCOST_HOME", str(run / "wh-split"))
    folder = run / "split"
    folder.mkdir()
    # first run: a prefix of each file, in the drawn order; second run: the rest
    for name, cut in zip(order, cuts, strict=True):
        lines = LINES[name]
        k = int(cut * len(lines))
        (folder / name).write_text("".join(lines[:k]))
        ingest(folder / name)
    for name in order:
        (folder / name).write_text("".join(LINES[name]))
        ingest(folder)
    got = snapshot(folder)
    assert got == expected
