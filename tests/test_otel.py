"""Claude Code OpenTelemetry logs (OTLP JSON) against fixtures written from the monitoring
docs, and the same API call seen by both OTel and the transcript counting once.

tests/data/otel/expected.json holds hand-computed totals per fixture (keyed by file stem):
token totals, reported cost, requests per model, events by kind, failed tool results,
duplicates and skipped records; ``per_request`` lists the kept api_requests in file order.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from builders import SESSION, assistant, chain, user
from conftest import DATA, ingest, invoke, jsonl, query, skip_counts, totals

from taskcost.warehouse import Warehouse, default_root

FIXTURES = DATA / "otel"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
FILES = {p.stem: p for p in sorted(FIXTURES.glob("*.json*")) if p.name != "expected.json"}
TOKENS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
)


# --- OTLP JSON builders ---


def value(v: Any, as_: str | None = None) -> dict[str, Any]:
    """An OTLP AnyValue: str -> stringValue, int -> intValue (a JSON string, as the OTLP
    JSON encoding writes int64), float -> doubleValue; ``as_``: every number as a
    stringValue (``string``), or ints as JSON numbers (``int_number``)."""
    if as_ == "string":
        return {"stringValue": str(v)}
    if as_ == "int_number" and isinstance(v, int):
        return {"intValue": v}
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": v}


def record(
    name: str,
    seq: int,
    ts: str,
    *,
    session: str = SESSION,
    prefix: bool = False,
    numbers: str | None = None,
    **attrs: Any,
) -> dict[str, Any]:
    """One Claude Code log record; ``numbers`` writes every number attribute one way."""
    base = {
        "session.id": session,
        "app.version": "2.1.131",
        "user.email": "gail@example.com",
        "event.name": f"claude_code.{name}" if prefix else name,
        "event.timestamp": ts,
        "event.sequence": seq,
        "prompt.id": "prompt-1",
    }
    kvs = [
        {
            "key": k,
            "value": value(v, numbers if isinstance(v, int | float) and not isinstance(v, bool) else None),
        }
        for k, v in {**base, **attrs}.items()
    ]
    return {
        "timeUnixNano": "1791538214201000000",
        "body": {"stringValue": f"claude_code.{name}"},
        "attributes": kvs,
    }


def export(*records: dict[str, Any], scope: str = "com.anthropic.claude_code.events") -> dict[str, Any]:
    return {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "claude-code"}}]
                },
                "scopeLogs": [{"scope": {"name": scope, "version": "2.1.131"}, "logRecords": list(records)}],
            }
        ]
    }


def api_request(
    seq: int, ts: str, req: str, *, inp: int, read: int, write: int, out: int, cost: float = 0.01, **kw: Any
) -> dict[str, Any]:
    return record(
        "api_request",
        seq,
        ts,
        numbers=kw.pop("numbers", None),
        model=kw.pop("model", "claude-sonnet-4-6"),
        input_tokens=inp,
        output_tokens=out,
        cache_read_tokens=read,
        cache_creation_tokens=write,
        cost_usd=cost,
        duration_ms=900,
        request_id=req,
        speed="normal",
        **kw,
    )


# --- the fixtures ---


def test_every_fixture_has_expectations_and_a_readme_line() -> None:
    assert set(FILES) == set(EXPECTED)
    readme = (FIXTURES / "README.md").read_text()
    assert all(f"`{p.name}`" in readme for p in FILES.values())


@pytest.fixture(params=sorted(EXPECTED))
def ingested(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    name = request.param
    src = tmp_path / "in" / FILES[name].name
    src.parent.mkdir(parents=True)
    shutil.copyfile(FILES[name], src)
    return name, ingest(src).stderr


def test_totals_models_and_sessions(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    exp = EXPECTED[name]
    got = query(
        """SELECT count(*) AS requests, sum(input_tokens) AS input_tokens,
                  sum(cache_read_tokens) AS cache_read_tokens,
                  sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
                  sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
                  sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
                  sum(web_search_requests) AS web_search_requests,
                  sum(reported_cost_usd) AS reported_cost_usd,
                  count(DISTINCT session_id) AS sessions
           FROM requests WHERE source = 'otel' AND provider = 'anthropic'"""
    )[0]
    for key in ("requests", *TOKENS, "sessions"):
        assert got[key] == exp[key], (name, key)
    assert got["reported_cost_usd"] == pytest.approx(exp["reported_cost_usd"], abs=1e-9)
    by_model = query("SELECT model, count(*) AS n FROM requests GROUP BY 1")
    assert {r["model"]: r["n"] for r in by_model} == exp["by_model"]


def test_per_request_rows_in_file_order(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    rows = query(
        f"""SELECT request_id AS key, model, {", ".join(TOKENS)}, reported_cost_usd
            FROM requests ORDER BY line_no, ts"""
    )
    assert len(rows) == len(EXPECTED[name]["per_request"])
    for got, exp in zip(rows, EXPECTED[name]["per_request"], strict=True):
        exp = dict(exp)
        assert got.pop("reported_cost_usd") == pytest.approx(exp.pop("reported_cost_usd"), abs=1e-12)
        assert got == exp, name


def test_events_by_kind_and_failed_tool_results(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    exp = EXPECTED[name]
    kinds = query("SELECT kind, count(*) AS n FROM events WHERE source = 'otel' GROUP BY 1")
    assert {r["kind"]: r["n"] for r in kinds} == exp["events"]
    errors = query("SELECT count(*) AS n FROM events WHERE kind = 'tool_result' AND is_error")[0]["n"]
    assert errors == exp["tool_result_errors"]


def test_duplicates_and_skips(ingested: tuple[str, str]) -> None:
    name, stderr = ingested
    exp = EXPECTED[name]
    assert f"{exp['duplicates']} duplicate lines removed" in stderr, stderr
    assert skip_counts(stderr) == exp["skipped"]


def test_identity_and_task_columns(ingested: tuple[str, str]) -> None:
    """prompt.id is the task key; user.email says who; app.version the CLI version."""
    rows = query("SELECT DISTINCT user, cli_version, speed, prompt_id IS NULL AS no_prompt FROM requests")
    assert rows in (
        [{"user": "gail@example.com", "cli_version": "2.1.131", "speed": "standard", "no_prompt": False}],
        [{"user": "hal@example.com", "cli_version": "2.1.119", "speed": "standard", "no_prompt": False}],
    )
    events = query(
        "SELECT count(*) AS n FROM events WHERE prompt_id IS NULL OR user NOT LIKE '%@example.com'"
    )
    assert events == [{"n": 0}]
    api_error = query("SELECT error_kind, error_status FROM events WHERE kind = 'api_error'")
    assert api_error in ([], [{"error_kind": "overloaded", "error_status": 529}])


def test_files_are_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    """The document as .jsonl and the JSON-lines export as .json, next to a transcript:
    each file is read by the right source, the document whole and the lines as lines."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copyfile(FILES["claude_code_logs"], folder / "export.jsonl")
    shutil.copyfile(FILES["collector_file_export"], folder / "collector.json")
    jsonl(
        folder / "session.jsonl",
        [user("hi", "2026-10-09T09:00:00.000Z"), assistant("msg_1", "2026-10-09T09:00:01Z")],
    )
    stderr = ingest(folder).stderr
    assert "read 3 of 3 files" in stderr
    rows = query("SELECT source, count(*) AS n FROM requests GROUP BY 1 ORDER BY 1")
    assert rows == [{"source": "claude_code", "n": 1}, {"source": "otel", "n": 8}]
    entries = Warehouse(default_root()).catalog()
    whole = {Path(p).name: e.get("whole", False) for p, e in entries.items()}
    assert whole == {"export.jsonl": True, "collector.json": False, "session.jsonl": False}


