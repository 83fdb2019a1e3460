"""LiteLLM proxy spend logs against fixtures written from LiteLLM's schema and code.

tests/data/litellm/expected.json holds hand-computed totals per file (and for the two
exports of the same table ingested together) after mapping LiteLLM's usage to ours:
``prompt_tokens`` includes cache reads and, for Anthropic models, cache writes.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from builders import assistant, user
from conftest import DATA, copy_tree, ingest, invoke, jsonl, query, skip_counts, totals

from taskcost.ingest import litellm
from taskcost.ingest._base import utc_time

FIXTURES = DATA / "litellm"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
CSV = FIXTURES / "spend_logs.csv"
JSON = FIXTURES / "spend_logs.json"
TOKENS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
)
FAILED_ID = "5f0c3a8e-2b7d-4e1f-9a6c-8d3b1e5f7a20"  # the CSV's status = failure row


def _totals() -> dict[str, Any]:
    return query(
        """SELECT count(*) AS requests, sum(input_tokens) AS input_tokens,
                  sum(cache_read_tokens) AS cache_read_tokens,
                  sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
                  sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
                  sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
                  sum(web_search_requests) AS web_search_requests,
                  sum(reported_cost_usd) AS reported_cost_usd,
                  count(DISTINCT session_id) FILTER (NOT starts_with(session_id, 'litellm:')) AS sessions,
                  count(*) FILTER (cost_source <> 'computed') AS not_priced
           FROM requests WHERE source = 'litellm'"""
    )[0]


def _per_request() -> list[dict[str, Any]]:
    """Kept rows in file order (the CSV's path sorts before the JSON's)."""
    return query(
        f"""SELECT message_id AS key, model, {", ".join(TOKENS)}, reported_cost_usd
            FROM requests WHERE source = 'litellm' ORDER BY source_file, line_no"""
    )


def _failed_requests(stderr: str) -> int:
    """Failed rows the ingest summary says it read and did not count as requests."""
    return sum(int(n) for n in re.findall(r"read, not billed \(not requests\): (\d+) failed calls", stderr))


def _copy(names: list[str], folder: Path) -> list[Path]:
    return [copy_tree(FIXTURES / n, folder / n) for n in names]


def _check(exp: dict[str, Any], stderr: str) -> None:
    got = _totals()
    for key in ("requests", *TOKENS, "sessions"):
        assert got[key] == exp[key], key
    assert got["reported_cost_usd"] == pytest.approx(exp["reported_cost_usd"], abs=1e-9)
    assert got["not_priced"] == 0
    by_model = query("SELECT model, count(*) AS n FROM requests WHERE source = 'litellm' GROUP BY 1")
    assert {r["model"]: r["n"] for r in by_model} == exp["by_model"]
    rows = _per_request()
    assert [r["key"] for r in rows] == [r["key"] for r in exp["per_request"]]
    for r, e in zip(rows, exp["per_request"], strict=True):
        assert {k: r[k] for k in ("model", *TOKENS)} == {k: e[k] for k in ("model", *TOKENS)}, e["key"]
        assert r["reported_cost_usd"] == pytest.approx(e["reported_cost_usd"], abs=1e-12), e["key"]
    events = query("SELECT kind, count(*) AS n FROM events WHERE source = 'litellm' GROUP BY 1")
    assert {r["kind"]: r["n"] for r in events} == exp["events"]
    assert skip_counts(stderr) == exp["skipped"]
    assert _failed_requests(stderr) == exp["failed_requests"]
    assert query("SELECT count(*) AS n FROM requests WHERE message_id = $id", id=FAILED_ID)[0]["n"] == 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_totals_models_sessions_costs_and_rows(name: str, tmp_path: Path) -> None:
    exp = EXPECTED[name]
    stderr = ingest(*_copy(name.split("+"), tmp_path / "in")).stderr
    _check(exp, stderr)
    assert f"{exp['duplicates']} duplicate lines removed" in stderr


@pytest.mark.parametrize(
    "order", [["spend_logs.csv", "spend_logs.json"], ["spend_logs.json", "spend_logs.csv"]]
)
def test_the_two_exports_count_once_in_either_order_and_over_runs(order: list[str], tmp_path: Path) -> None:
    """The JSON page repeats a CSV row: one request, the same kept copy, whichever file
    is ingested first, in one run or in two."""
    exp = EXPECTED["spend_logs.csv+spend_logs.json"]
    stderr = "".join(ingest(*_copy([name], tmp_path / "in")).stderr for name in order)
    _check(exp, stderr)


def test_the_row_says_who_ran_it_and_when(tmp_path: Path) -> None:
    ingest(*_copy(["spend_logs.csv", "spend_logs.json"], tmp_path / "in"))
    users = query("SELECT DISTINCT user FROM requests ORDER BY 1")
    assert [r["user"] for r in users] == ["ci-bot", "dana@example.com"], "the user column overrides --user"
    first = query(
        "SELECT ts, provider, session_id FROM requests WHERE message_id = 'msg_01Jq7Vc3Ns8Kb2Tw5Lx9Rd4M'"
    )[0]
    assert first["ts"] == datetime(2026, 10, 8, 14, 2, 11, 284000, tzinfo=UTC), "naive CSV time is UTC"
    assert first["provider"] == "anthropic"
    assert first["session_id"] == "0b6c1f0e-3d2a-4c8b-9e7f-5a1d4b2c8e90"
    opus = query("SELECT ts FROM requests WHERE message_id = 'msg_01Qx8Mb3Vr6Tc1Wk4Nd9Lh2S'")[0]
    assert opus["ts"] == datetime(2026, 10, 8, 15, 20, 4, 117000, tzinfo=UTC)
    no_session = query(
        "SELECT session_id FROM requests WHERE message_id = 'chatcmpl-CQ2nB3xLq8Vd5Wm2Rt9Kc6Hy4Pz'"
    )
    assert no_session == [{"session_id": "litellm:spend_logs"}], "no session_id: the file is the session"


def test_times_with_an_offset_or_in_unix_seconds_are_utc() -> None:
    assert utc_time("2026-10-08T16:03:27.905+02:00") == datetime(2026, 10, 8, 14, 3, 27, 905000, tzinfo=UTC)
    assert utc_time("2026-10-08 14:03:27.905") == datetime(2026, 10, 8, 14, 3, 27, 905000, tzinfo=UTC)
    assert utc_time(1791468207) == datetime.fromtimestamp(1791468207, UTC)
    assert utc_time("yesterday") is None


def test_files_are_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    """A CSV export named .json and a JSON page named .csv, in a folder, and an
    export with an unknown extension given by path."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(CSV, folder / "page.json")
    shutil.copyfile(JSON, folder / "table.csv")
    stderr = ingest(folder).stderr
    assert "not recognised" not in stderr
    assert _totals()["requests"] == EXPECTED["spend_logs.csv+spend_logs.json"]["requests"]
    assert litellm.SOURCE.sniff_document(CSV.read_bytes()[: 64 << 10])
    assert litellm.SOURCE.sniff_document(JSON.read_bytes()[: 64 << 10])
    assert not litellm.SOURCE.sniff_document(b'{"data": [], "has_more": false}')
    assert not litellm.SOURCE.sniff_document(b"date,model,cost\n2026-10-08,x,1\n")


