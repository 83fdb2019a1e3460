"""Tasks and outcomes on the real logs (read by path; skipped when absent).

``data/real_tasks/expected.json`` was written by reading the files, not by running
taskcost: per file, every task's start (the prompt's timestamp as logged), its tokens
(input, cache read, cache write, output; Codex: the turn's delta of the cumulative
totals), its request count (Claude Code) and the outcome the rule table of
docs/tasks.md gives. Facts it pins, checked line by line: the interrupts, tool rejection
and three server errors of the jgive session, the login failure with zero spend
(vertex), Codex's aborted turn (edgerunner) and unfinished sessions (txguardian,
fundwise), the auto-compaction inside one task (posthog), deliveries by commit, push
and passing tests.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, REAL_LOGS, ingest, invoke, query

EXPECTED: dict[str, list[dict]] = json.loads((DATA / "real_tasks" / "expected.json").read_text())
pytestmark = [
    pytest.mark.real_logs,
    pytest.mark.skipif(not REAL_LOGS.is_dir(), reason=f"real logs not found at {REAL_LOGS}"),
]
NOW = "2026-11-23T00:00:00Z"


def tasks_of(rel: str) -> list[dict]:
    ingest(REAL_LOGS / rel)
    result = invoke("tasks", "--format", "json", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_tasks_and_outcomes_match_the_reading_of_the_file(rel: str) -> None:
    got = {t["started_at"]: t for t in tasks_of(rel)}
    assert sorted(got) == sorted(t["started_at"] for t in EXPECTED[rel])
    for want in EXPECTED[rel]:
        t = got[want["started_at"]]
        tokens = [t["input_tokens"], t["cache_read_tokens"], t["cache_write_tokens"], t["output_tokens"]]
        assert tokens == want["tokens"], want["started_at"]
        assert [t["outcome"], t["outcome_reason"], t["outcome_confidence"]] == want["outcome"], (
            want["started_at"],
            t["outcome_evidence"],
        )
        if "requests" in want:
            assert t["requests"] == want["requests"], want["started_at"]


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_spend_is_conserved(rel: str) -> None:
    """Tasks plus the outside bucket add up to the requests table, to the token."""
    tasks = tasks_of(rel)
    outside = query(
        "SELECT count(*) AS n, coalesce(sum(input_tokens + cache_read_tokens + output_tokens), 0) AS t "
        "FROM task_items WHERE item = 'request' AND task_key IS NULL"
    )[0]
    total = query(
        "SELECT count(*) AS n, coalesce(sum(input_tokens + cache_read_tokens + output_tokens), 0) AS t "
        "FROM requests"
    )[0]
    assert sum(t["requests"] for t in tasks) + outside["n"] == total["n"]
    in_tasks = sum(t["input_tokens"] + t["cache_read_tokens"] + t["output_tokens"] for t in tasks)
    assert in_tasks + outside["t"] == total["t"]
    assert outside["n"] == 0  # no real file has warm-up calls or unlinked subagents


def test_compaction_inside_a_task_keeps_the_context_growth() -> None:
    tasks = tasks_of("claude_code/posthog-impact-dashboard__claude-session.jsonl")
    big = next(t for t in tasks if t["started_at"] == "2026-04-26T22:14:05.357Z")
    assert big["compactions"] == 1 and big["requests"] == 153
    # the context fell from ~166k to ~16k at the compaction; growth counts only the rises
    assert big["ctx_peak"] == 166_609 and big["ctx_start"] == 55_496
    assert big["ctx_growth"] > big["ctx_peak"] - big["ctx_start"]


def test_the_login_failure_is_an_abandoned_task_with_zero_spend() -> None:
    [t] = tasks_of("claude_code/vertex__claude-session__auth-error.jsonl")
    assert (t["requests"], t["cost_usd"], t["outcome_reason"]) == (0, 0, "api_error:authentication_failed")
