"""Task segmentation and outcome rules, one synthetic fixture per rule of docs/tasks.md.

``data/tasks/expected.json`` was worked out by hand from the rule table (see the
folder's README); each fixture is named for the rule or quirk it covers, including the
ambiguous endings that must come out ``unknown``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from builders import SESSION, assistant, chain, tool_result, user
from conftest import DATA, fixture_names, fixture_path, ingest, invoke, jsonl, query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# --- the invariant: every request in exactly one task, or outside ---

STEP = st.sampled_from(["prompt", "call", "tool", "subagent", "interrupt", "error", "command", "compact"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=24), warm_up=st.booleans())
def test_any_session_conserves_spend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: list[str], warm_up: bool
) -> None:
    run = tmp_path / f"run-{abs(hash((tuple(steps), warm_up)))}"
    shutil.rmtree(run, ignore_errors=True)
    monkeypatch.setenv("TASKCOST_HOME", str(run / "wh"))
    main, side = session_lines(steps, warm_up)
    jsonl(run / "logs" / "p" / f"{SESSION}.jsonl", chain(main) if main else [{"type": "summary"}])
    if side:
        jsonl(run / "logs" / "p" / SESSION / "subagents" / "agent-a1.jsonl", chain(side))
    ingest(run / "logs")
    result = invoke("tasks", "--format", "json", "--now", NOW)
    got = json.loads(result.stdout) if result.exit_code == 0 else []
    assert len({t["task_id"] for t in got}) == len(got)
    outside = query("SELECT count(*) AS n, coalesce(sum(output_tokens), 0) AS o FROM task_items "
                    "WHERE item = 'request' AND task_key IS NULL")[0]  # fmt: skip
    total = query("SELECT count(*) AS n, coalesce(sum(output_tokens), 0) AS o FROM requests")[0]
    assert sum(t["requests"] for t in got) + outside["n"] == total["n"]
    assert sum(t["output_tokens"] for t in got) + outside["o"] == total["o"]
    assert query("SELECT count(*) AS n FROM task_items WHERE item = 'request'")[0]["n"] == total["n"]
    assert all(t["outcome"] in ("completed", "abandoned", "unknown") for t in got)


def session_lines(steps: list[str], warm_up: bool) -> tuple[list[dict], list[dict]]:
    """A Claude Code session from a list of steps (and a subagent file for ``subagent``)."""
    main: list[dict] = []
    side: list[dict] = []
    clock = iter(range(10_000))

    def ts() -> str:
        n = next(clock)
        return f"2026-10-20T{10 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z"

    def call(lines: list[dict], **extra: object) -> None:
        n = len(main) + len(side)
        lines.append(assistant(f"msg_{n}", ts(), req=f"req_{n}", out=10 + n, **extra))

    if warm_up:
        call(main)
    for n, step in enumerate(steps):
        if step == "prompt":
            main.append(user(f"request {n}", ts(), promptId=f"p-{n}"))
        elif step == "call":
            call(main)
        elif step == "tool":
            block = {
                "type": "tool_use",
                "id": f"toolu_{n}",
                "name": "Bash",
                "input": {"command": "pytest -q"},
            }
            call(main, stop="tool_use", block=block)
            main.append(tool_result(f"toolu_{n}", ts()))
        elif step == "subagent":
            call(side, isSidechain=True, agentId="a1")
        elif step == "interrupt":
            main.append(user("[Request interrupted by user]", ts()))
        elif step == "error":
            main.append(
                assistant(
                    f"err_{n}",
                    ts(),
                    req=None,
                    model="<synthetic>",
                    isApiErrorMessage=True,
                    error="rate_limit",
                )
            )
        elif step == "command":
            main.append(user("<command-name>/model</command-name>", ts()))
        elif step == "compact":
            main.append({**user("summary", ts()), "isCompactSummary": True})
    return main, side


@pytest.mark.parametrize(("folder", "inferred"), [("api_log", {"api:openai_chat"}), ("litellm", None)])
def test_api_and_gateway_logs_group_by_task_id_else_by_session(
    folder: str, inferred: set[str] | None
) -> None:
    """A task id in the metadata is a task; calls without one are one task per session,
    flagged `inferred`. Neither log says how a task ended: the outcome is unknown."""
    ingest(DATA / folder)
    got = json.loads(invoke("tasks", "--format", "json", "--now", NOW).stdout)
    expected_inferred = inferred if inferred is not None else {t["session_id"] for t in got}
    assert {t["session_id"] for t in got if t["grouping"] == "inferred"} == expected_inferred
    assert {(t["outcome"], t["outcome_reason"]) for t in got} == {("unknown", "no_end_signal")}
    assert sum(t["requests"] for t in got) == query("SELECT count(*) AS n FROM requests")[0]["n"]
