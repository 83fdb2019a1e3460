"""Per-request API logs against fixtures written from the providers' docs.

tests/data/api_log/expected.json holds hand-computed totals after mapping each
provider's token semantics to ours (OpenAI input includes cached input; Anthropic's
does not), skipped lines by reason and duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import assistant, user
from conftest import DATA, copy_tree, fixture_names, ingest, jsonl, query, skip_counts, totals

FIXTURES = DATA / "api_log"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def test_every_fixture_has_expectations_and_a_readme_line() -> None:
    assert fixture_names(FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_totals_models_sessions_and_skips(name: str, tmp_path: Path) -> None:
    exp = EXPECTED[name]
    stderr = ingest(copy_tree(FIXTURES / f"{name}.jsonl", tmp_path / "in" / f"{name}.jsonl")).stderr
    got = query(
        """SELECT count(*) AS requests, sum(input_tokens) AS input_tokens,
                  sum(cache_read_tokens) AS cache_read_tokens,
                  sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
                  sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
                  sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
                  sum(web_search_requests) AS web_search_requests,
                  count(DISTINCT session_id) FILTER (NOT starts_with(session_id, 'api:')) AS sessions,
                  count(*) FILTER (cost_source <> 'computed') AS not_priced
           FROM requests WHERE source = 'api_log'"""
    )[0]
    for key in (
        "requests",
        "input_tokens",
        "cache_read_tokens",
        "cache_write_5m_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "reasoning_tokens",
        "web_search_requests",
    ):
        assert got[key] == exp[key], f"{name}: {key}"
    assert got["sessions"] == (exp["sessions"] or 0), name
    assert got["not_priced"] == 0, name
    by_model = query("SELECT model, count(*) AS n FROM requests GROUP BY 1")
    assert {r["model"]: r["n"] for r in by_model} == exp["by_model"]
    assert skip_counts(stderr) == exp["skipped"], name
    assert f"{exp['duplicates']} duplicate lines removed" in stderr


def test_the_line_says_who_ran_it_and_which_task() -> None:
    ingest(FIXTURES / "anthropic_messages.jsonl")
    rows = query("SELECT user, prompt_id, count(*) AS n FROM requests GROUP BY ALL ORDER BY ALL")
    assert {r["user"] for r in rows} == {"dana@example.com", "eli@example.com"}, (
        "metadata.user overrides --user"
    )
    assert all(r["prompt_id"] and r["prompt_id"].startswith("task-") for r in rows)


@pytest.mark.parametrize("logged_request_id", [True, False])
def test_a_request_in_a_transcript_and_an_api_log_counts_once(
    tmp_path: Path, logged_request_id: bool
) -> None:
    """A gateway log and the agent's transcript see the same response: one request, with
    or without the request id in the log."""
    ts = "2026-10-06T08:14:22.418Z"
    line = assistant("msg_SHARED", ts, req="req_SHARED", inp=7, read=9000, w5=0, w1=300, out=420)
    jsonl(tmp_path / "claude" / "s.jsonl", [user("Fix it", "2026-10-06T08:14:00.000Z"), line])
    wrapped = {"timestamp": ts, "response": line["message"]}
    if logged_request_id:
        wrapped["request_id"] = "req_SHARED"
    jsonl(tmp_path / "gateway" / "log.jsonl", [wrapped])
    ingest(tmp_path / "claude", tmp_path / "gateway")
    assert totals() == {
        "requests": 1,
        "input_tokens": 7,
        "cache_read_tokens": 9000,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 300,
        "output_tokens": 420,
    }


# USD per million tokens (input, cache read, 5m write, 1h write, output), from the
# providers' price pages; web search $10 per 1,000. Written by hand, not read from
# genai-prices, so a mapping error (reasoning priced twice, cached input priced as input)
# shows up as a wrong cost.
RATES = {
    "claude-sonnet-4-6": (3.0, 0.3, 3.75, 6.0, 15.0),
    "claude-haiku-4-5-20251001": (1.0, 0.1, 1.25, 2.0, 5.0),
    "claude-opus-4-7": (5.0, 0.5, 6.25, 10.0, 25.0),
    "gpt-4.1-mini-2025-04-14": (0.4, 0.1, 0.0, 0.0, 1.6),
    "gpt-5-mini-2025-08-07": (0.25, 0.025, 0.0, 0.0, 2.0),
}


@pytest.mark.parametrize("name", ["anthropic_messages", "openai_chat", "duplicates_and_bad_lines"])
def test_costs_by_hand(name: str, tmp_path: Path) -> None:
    ingest(copy_tree(FIXTURES / f"{name}.jsonl", tmp_path / "in" / f"{name}.jsonl"))
    got = {r["request_key"]: r["cost_usd"] for r in query("SELECT request_key, cost_usd FROM requests")}
    for r in EXPECTED[name]["per_request"]:
        inp, read, w5, w1, out = RATES[r["model"]]
        want = (
            r["input_tokens"] * inp
            + r["cache_read_tokens"] * read
            + r["cache_write_5m_tokens"] * w5
            + r["cache_write_1h_tokens"] * w1
            + r["output_tokens"] * out
        ) / 1e6 + r["web_search_requests"] * 0.01
        assert got[r["key"]] == pytest.approx(want, rel=1e-9), r["key"]
