"""`taskcost tasks` and `taskcost task` through the CLI: golden outputs on the sample
logs, the JSON interface, filters, `--outcomes FILE`, "in progress", and the delivery
classifier the outcome rules rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from builders import SESSION, assistant, chain, tool_result, user
from conftest import ROOT, SAMPLE_LOGS, assert_golden, ingest, invoke, jsonl, query

from taskcost.ingest._delivery import delivery_kind

NOW = "2026-11-23T00:00:00Z"
README = (ROOT / "README.md").read_text()


@pytest.fixture
def sample() -> None:
    ingest(SAMPLE_LOGS)


def run(*args: str) -> list[dict]:
    result = invoke("tasks", "--format", "json", "--now", NOW, *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_tasks_golden(sample: None, fmt: str) -> None:
    result = invoke("tasks", "--format", fmt, "--timezone", "America/New_York", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    assert_golden(f"sample_tasks.{'txt' if fmt == 'table' else fmt}", result.stdout)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_task_golden(sample: None, fmt: str) -> None:
    """The sample's most expensive task: a subagent, a compaction, a delivery."""
    [top] = run("--sort", "cost")[:1]
    result = invoke(
        "task", top["task_id"][:8], "--format", fmt, "--timezone", "America/New_York", "--now", NOW
    )
    assert result.exit_code == 0, result.stderr
    assert_golden(f"sample_task.{'txt' if fmt == 'table' else fmt}", result.stdout)


def test_json_has_every_documented_key(sample: None) -> None:
    section = README.split("### `tasks --format json`: a stable interface")[1].split("\n## ")[0]
    documented = {
        k for cell in re.findall(r"^\| (`.*?`) \|", section, re.M) for k in re.findall(r"`(\w+)`", cell)
    }
    required = {
        "task_id", "source", "session_id", "user", "project", "git_branch", "started_at", "ended_at",
        "prompt_preview", "models", "requests", "subagent_requests", "input_tokens", "cache_read_tokens",
        "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "outcome", "outcome_reason",
        "outcome_confidence", "ctx_start", "ctx_peak", "ctx_growth", "compactions",
    }  # fmt: skip
    assert required <= documented
    for task in run():
        assert documented <= task.keys()
        assert re.fullmatch(r"[0-9a-f]{16}", task["task_id"])
        assert task["outcome"] in ("completed", "abandoned", "unknown")


def test_task_ids_do_not_depend_on_ingest_order_or_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(SAMPLE_LOGS.rglob("*.jsonl"))
    ingest(*files)
    first = {t["task_id"]: t["started_at"] for t in run()}
    monkeypatch.setenv("TASKCOST_HOME", str(tmp_path / "other"))
    for f in reversed(files):
        invoke("ingest", "--user", "someone-else", "--machine", "laptop", str(f))
    assert {t["task_id"]: t["started_at"] for t in run()} == first


def test_filters(sample: None) -> None:
    everything = run()
    assert {t["outcome"] for t in run("--outcome", "abandoned")} == {"abandoned"}
    assert {t["project"] for t in run("--project", "tally_cli")} == {"tally_cli"}
    assert run("--min-cost", "0.25") and all(t["cost_usd"] >= 0.25 for t in run("--min-cost", "0.25"))
    opus = run("--model", "claude-opus-4-7")
    assert opus and all("claude-opus-4-7" in t["models"] for t in opus)
    by_cost = [t["cost_usd"] for t in run("--sort", "cost") if t["cost_usd"] is not None]
    assert by_cost == sorted(by_cost, reverse=True)
    assert run("--user", "nobody") == [] and len(run("--user", "tester")) == len(everything)
    assert [t["started_at"][:10] for t in run("--since", "2026-11-12", "--timezone", "UTC")] == [
        "2026-11-12"
    ] * 2


def test_spend_is_conserved_on_the_sample(sample: None) -> None:
    tasks = run()
    total = query("SELECT count(*) AS n, sum(cost_usd) AS cost, sum(output_tokens) AS out FROM requests")[0]
    outside = query(
        "SELECT count(*) AS n, coalesce(sum(cost_usd), 0) AS cost, coalesce(sum(output_tokens), 0) AS out "
        "FROM task_items WHERE item = 'request' AND task_key IS NULL"
    )[0]
    assert sum(t["requests"] for t in tasks) + outside["n"] == total["n"]
    assert sum(t["output_tokens"] for t in tasks) + outside["out"] == total["out"]
    assert sum(t["cost_usd"] or 0 for t in tasks) + outside["cost"] == pytest.approx(total["cost"], abs=1e-9)


def test_unknown_or_ambiguous_task_id(sample: None) -> None:
    missing = invoke("task", "ffffffffffffffff")
    assert missing.exit_code == 3 and "no task" in missing.stderr
    ambiguous = invoke("task", "")
    assert ambiguous.exit_code == 1 and "give more of the id" in ambiguous.stderr


# --- in progress, overrides ---


def mid_loop_session(tmp_path: Path) -> Path:
    """One task whose last call asked for a tool and got no answer: the session stopped."""
    return jsonl(
        tmp_path / "logs" / f"{SESSION}.jsonl",
        chain(
            [
                user(
                    "rename the Invoice.total field to amount_due", "2026-10-20T10:00:00.000Z", promptId="p-1"
                ),
                assistant(
                    "msg_1",
                    "2026-10-20T10:00:04.000Z",
                    req="req_1",
                    stop="tool_use",
                    block={
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "Grep",
                        "input": {"pattern": "total"},
                    },
                ),
                tool_result("toolu_1", "2026-10-20T10:00:05.000Z", promptId="p-1"),
                assistant(
                    "msg_2",
                    "2026-10-20T10:00:09.000Z",
                    req="req_2",
                    stop="tool_use",
                    block={"type": "tool_use", "id": "toolu_2", "name": "Edit", "input": {}},
                ),
            ]
        ),
    )