def test_an_export_with_an_unknown_extension_given_by_path(tmp_path: Path) -> None:
    src = copy_tree(CSV, tmp_path / "in" / "spend.export")
    ingest(src)
    assert _totals()["requests"] == EXPECTED["spend_logs.csv"]["requests"]


def test_a_first_row_larger_than_the_sniffed_head_is_still_recognised(tmp_path: Path) -> None:
    rows = json.loads(JSON.read_text())
    rows[0]["messages"] = [{"role": "user", "content": "x" * (80 << 10)}]  # stored prompts
    src = tmp_path / "in" / "big.json"
    src.parent.mkdir()
    src.write_text(json.dumps(rows, indent=2))
    ingest(src)
    assert _totals()["requests"] == EXPECTED["spend_logs.json"]["requests"]


def test_source_litellm_reads_every_file_as_a_spend_log(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _copy(["spend_logs.csv", "spend_logs.json"], folder)
    result = ingest(folder, extra=("--source", "litellm"))
    _check(EXPECTED["spend_logs.csv+spend_logs.json"], result.stderr)


def test_json_lines_of_rows_are_read_and_grow(tmp_path: Path) -> None:
    rows = json.loads(JSON.read_text())
    failed = {**rows[0], "request_id": "failed-1", "status": "failure", "spend": 0, "metadata": {}}
    src = jsonl(tmp_path / "in" / "rows.jsonl", [rows[0], failed, rows[1]])
    stderr = ingest(src).stderr
    assert _totals()["requests"] == 2
    assert _failed_requests(stderr) == 1
    with src.open("a") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows[2:]))
    stderr = ingest(src).stderr
    assert "1 grown" in stderr
    _check({**EXPECTED["spend_logs.json"], "failed_requests": 0}, stderr)  # read in the first run


