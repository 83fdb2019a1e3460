"""The ingest fuzz harness (tests/fuzzing.py), a short deterministic run.

The long run, whose figures RELIABILITY.md records, is the same tests with more
examples and a fresh random seed each time::

    TASKCOST_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest -q -s tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import fuzzing
import pytest
from conftest import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("TASKCOST_FUZZ_EXAMPLES", "0"))
fuzz = settings(
    max_examples=EXAMPLES or 25,
    derandomize=not EXAMPLES,  # the suite's run is the same every time; the long run is not
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module", autouse=True)
def figures() -> object:
    """Print what the run tried (the long run's figures go to RELIABILITY.md)."""
    yield
    if EXAMPLES:
        print("\nfuzz figures:", json.dumps(dict(sorted(fuzzing.STATS.items()))))


@pytest.mark.parametrize("source", sorted(fuzzing.LINE_SEEDS))
@fuzz
@given(data=st.data())
def test_a_skipped_line_is_as_if_it_were_not_there(source: str, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(fuzzing.LINE_SEEDS[source]), label="seed")
    content = data.draw(fuzzing.mutated_lines(fuzzing.seed_lines(source, name)), label="input")
    with tempfile.TemporaryDirectory() as folder:
        fuzzing.check_lines(Path(folder), source, name, content)


@pytest.mark.parametrize("source", sorted(fuzzing.DOCUMENT_SEEDS))
@fuzz
@given(data=st.data())
def test_a_skipped_export_item_is_as_if_it_were_not_there(source: str, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(fuzzing.DOCUMENT_SEEDS[source]), label="seed")
    doc = json.loads((fuzzing.DATA / name).read_text())
    path = data.draw(st.sampled_from(fuzzing.document_items(doc)), label="item")
    item = data.draw(fuzzing.mutated_json(fuzzing.get(doc, path)), label="mutated")
    with tempfile.TemporaryDirectory() as folder:
        fuzzing.check_document(Path(folder), name, doc, path, item)


@fuzz
@given(data=st.data())
def test_a_skipped_csv_row_is_as_if_it_were_not_there(data: st.DataObject) -> None:
    header, rows = fuzzing.csv_rows("litellm/spend_logs.csv")
    k = data.draw(st.integers(0, len(rows) - 1), label="row")
    c = data.draw(st.integers(0, len(header) - 1), label="column")
    value = data.draw(st.one_of(st.sampled_from([str(v) for v in fuzzing.HOSTILE]), st.text()), label="value")
    changed = [list(r) for r in rows]
    changed[k][c] = value
    with tempfile.TemporaryDirectory() as folder:
        f = Path(folder) / "spend.csv"
        f.write_bytes(fuzzing.write_csv(header, changed))
        got, report = fuzzing.staged(f, "litellm")
        if not sum(report.skips.values()):
            return
        f.write_bytes(fuzzing.write_csv(header, [r for n, r in enumerate(rows) if n != k]))
        want, _ = fuzzing.staged(f, "litellm")
        assert fuzzing.same(got, want)


@settings(fuzz, max_examples=max(EXAMPLES // 20, 8))
@given(data=st.data())
def test_hostile_input_goes_through_the_whole_pipeline(data: st.DataObject) -> None:
    """Merge, pricing and a report run on what ingest kept: exit 0, never a traceback."""
    source = data.draw(st.sampled_from(sorted(fuzzing.LINE_SEEDS)), label="source")
    name = data.draw(st.sampled_from(fuzzing.LINE_SEEDS[source]), label="seed")
    content = data.draw(fuzzing.mutated_lines(fuzzing.seed_lines(source, name)), label="input")
    with tempfile.TemporaryDirectory() as folder:
        f = Path(folder) / fuzzing.file_name(source, name)
        f.write_bytes(content)
        env = {"TASKCOST_HOME": str(Path(folder) / "wh")}
        result = invoke("ingest", "--user", "u", "--machine", "m", str(f), env=env)
        assert result.exit_code == 0, result.stderr
        report = invoke("daily", "--format", "json", env=env)  # an exception would propagate
        assert report.exit_code in (0, 3), report.stderr  # 3: nothing was kept (NoData)
        fuzzing.STATS["pipeline runs"] += 1