def test_a_recent_mid_loop_task_is_in_progress_not_abandoned(tmp_path: Path) -> None:
    ingest(mid_loop_session(tmp_path))
    [t] = run("--now", "2026-10-20T10:20:00Z")
    assert (t["outcome"], t["outcome_reason"], t["outcome_confidence"]) == ("unknown", "in_progress", None)
    [t] = run("--now", "2026-10-20T10:40:00Z")
    assert (t["outcome"], t["outcome_reason"], t["outcome_confidence"]) == (
        "abandoned",
        "session_ended_mid_loop",
        "medium",
    )


def test_outcomes_file_overrides_by_task_id_and_by_session_and_time(sample: None, tmp_path: Path) -> None:
    tasks = run()
    by_id, by_time = tasks[0], tasks[3]
    csv = tmp_path / "tickets.csv"
    csv.write_text(
        "task_id,session_id,at,outcome,reason,confidence\n"
        f"{by_id['task_id']},,,abandoned,JIRA-12 won't fix,medium\n"
        f",{by_time['session_id']},{by_time['started_at']},completed,,\n"
        f"0000000000000000,,,completed,no such task,\n"
    )
    result = invoke("tasks", "--format", "json", "--now", NOW, "--outcomes", str(csv))
    assert result.exit_code == 0, result.stderr
    got = {t["task_id"]: t for t in json.loads(result.stdout)}
    a, b = got[by_id["task_id"]], got[by_time["task_id"]]
    assert (a["outcome"], a["outcome_reason"], a["outcome_confidence"], a["outcome_source"]) == (
        "abandoned",
        "override",
        "medium",
        "override",
    )
    assert "JIRA-12 won't fix" in a["outcome_evidence"] and "line 2" in a["outcome_evidence"]
    assert (b["outcome"], b["outcome_confidence"], b["outcome_source"]) == ("completed", "high", "override")
    assert sum(t["outcome_source"] == "override" for t in got.values()) == 2
    assert f"2 of these outcomes come from {csv}" in result.stderr
    assert f"{csv}: 3 rows; no task matches line 4" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("task_id,result\nabc,completed\n", "the header needs `outcome`"),
        ("task_id,outcome\nabc,done\n", "line 2: outcome must be one of completed, abandoned, unknown"),
        ("session_id,at,outcome\ns1,yesterday,completed\n", "line 2: `at` must be an ISO 8601 instant"),
        ("session_id,at,outcome\ns1,2026-11-03T10:00:00,completed\n", "line 2: `at` needs a time zone"),
        ("task_id,outcome,confidence\nabc,completed,sure\n", "confidence must be one of high, medium, low"),
        ("task_id,session_id,outcome\n,,completed\n", "give a task_id, or a session_id and an `at` time"),
    ],
)
def test_a_bad_outcomes_file_is_a_clear_error(sample: None, tmp_path: Path, text: str, message: str) -> None:
    csv = tmp_path / "o.csv"
    csv.write_text(text)
    result = invoke("tasks", "--outcomes", str(csv))
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_an_outcomes_file_that_is_not_text_is_a_clear_error(sample: None, tmp_path: Path) -> None:
    csv = tmp_path / "o.csv"
    csv.write_bytes(b"task_id,outcome\n\xff\xfe,completed\n")
    result = invoke("tasks", "--outcomes", str(csv))
    assert result.exit_code == 1 and "is not a CSV file" in result.stderr, result.stderr


# --- what a shell command delivers ---


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("git commit -m 'fix rounding'", "git_commit"),
        (
            "git add -A && git commit -m \"$(cat <<'EOF'\nFix; really\n\nCo-Authored-By: x\nEOF\n)\"",
            "git_commit",
        ),
        ("git -C api push origin main", "git_push"),
        ("git add . && git commit -m x && git push", "git_push"),
        ("gh pr create --fill", "pr_create"),
        ("python -m pytest -q tests/", "test"),
        ("cd web && npm test", "test"),
        ("FOO=1 uv run pytest", "test"),
        ("bin/rails test", "test"),
        ("pytest -q 2>&1", "test"),
        ("pytest | tail -5", None),  # the exit status is tail's
        ("pytest; echo done", None),
        ("pytest || true", None),
        ("pytest &", None),  # in the background: the exit status is the shell's
        ("pytest >/dev/null 2>&1 &", None),
        ("pytest --collect-only", None),  # runs no test
        ("cargo test --no-run", None),
        (".venv/bin/python -m pytest", "test"),
        ("python3.12 -m pytest -x", "test"),
        ("timeout 600 pytest -x", "test"),
        ("uv run --frozen pytest", "test"),
        ("(cd sub && pytest)", "test"),
        ("pytest &> log.txt", "test"),
        ("git commit -m x;", "git_commit"),
        ("git commit --dry-run", None),
        ("echo git commit", None),
        ("npm run build", None),
        ("git status", None),
    ],
)
def test_delivery_kind(command: str, kind: str | None) -> None:
    assert delivery_kind(command) == kind
