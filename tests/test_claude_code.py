"""The Claude Code ingester against one fixture per quirk.

Every fixture in tests/data/claude_code has hand-computed expectations in expected.json
(worked out from the documented rules, not by running taskcost): request and token
totals, placeholder and sidechain counts, cost, skipped lines by reason, events by kind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, copy_tree, fixture_names, ingest, invoke, query, skip_counts
from conftest import fixture_path as fixture_in

FIXTURES = DATA / "claude_code"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
TOKEN_KEYS = (
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "web_search_requests",
)


def fixture_path(name: str) -> Path:
    return fixture_in(FIXTURES, name)


def test_every_fixture_has_expectations_and_a_readme_line() -> None:
    assert fixture_names(FIXTURES) == set(EXPECTED)


@pytest.fixture(params=sorted(EXPECTED))
def ingested(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    name = request.param
    # a copy, so that the file paths in the warehouse are the test's own
    src = copy_tree(fixture_path(name), tmp_path / "in" / fixture_path(name).name)
    return name, ingest(src).stderr


def test_request_totals(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    exp = EXPECTED[name]
    got = (
        query(
            """SELECT count(*) AS requests,
                  coalesce(sum(input_tokens), 0) AS input_tokens,
                  coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
                  coalesce(sum(cache_write_5m_tokens), 0) AS cache_write_5m_tokens,
                  coalesce(sum(cache_write_1h_tokens), 0) AS cache_write_1h_tokens,
                  coalesce(sum(output_tokens), 0) AS output_tokens,
                  coalesce(sum(web_search_requests), 0) AS web_search_requests,
                  count(*) FILTER (usage_quality = 'placeholder') AS placeholder_requests,
                  count(*) FILTER (is_sidechain) AS sidechain_requests,
                  count(*) FILTER (cost_source = 'unpriced') AS unpriced_requests
           FROM requests"""
        )[0]
        if _has_requests()
        else dict.fromkeys(
            (*TOKEN_KEYS, "placeholder_requests", "sidechain_requests", "unpriced_requests"), 0
        )
    )
    for key in (*TOKEN_KEYS, "placeholder_requests", "sidechain_requests"):
        assert got[key] == exp[key], f"{name}: {key}"
    # requests priced by the log's own cost are not unpriced in our sense
    reported = _count("SELECT count(*) AS n FROM requests WHERE cost_source = 'reported'")
    assert got["unpriced_requests"] + reported == exp["unpriced_requests"], name


def test_cost(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    exp = EXPECTED[name]["cost_usd"]
    if not _has_requests():
        assert exp is None
        return
    got = query("SELECT sum(cost_usd) AS c FROM requests")[0]["c"]
    if exp is None:
        assert got is None, f"{name}: unpriced requests must not cost $0"
    else:
        assert got == pytest.approx(exp, rel=1e-9, abs=1e-9), name


def test_per_request_rows(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    expected = EXPECTED[name].get("per_request")
    if not expected:
        pytest.skip("no per-request expectations")
    rows = query(
        "SELECT message_id, request_id, model, is_sidechain, usage_quality, context_tokens, "
        "output_tokens, cost_usd FROM requests ORDER BY ts, message_id"
    )
    assert len(rows) == len(expected), name
    by_id = {(r["message_id"], r["request_id"]): r for r in rows}
    for e in expected:
        r = by_id[(e["message_id"], e["request_id"])]
        for key in ("model", "is_sidechain", "usage_quality", "context_tokens", "output_tokens"):
            assert r[key] == e[key], f"{name} {e['message_id']} {key}"
        if e.get("cost_usd") is None:
            assert r["cost_usd"] is None or EXPECTED[name].get("cost_source") == "reported"
        else:
            assert r["cost_usd"] == pytest.approx(e["cost_usd"], rel=1e-9, abs=1e-9)


def test_skipped_lines_are_counted_by_reason(ingested: tuple[str, str]) -> None:
    name, stderr = ingested
    skips = EXPECTED[name]["skips"]
    if not skips:
        assert "skipped lines" not in stderr
        return
    assert f"skipped lines: {sum(skips.values())}" in stderr
    assert skip_counts(stderr) == skips


def test_events_by_kind(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    got = (
        {r["kind"]: r["n"] for r in query("SELECT kind, count(*) AS n FROM events GROUP BY kind")}
        if _has_events()
        else {}
    )
    assert got == EXPECTED[name]["events"], name


def test_strict_fails_and_writes_nothing_when_lines_are_skipped(tmp_path: Path) -> None:
    src = copy_tree(FIXTURES / "malformed_lines.jsonl", tmp_path / "in" / "m.jsonl")
    result = invoke("ingest", "--strict", str(src))
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "--strict" in result.stderr and "malformed_json" in result.stderr
    assert not (tmp_path / "warehouse" / "manifest.json").exists()


def _has_requests() -> bool:
    return _count("SELECT count(*) AS n FROM requests") > 0


def _has_events() -> bool:
    return _count("SELECT count(*) AS n FROM events") > 0


def _count(sql: str) -> int:
    return int(query(sql)[0]["n"])


@pytest.mark.parametrize(
    ("name", "sql", "expected"),
    [
        (
            "compaction",
            "SELECT pre_compaction_tokens AS a, post_compaction_tokens AS b, compaction_trigger AS c "
            "FROM events WHERE kind = 'compaction'",
            [{"a": 167000, "b": 7000, "c": "auto"}],
        ),
        ("compaction", "SELECT detail AS a FROM events WHERE kind = 'meta_user'", [{"a": "compact_summary"}]),
        (
            "api_error",
            "SELECT error_kind AS a FROM events WHERE kind = 'api_error' ORDER BY ts",
            [{"a": "rate_limit"}, {"a": "authentication_failed"}, {"a": "server_error"}],
        ),
        (
            "interrupt_and_rejection",
            "SELECT detail AS a FROM events WHERE kind = 'interrupt' ORDER BY ts",
            [{"a": "during_tool_use"}, {"a": "during_response"}],
        ),
        (
            "interrupt_and_rejection",
            "SELECT count(*) AS a FROM events WHERE kind = 'tool_result' AND is_error",
            [{"a": 1}],
        ),
        (
            "commands_and_meta",
            "SELECT detail AS a, prompt_preview AS b FROM events WHERE kind = 'command'",
            [{"a": "model", "b": "/model opus"}],
        ),
        (
            "subagent_layout",
            "SELECT DISTINCT agent_id IS NOT NULL AS a, model AS b FROM requests WHERE is_sidechain",
            [{"a": True, "b": "claude-haiku-4-5-20251001"}],
        ),
        ("reported_cost_v1", "SELECT DISTINCT cost_source AS a FROM requests", [{"a": "reported"}]),
        (
            "fast_mode",
            "SELECT model AS a, cost_source AS b FROM requests WHERE cost_usd IS NULL",
            [{"a": "claude-opus-4-6", "b": "unpriced"}],
        ),
        ("resume_replay", "SELECT count(DISTINCT session_id) AS a FROM requests", [{"a": 2}]),
    ],
)
def test_fixture_fact(name: str, sql: str, expected: list[dict[str, object]], tmp_path: Path) -> None:
    """Facts some fixtures pin beyond the totals."""
    ingest(copy_tree(fixture_path(name), tmp_path / "in" / fixture_path(name).name))
    assert query(sql) == expected
