"""Task segmentation and outcome rules, one synthetic fixture per rule of docs/tasks.md.

``data/tasks/expected.json`` was worked out by hand from the rule table (see the
folder's README); each fixture is named for the rule or quirk it covers, including the
ambiguous endings that must come out ``unknown``.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, fixture_names, fixture_path, ingest, invoke, query

FOLDER = DATA / "tasks"
EXPECTED: dict[str, dict] = json.loads((FOLDER / "expected.json").read_text())
NOW = "2026-11-23T00:00:00Z"
KEYS = (
    "prompt_preview",
    "requests",
    "subagent_requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "outcome",
    "outcome_reason",
    "outcome_confidence",
    "ctx_start",
    "ctx_peak",
    "ctx_growth",
    "compactions",
    "subagent_link",
)
TOKENS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


def test_every_fixture_has_expectations() -> None:
    assert fixture_names(FOLDER) == set(EXPECTED)


def tasks_of(name: str) -> list[dict]:
    ingest(fixture_path(FOLDER, name))
    result = invoke("tasks", "--format", "json", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tasks_and_outcomes(name: str) -> None:
    want = EXPECTED[name]["tasks"]
    got = tasks_of(name)
    assert [t["started_at"] for t in got] == [t["started_at"] for t in want]
    for g, w in zip(got, want, strict=True):
        assert {k: g[k] for k in KEYS} == {k: w[k] for k in KEYS}, (w["started_at"], g["outcome_evidence"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spend_is_conserved(name: str) -> None:
    """Tasks plus the outside bucket add up to the requests table, to the token."""
    got = tasks_of(name)
    cols = ", ".join(
        f"coalesce(sum({c}), 0) AS {c}" for c in ("input_tokens", "cache_read_tokens", "output_tokens")
    )
    writes = "coalesce(sum(cache_write_5m_tokens + cache_write_1h_tokens), 0) AS cache_write_tokens"
    where = "item = 'request' AND task_key IS NULL"
    outside = query(f"SELECT count(*) AS requests, {cols}, {writes} FROM task_items WHERE {where}")[0]
    total = query(f"SELECT count(*) AS requests, {cols}, {writes} FROM requests")[0]
    assert outside == EXPECTED[name]["outside"]
    for key in ("requests", *TOKENS):
        assert sum(t[key] for t in got) + outside[key] == total[key], key


def test_outside_requests_are_reported_on_stderr() -> None:
    ingest(fixture_path(FOLDER, "warm_up_outside"))
    result = invoke("tasks", "--now", NOW)
    assert result.exit_code == 0
    assert "Outside any task (claude_code, before first prompt): 1 requests" in result.stdout
    result = invoke("tasks", "--format", "json", "--now", NOW)
    assert "Outside any task (claude_code, before first prompt): 1 requests" in result.stderr


def test_file_order_would_misplace_the_late_lines() -> None:
    """chain_not_file_order: a tool result and a call of task A written after prompt B."""
    a, b = tasks_of("chain_not_file_order")
    assert (a["outcome_reason"], b["outcome_reason"]) == ("delivered", "final_answer")
    late = query(
        "SELECT count(*) AS n FROM requests r "
        "JOIN events e ON e.kind = 'human_prompt' AND e.prompt_id = r.prompt_id "
        "WHERE r.line_no > (SELECT min(line_no) FROM events WHERE kind = 'human_prompt' AND ts > e.ts)"
    )[0]["n"]
    assert late >= 1  # some call of A sits after B's prompt in the file, yet belongs to A