def test_a_csv_with_a_bom_crlf_and_a_cell_over_two_lines(tmp_path: Path) -> None:
    """As Excel or psql on Windows write it; rows are numbered by the line they start on."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(CSV.read_text(), newline="")))
    rows[2][rows[0].index("messages")] = '[{"role": "user", "content": "line one\nline two"}]'
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    src = tmp_path / "in" / "excel.csv"
    src.parent.mkdir()
    src.write_bytes(out.getvalue().encode("utf-8-sig"))
    stderr = ingest(src).stderr
    got = query("SELECT message_id, line_no FROM requests ORDER BY line_no")
    assert [r["line_no"] for r in got] == [2, 3, 5, 6, 7]
    _check(EXPECTED["spend_logs.csv"], stderr)


def _csv_with(tmp_path: Path, extra_lines: list[str]) -> Path:
    lines = CSV.read_text().splitlines(keepends=True)
    src = tmp_path / "in" / "bad.csv"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text("".join([*lines[:3], *extra_lines]))  # header and two good rows
    return src


def _bad_rows() -> list[str]:
    good = CSV.read_text().splitlines(keepends=True)[1]
    cells = good.split(",", 7)  # request_id … startTime (no commas before the metadata)
    no_id = ",".join(["", *cells[1:]])
    bad_tokens = ",".join([*cells[:5], "lots", *cells[6:]])
    bad_metadata = good.replace('"{""user_api_key""', '"{not json ""user_api_key""')
    return [no_id, bad_tokens, bad_metadata, "msg_short,acompletion\n"]


def test_malformed_rows_are_counted_and_reported_not_fatal(tmp_path: Path) -> None:
    src = _csv_with(tmp_path, _bad_rows())
    stderr = ingest(src).stderr
    assert skip_counts(stderr) == {"missing_field": 1, "unexpected_shape": 2, "malformed_json": 1}
    assert f"{src}:4: row without request_id" in stderr, "the line the row starts on"
    assert f"{src}:7: 2 cells, the header has 32" in stderr
    assert _totals()["requests"] == 2


def test_a_malformed_element_of_a_json_page_is_counted(tmp_path: Path) -> None:
    rows: list[Any] = json.loads(JSON.read_text())
    rows[1]["prompt_tokens"] = "many"
    rows.append(7)
    src = tmp_path / "in" / "page.json"
    src.parent.mkdir()
    src.write_text(json.dumps(rows, indent=2))
    stderr = ingest(src).stderr
    assert skip_counts(stderr) == {"unexpected_shape": 1, "not_an_object": 1}
    assert f"{src}:2: " in stderr, "elements are numbered by position"
    assert _totals()["requests"] == 3


def test_strict_fails_and_writes_nothing(tmp_path: Path) -> None:
    src = _csv_with(tmp_path, _bad_rows())
    result = invoke("ingest", "--strict", str(src))
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "--strict" in result.stderr and "missing_field" in result.stderr
    assert not (tmp_path / "warehouse" / "manifest.json").exists()


def _anthropic_row(**usage: Any) -> dict[str, Any]:
    return {
        "request_id": "msg_OLD",
        "spend": 0.01,
        "prompt_tokens": usage["prompt_tokens"],
        "completion_tokens": 5,
        "startTime": "2026-10-08T14:00:00+00:00",
        "model": "claude-sonnet-4-6",
        "custom_llm_provider": "anthropic",
        "status": "success",
        "metadata": {"usage_object": {"completion_tokens": 5, **usage}},
    }


@pytest.mark.parametrize(
    ("prompt", "expected_input"),
    [(1510, 10), (1010, 10), (10, 10)],
    ids=["reads-and-writes-included", "writes-left-out", "cache-left-out"],
)
def test_anthropic_prompt_tokens_of_older_releases(tmp_path: Path, prompt: int, expected_input: int) -> None:
    """Current LiteLLM: prompt = input + read + write; 2025 releases left writes out; a
    count that only fits one reading is read that way."""
    row = _anthropic_row(prompt_tokens=prompt, cache_read_input_tokens=1000, cache_creation_input_tokens=500)
    ingest(jsonl(tmp_path / "in" / "old.jsonl", [row]))
    assert totals() == {
        "requests": 1,
        "input_tokens": expected_input,
        "cache_read_tokens": 1000,
        "cache_write_5m_tokens": 500,
        "cache_write_1h_tokens": 0,
        "output_tokens": 5,
    }


def test_a_row_without_usage_object_uses_the_columns(tmp_path: Path) -> None:
    row = {**_anthropic_row(prompt_tokens=900), "metadata": {"usage_object": None}, "prompt_tokens": 900}
    ingest(jsonl(tmp_path / "in" / "bare.jsonl", [row]))
    got = totals()
    assert (got["requests"], got["input_tokens"], got["output_tokens"]) == (1, 900, 5)


@pytest.mark.parametrize("other", ["api_log", "claude_code"])
def test_a_response_also_in_an_api_log_or_a_transcript_counts_once(tmp_path: Path, other: str) -> None:
    """CSV row 2 (msg_01Nb4…) seen by the proxy and by the client: one request."""
    ts = "2026-10-08T14:03:36.118Z"
    line = assistant(
        "msg_01Nb4Xq8Tc2Lw6Rv9Kd3Hm7P", ts, req="req_01Nb4", inp=1289, read=23336, w5=2904, w1=0, out=356
    )
    if other == "api_log":
        jsonl(tmp_path / "gateway" / "log.jsonl", [{"timestamp": ts, "response": line["message"]}])
    else:
        jsonl(tmp_path / "gateway" / "s.jsonl", [user("Fix it", "2026-10-08T14:03:20.000Z"), line])
    _copy(["spend_logs.csv"], tmp_path / "proxy")
    stderr = ingest(tmp_path / "proxy", tmp_path / "gateway").stderr
    exp = EXPECTED["spend_logs.csv"]
    assert totals() == {"requests": exp["requests"], **{k: exp[k] for k in TOKENS[:5]}}
    assert "1 duplicate lines removed" in stderr
