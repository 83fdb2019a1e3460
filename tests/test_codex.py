"""The Codex ingester against one fixture per quirk, and against real rollouts.

Every fixture in tests/data/codex has hand-computed expectations in expected.json
(deltas of the cumulative totals worked out by hand, with the arithmetic in the notes).
The real rollouts (../shared/real_logs/codex, skipped when absent) must give the
upstream golden totals of the localpush fixture and, per session, ccusage 20.0.24's
token totals.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, REAL_LOGS, copy_tree, fixture_names, ingest, invoke, query, skip_counts
from conftest import fixture_path as fixture_in

FIXTURES = DATA / "codex"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
TOKENS = ("input_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def fixture_path(name: str) -> Path:
    return fixture_in(FIXTURES, name)


def test_every_fixture_has_expectations_and_a_readme_line() -> None:
    assert fixture_names(FIXTURES) == set(EXPECTED)


@pytest.fixture(params=sorted(EXPECTED))
def ingested(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    name = request.param
    src = copy_tree(fixture_path(name), tmp_path / "in" / fixture_path(name).name)
    return name, ingest(src).stderr


def test_totals_cost_and_models(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    exp = EXPECTED[name]
    got = query(
        """SELECT count(*) AS requests,
                  coalesce(sum(input_tokens), 0) AS input_tokens,
                  coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
                  coalesce(sum(output_tokens), 0) AS output_tokens,
                  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
                  coalesce(sum(cache_write_5m_tokens + cache_write_1h_tokens), 0) AS writes,
                  count(*) FILTER (is_sidechain) AS sidechain_requests,
                  count(*) FILTER (cost_source = 'unpriced') AS unpriced_requests,
                  sum(cost_usd) AS cost_usd
           FROM requests WHERE source = 'codex'"""
    )[0]
    for key in ("requests", *TOKENS, "sidechain_requests", "unpriced_requests"):
        assert got[key] == exp[key], f"{name}: {key}"
    assert got["writes"] == 0, "Codex reports no cache writes"
    if exp["cost_usd"] is None:
        assert got["cost_usd"] is None, f"{name}: unpriced requests must not cost $0"
    else:
        assert got["cost_usd"] == pytest.approx(exp["cost_usd"], rel=1e-9), name
    by_model = query("SELECT coalesce(model, 'null') AS m, count(*) AS n FROM requests GROUP BY 1")
    assert {r["m"]: r["n"] for r in by_model} == exp["by_model"], name


def test_events_by_kind(ingested: tuple[str, str]) -> None:
    name, _ = ingested
    got = query("SELECT kind, count(*) AS n FROM events GROUP BY kind")
    assert {r["kind"]: r["n"] for r in got} == EXPECTED[name]["events"], name


def test_skipped_lines_are_counted_by_reason(ingested: tuple[str, str]) -> None:
    name, stderr = ingested
    skips = EXPECTED[name]["skips"]
    if not skips:
        assert "skipped lines" not in stderr
        return
    assert f"skipped lines: {sum(skips.values())}" in stderr
    assert skip_counts(stderr) == skips


@pytest.mark.parametrize(
    ("name", "sql", "expected"),
    [
        (
            "compaction",
            "SELECT pre_compaction_tokens AS a FROM events WHERE kind = 'compaction'",
            [{"a": 220000}],
        ),
        (
            "subagent",
            "SELECT DISTINCT session_id AS a, agent_id AS b FROM requests",
            [{"a": "019a1111-0000-7000-8000-000000000060", "b": "019a1111-0000-7000-8000-000000000006"}],
        ),
        (
            "fork_replay",
            "SELECT DISTINCT session_id AS a, is_sidechain AS b, prompt_id AS c FROM requests",
            [{"a": "019a1111-0000-7000-8000-000000000005", "b": False, "c": "c-turn-1"}],
        ),
        (
            "events_and_exit_codes",
            "SELECT exit_code AS a, is_error AS b FROM events WHERE kind = 'command_end' ORDER BY ts",
            [{"a": 1, "b": True}, {"a": 0, "b": False}],
        ),
        (
            "events_and_exit_codes",
            "SELECT detail AS a, prompt_id AS b FROM events WHERE kind = 'interrupt'",
            [{"a": "interrupted", "b": "t2"}],
        ),
        (
            "events_and_exit_codes",
            "SELECT prompt_id AS a, count(*) AS b FROM requests GROUP BY 1",
            [{"a": "t1", "b": 2}],
        ),
        (
            "model_change",
            "SELECT prompt_id AS a, model AS b, count(*) AS c FROM requests GROUP BY ALL ORDER BY 1",
            [{"a": "turn-1", "b": "gpt-5.5", "c": 2}, {"a": "turn-2", "b": "gpt-5.4", "c": 1}],
        ),
        (
            "archived_copy",
            r"SELECT count(*) AS a FROM requests WHERE source_file LIKE '%archived_sessions%'",
            [{"a": 1}],
        ),
        (
            "legacy_format",
            "SELECT prompt_preview AS a FROM events WHERE kind = 'human_prompt'",
            [{"a": "List the failing tests"}],
        ),
        (
            "fast_tier",
            "SELECT service_tier AS a, provider AS b FROM requests",
            [{"a": "priority", "b": "openai"}],
        ),
    ],
)
def test_fixture_fact(name: str, sql: str, expected: list[dict[str, object]], tmp_path: Path) -> None:
    ingest(copy_tree(fixture_path(name), tmp_path / "in" / fixture_path(name).name))
    assert query(sql) == expected


@pytest.mark.parametrize(
    "name", ["reemitted_token_count", "compaction", "resumed_new_accumulator", "fork_replay"]
)
def test_a_rollout_read_in_pieces_gives_the_same_requests(name: str, tmp_path: Path) -> None:
    """The carried state (last total, model, turn, fork replay) survives every cut."""
    lines = fixture_path(name).read_bytes().splitlines(keepends=True)
    whole = tmp_path / "whole"
    ingest(copy_tree(fixture_path(name), whole / "r.jsonl"))
    want = query(
        "SELECT request_key, input_tokens, output_tokens, model, prompt_id FROM requests ORDER BY ALL"
    )
    for cut in range(1, len(lines)):
        (tmp_path / f"wh{cut}").mkdir()
        growing = tmp_path / f"in{cut}" / "r.jsonl"
        growing.parent.mkdir()
        growing.write_bytes(b"".join(lines[:cut]))
        env = {"TASKCOST_HOME": str(tmp_path / f"wh{cut}")}
        assert invoke("ingest", str(growing), env=env).exit_code == 0
        with growing.open("ab") as f:
            f.write(b"".join(lines[cut:]))
        result = invoke("ingest", str(growing), env=env)
        assert "1 grown" in result.stderr, cut
        got = invoke(
            "sql",
            "--format",
            "json",
            "SELECT request_key, input_tokens, output_tokens, model, prompt_id FROM requests ORDER BY ALL",
            env=env,
        )
        assert json.loads(got.stdout) == want, f"cut after line {cut}"


# --- real rollouts ---

CODEX = REAL_LOGS / "codex"
LOCALPUSH = CODEX / "localpush-2026-02-23"
REFERENCE = json.loads((DATA / "ccusage_reference" / "codex_sessions.json").read_text())["sessions"]
real_logs = pytest.mark.skipif(not CODEX.is_dir(), reason=f"real logs not found at {CODEX}")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    import os

    tmp = tmp_path_factory.mktemp("real_codex")
    old = os.environ.get("TASKCOST_HOME")
    os.environ["TASKCOST_HOME"] = str(tmp / "wh")
    try:
        src = tmp / "sessions"
        shutil.copytree(CODEX, src)
        ingest(src)
        return query(
            r"""SELECT regexp_extract(source_file, '([^/]+)\.jsonl$', 1) AS stem,
                       sum(input_tokens) AS inputTokens, sum(cache_read_tokens) AS cacheReadTokens,
                       sum(output_tokens) AS outputTokens, sum(reasoning_tokens) AS reasoningOutputTokens,
                       sum(cost_usd) AS cost, list(DISTINCT model ORDER BY model) AS models,
                       sum(input_tokens + cache_read_tokens) FILTER (CAST(ts AS DATE) = DATE '2026-02-23')
                           AS day_input,
                       sum(cache_read_tokens) FILTER (CAST(ts AS DATE) = DATE '2026-02-23') AS day_cached,
                       sum(output_tokens) FILTER (CAST(ts AS DATE) = DATE '2026-02-23') AS day_output,
                       sum(reasoning_tokens) FILTER (CAST(ts AS DATE) = DATE '2026-02-23') AS day_reasoning
                FROM requests GROUP BY ALL ORDER BY stem"""
        )
    finally:
        if old is None:
            os.environ.pop("TASKCOST_HOME")
        else:
            os.environ["TASKCOST_HOME"] = old


@real_logs
def test_localpush_golden_day_totals(real: list[dict[str, object]]) -> None:
    """Upstream's expected aggregates for UTC day 2026-02-23 (Codex semantics: input
    includes cached)."""
    stats = json.loads((LOCALPUSH / "expected" / "codex-stats.json").read_text())
    tags = stats["metrics"][0]["tags"]
    assert sum(r["day_input"] or 0 for r in real) == tags["input"]
    assert sum(r["day_cached"] or 0 for r in real) == tags["cached_input"]
    assert sum(r["day_output"] or 0 for r in real) == tags["output"]
    assert sum(r["day_reasoning"] or 0 for r in real) == tags["reasoning_output"]


@real_logs
def test_localpush_golden_session_totals(real: list[dict[str, object]]) -> None:
    sessions = json.loads((LOCALPUSH / "expected" / "codex-sessions.json").read_text())["sessions"]
    by_thread = {r["stem"][-36:]: r for r in real}
    for s in sessions:
        got = by_thread[s["id"]]
        assert got["inputTokens"] + got["cacheReadTokens"] == s["tokens"]["input"], s["id"]
        assert got["cacheReadTokens"] == s["tokens"]["cache_read"], s["id"]
        assert got["outputTokens"] == s["tokens"]["output"], s["id"]
        assert got["reasoningOutputTokens"] == s["tokens"]["reasoning_output"], s["id"]


# ccusage prices gpt-5.6-sol below genai-prices and ignores OpenAI's long-context rate
# (prompts over 272k tokens bill at 2x input, 1.5x output): see README "Compared with ccusage"
COST_DIFFERS = {"edgerunner__codex-session"}


@real_logs
def test_per_session_totals_equal_ccusage(real: list[dict[str, object]]) -> None:
    by_stem = {r["stem"]: r for r in real}
    assert set(by_stem) == {s["sessionId"] for s in REFERENCE}
    for ref in REFERENCE:
        got = by_stem[ref["sessionId"]]
        for key in ("inputTokens", "cacheReadTokens", "outputTokens", "reasoningOutputTokens"):
            assert got[key] == ref[key], (ref["sessionId"], key)
        assert got["models"] == sorted(ref["models"]), ref["sessionId"]
        if ref["sessionId"] in COST_DIFFERS:
            assert got["cost"] > ref["costUSD"]
        else:
            assert got["cost"] == pytest.approx(ref["costUSD"], rel=1e-6), ref["sessionId"]