def test_source_option_reads_both_shapes_as_otel(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for p in FILES.values():
        shutil.copyfile(p, folder / p.name)
    result = invoke("ingest", "--source", "otel", "--user", "t", "--machine", "m", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "read 2 of 2 files" in result.stderr
    assert (
        totals()["requests"]
        == EXPECTED["claude_code_logs"]["requests"] + EXPECTED["collector_file_export"]["requests"]
    )
    assert not skip_counts(result.stderr)


def test_a_re_sent_batch_appended_later_counts_once(tmp_path: Path) -> None:
    src = tmp_path / "logs" / "otel.jsonl"
    src.parent.mkdir()
    lines = FILES["collector_file_export"].read_text().splitlines(keepends=True)
    src.write_text(lines[0])
    ingest(src)
    with src.open("a") as f:
        f.write(lines[1])
        f.write(lines[0])  # the whole first batch again
    stderr = ingest(src).stderr
    assert "1 grown" in stderr
    assert totals()["requests"] == EXPECTED["collector_file_export"]["requests"]
    kinds = query("SELECT kind, count(*) AS n FROM events GROUP BY 1")
    assert {r["kind"]: r["n"] for r in kinds} == EXPECTED["collector_file_export"]["events"]


# --- value encodings, odd records ---


@pytest.mark.parametrize("numbers", [None, "int_number", "string"])
def test_numbers_as_int_double_or_string_values(tmp_path: Path, numbers: str | None) -> None:
    """intValue as a JSON string (OTLP JSON) or number, doubleValue, or stringValue
    (Claude Code before 2.1.122): the same request."""
    rec = api_request(
        2,
        "2026-10-09T09:30:15.030Z",
        "req_N",
        inp=431,
        read=7,
        write=25,
        out=38,
        cost=0.000621,
        numbers=numbers,
    )
    jsonl(tmp_path / "o.jsonl", [json.dumps(export(rec))])
    ingest(tmp_path / "o.jsonl")
    assert totals() == {
        "requests": 1,
        "input_tokens": 431,
        "cache_read_tokens": 7,
        "cache_write_5m_tokens": 25,
        "cache_write_1h_tokens": 0,
        "output_tokens": 38,
    }
    row = query("SELECT request_key, reported_cost_usd, context_tokens FROM requests")[0]
    assert row == {"request_key": f"otel:{SESSION}:2", "reported_cost_usd": 0.000621, "context_tokens": 463}


def test_double_values_for_counts_and_prefixed_event_names(tmp_path: Path) -> None:
    rec = record(
        "api_request",
        5,
        "2026-10-09T09:30:15Z",
        prefix=True,
        input_tokens=3.0,
        output_tokens=40.0,
        cache_read_tokens=1000.0,
        cache_creation_tokens=0,
        model="claude-sonnet-4-6",
    )
    jsonl(tmp_path / "o.jsonl", [json.dumps(export(rec))])
    ingest(tmp_path / "o.jsonl")
    assert totals()["output_tokens"] == 40 and totals()["cache_read_tokens"] == 1000


def test_malformed_lines_and_records_are_counted_not_fatal(tmp_path: Path) -> None:
    good = api_request(1, "2026-10-09T09:30:15Z", "req_OK", inp=1, read=2, write=3, out=4)
    bad_type = record("api_request", 2, "2026-10-09T09:30:16Z", input_tokens="many", output_tokens=1)
    negative = api_request(3, "2026-10-09T09:30:17Z", "req_NEG", inp=-5, read=0, write=0, out=1)
    no_tokens = record("api_request", 4, "2026-10-09T09:30:18Z", model="claude-sonnet-4-6")
    no_name = record("api_request", 5, "2026-10-09T09:30:19Z")
    no_name["attributes"] = [kv for kv in no_name["attributes"] if kv["key"] != "event.name"]
    del no_name["body"]
    broken_record = {"attributes": "not a list"}
    http = record("http_request", 1, "2026-10-09T09:30:20Z")
    http["body"] = {"stringValue": "GET /"}
    other_service = export(http, scope="io.opentelemetry.http")
    other_service["resourceLogs"][0]["resource"]["attributes"] = []  # not service.name claude-code
    ignored = record("tool_decision", 6, "2026-10-09T09:30:21Z", tool_name="Bash", decision="accept")
    lines = [
        json.dumps(export(good, bad_type, negative, no_tokens, no_name, broken_record, ignored)),
        '{"resourceLogs": [{"scopeLogs": [',  # cut off
        "[1, 2]",
        json.dumps(other_service),
    ]
    jsonl(tmp_path / "o.jsonl", lines)
    stderr = ingest(tmp_path / "o.jsonl").stderr
    assert skip_counts(stderr) == {
        "unexpected_shape": 2,  # "many", attributes not a list
        "out_of_range": 1,  # -5
        "missing_field": 2,  # no token counts, no event name
        "malformed_json": 1,
        "not_an_object": 1,
        "unknown_line_type": 1,  # another service's record
    }
    assert totals()["requests"] == 1
    assert query("SELECT count(*) AS n FROM events") == [{"n": 0}]  # tool_decision: read, ignored


def test_a_truncated_document_is_one_malformed_document(tmp_path: Path) -> None:
    text = FILES["claude_code_logs"].read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    stderr = ingest(tmp_path / "cut.json").stderr
    assert skip_counts(stderr) == {"malformed_json": 1}
    assert "requests: 0 new" in stderr


def test_a_line_or_document_nested_too_deep_is_malformed_not_a_crash(tmp_path: Path) -> None:
    deep = '{"resourceLogs": [{"scopeLogs": [{"logRecords": [' + "[" * 200_000 + "]" * 200_000 + "]}]}]}"
    lines = FILES["collector_file_export"].read_text().splitlines()
    jsonl(tmp_path / "lines" / "o.jsonl", [lines[0], deep, *lines[1:]])
    stderr = ingest(tmp_path / "lines" / "o.jsonl").stderr
    assert skip_counts(stderr) == {"malformed_json": 1}
    assert totals()["requests"] == EXPECTED["collector_file_export"]["requests"]
    doc = tmp_path / "doc" / "export.json"
    doc.parent.mkdir()
    doc.write_text(
        '{"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": '
        '{"stringValue": "claude-code"}}]},\n"x": ' + "[" * 200_000 + "]" * 200_000 + "}]}\n"
    )
    stderr = ingest(doc).stderr
    assert skip_counts(stderr) == {"malformed_json": 1}


def test_prompt_preview_only_when_prompts_are_logged(tmp_path: Path) -> None:
    long = "Refactor the billing module " + "x" * 300
    recs = [
        record("user_prompt", 1, "2026-10-09T09:30:00Z", prompt_length="142", prompt="<REDACTED>"),
        record("user_prompt", 2, "2026-10-09T09:31:00Z", prompt_length=str(len(long)), prompt=long),
        record("user_prompt", 3, "2026-10-09T09:32:00Z", prompt_length="10"),
    ]
    jsonl(tmp_path / "o.jsonl", [json.dumps(export(*recs))])
    ingest(tmp_path / "o.jsonl")
    rows = query("SELECT prompt_preview FROM events WHERE kind = 'human_prompt' ORDER BY ts")
    assert [r["prompt_preview"] for r in rows] == [None, long[:200], None]


# --- the same API call in the transcript and in OTel ---

T0 = "2026-10-06T08:14:00.000Z"
T1 = "2026-10-06T08:14:22.418Z"
T2 = "2026-10-06T08:15:40.100Z"


def transcript(tmp_path: Path, *, placeholder: bool = False) -> Path:
    """Two responses; the first written once per content block, as Claude Code does. A
    placeholder-era transcript has stop_reason null and start-of-message output counts."""
    out1, out2, stop = (1, 3, None) if placeholder else (420, 96, "end_turn")
    first = dict(inp=7, read=9000, w5=0, w1=300, out=out1, stop=stop)
    return jsonl(
        tmp_path / "claude" / "projects" / "-home-tester-src-shop-api" / f"{SESSION}.jsonl",
        chain(
            [
                user("Fix the flaky test", T0, promptId="prompt-1"),
                assistant("msg_A", T1, req="req_A", **first),
                assistant(
                    "msg_A",
                    T1,
                    req="req_A",
                    **first,
                    block={"type": "tool_use", "id": "toolu_A", "name": "Bash"},
                ),
                assistant("msg_B", T2, req="req_B", inp=2, read=9300, w5=0, w1=150, out=out2, stop=stop),
            ]
        ),
    )


def otel_log(tmp_path: Path) -> Path:
    """The same two calls as OTel sees them (no message id, no 5m/1h split), and a third
    that only OTel has (a compaction call is not in the transcript)."""
    recs = [
        api_request(2, T1, "req_A", inp=7, read=9000, write=300, out=420, cost=0.0123),
        api_request(4, T2, "req_B", inp=2, read=9300, write=150, out=96, cost=0.0045),
        api_request(6, "2026-10-06T08:16:00.000Z", "req_C", inp=5, read=0, write=0, out=700, cost=0.0105),
    ]
    # its path sorts before the transcript's: the file name must not decide which copy is kept
    return jsonl(tmp_path / "0-otel" / "logs.jsonl", [json.dumps(export(*recs))])


BOTH = {
    "requests": 3,
    "input_tokens": 14,
    "cache_read_tokens": 18300,
    "cache_write_5m_tokens": 0,
    "cache_write_1h_tokens": 450,
    "output_tokens": 1216,
}


@pytest.mark.parametrize("order", ["transcript_first", "otel_first", "one_run"])
def test_a_call_in_the_transcript_and_in_otel_counts_once(tmp_path: Path, order: str) -> None:
    """Totals count each call once, whichever was ingested first; on equal usage the
    transcript's copy is kept (it has the 1-hour cache-write split)."""
    claude, otel = transcript(tmp_path), otel_log(tmp_path)
    if order == "one_run":
        ingest(claude, otel)
    else:
        for p in (claude, otel) if order == "transcript_first" else (otel, claude):
            ingest(p)
    assert totals() == BOTH
    kept = query("SELECT request_id, source, message_id FROM requests ORDER BY ts")
    assert kept == [
        {"request_id": "req_A", "source": "claude_code", "message_id": "msg_A"},
        {"request_id": "req_B", "source": "claude_code", "message_id": "msg_B"},
        {"request_id": "req_C", "source": "otel", "message_id": None},
    ]


def test_the_transcript_and_otel_copies_of_a_prompt_are_one_task(tmp_path: Path) -> None:
    """OTel's prompt.id is the transcript's promptId: one task, with the call only OTel saw."""
    ingest(transcript(tmp_path), otel_log(tmp_path))
    result = invoke("tasks", "--format", "json", "--now", "2026-11-23T00:00:00Z")
    [task] = json.loads(result.stdout)
    assert (task["requests"], task["output_tokens"], task["source"]) == (3, 1216, "claude_code")
    assert (task["started_at"], task["prompt_preview"]) == (T0, "Fix the flaky test")
    assert (task["grouping"], task["estimated_requests"]) == ("logged", 0)


@pytest.mark.parametrize("order", ["transcript_first", "otel_first"])
def test_otel_replaces_a_placeholder_era_transcript_copy(tmp_path: Path, order: str) -> None:
    claude, otel = transcript(tmp_path, placeholder=True), otel_log(tmp_path)
    runs = [ingest(p).stderr for p in ((claude, otel) if order == "transcript_first" else (otel, claude))]
    assert totals() == {**BOTH, "cache_write_5m_tokens": 450, "cache_write_1h_tokens": 0}
    kept = query("SELECT DISTINCT source, usage_quality FROM requests")
    assert kept == [{"source": "otel", "usage_quality": "final"}]
    if order == "transcript_first":  # the placeholder copies were replaced
        assert "2 replaced by a more complete copy" in runs[1]
    else:  # the placeholder lines lost: 3 lines, 2 responses, none kept
        assert "0 new, 0 replaced by a more complete copy, 3 duplicate lines removed" in runs[1]


@pytest.mark.parametrize("order", ["transcript_first", "otel_first"])
def test_spend_on_the_same_request_is_counted_once(
    tmp_path: Path, order: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    claude, otel = transcript(tmp_path), otel_log(tmp_path)
    monkeypatch.setenv("TASKCOST_HOME", str(tmp_path / "alone"))
    ingest(claude)
    alone = query("SELECT sum(cost_usd) AS usd FROM requests")[0]["usd"]
    monkeypatch.setenv("TASKCOST_HOME", str(tmp_path / "both"))
    for p in (claude, otel) if order == "transcript_first" else (otel, claude):
        ingest(p)
    only_otel = query("SELECT sum(cost_usd) AS usd FROM requests WHERE request_id = 'req_C'")[0]["usd"]
    both = query("SELECT sum(cost_usd) AS usd FROM requests")[0]["usd"]
    assert alone > 0 and only_otel > 0
    assert both == pytest.approx(alone + only_otel)
    daily = json.loads(invoke("daily", "--format", "json", "--timezone", "UTC").stdout)
    assert sum(r["requests"] for r in daily) == 3
    assert sum(r["cost_usd"] for r in daily) == pytest.approx(both)


@pytest.mark.parametrize("otel_first", [True, False])
def test_a_subagent_call_in_both_logs_keeps_the_sidechain_copy(tmp_path: Path, otel_first: bool) -> None:
    """OTel does not say a subagent made the call; it joins the transcript's sidechain
    copies (the subagent file) and counts once, whichever file is read first."""
    sub = tmp_path / "claude" / SESSION / "subagents" / "agent-a1.jsonl"
    line = assistant(
        "msg_S", T1, req="req_S", inp=4, read=500, w5=0, w1=60, out=30, isSidechain=True, agentId="a1"
    )
    jsonl(sub, [user("look around", T0, isSidechain=True, agentId="a1"), line])
    otel = jsonl(
        tmp_path / "0-otel" / "o.jsonl",
        [json.dumps(export(api_request(3, T1, "req_S", inp=4, read=500, write=60, out=30)))],
    )
    for p in (otel, sub) if otel_first else (sub, otel):
        ingest(p)
    rows = query("SELECT source, is_sidechain, agent_id, cache_write_1h_tokens FROM requests")
    assert rows == [
        {"source": "claude_code", "is_sidechain": True, "agent_id": "a1", "cache_write_1h_tokens": 60}
    ]


@pytest.mark.parametrize(("replayed", "answer"), [("msg_A", "msg_B"), ("msg_B", "msg_A")])
def test_a_btw_side_question_in_both_logs_counts_each_response_once(
    tmp_path: Path, replayed: str, answer: str
) -> None:
    """A /btw side question replays an earlier response into a sidechain under its own
    request id, which is also the request id of its answer: OTel's copy of that request
    must not count a third time, whichever message id sorts first."""
    main = assistant(replayed, T1, req="req_1", inp=5, read=1000, w5=0, w1=100, out=40)
    replay = {
        **main,
        "requestId": "req_2",
        "isSidechain": True,
        "uuid": "00000000-0000-4000-8000-00000000aaaa",
    }
    side = assistant(answer, T2, req="req_2", inp=9, read=1000, w5=0, w1=20, out=70, isSidechain=True)
    jsonl(tmp_path / "claude" / "s.jsonl", [user("go", T0), main, replay, side])
    otel = api_request(7, T2, "req_2", inp=9, read=1000, write=20, out=70)
    jsonl(tmp_path / "0-otel" / "o.jsonl", [json.dumps(export(otel))])
    ingest(tmp_path / "claude", tmp_path / "0-otel")
    assert totals() == {
        "requests": 2,
        "input_tokens": 14,
        "cache_read_tokens": 2000,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 120,
        "output_tokens": 110,
    }


def test_a_tool_result_in_both_logs_is_one_event(tmp_path: Path) -> None:
    from builders import tool_result

    jsonl(tmp_path / "claude" / "s.jsonl", [user("go", T0), tool_result("toolu_A", T1)])
    rec = record("tool_result", 3, T1, tool_name="Bash", tool_use_id="toolu_A", success="true")
    jsonl(tmp_path / "otel" / "o.jsonl", [json.dumps(export(rec))])
    ingest(tmp_path / "claude", tmp_path / "otel")
    assert query("SELECT count(*) AS n FROM events WHERE kind = 'tool_result'") == [{"n": 1}]
