"""Real Claude Code logs from public repositories, read by path (skipped when absent).

Token totals must equal ccusage 20.0.24's per session; where we deliberately differ
(cost of a model no price list knows), the difference is asserted and documented in
the README ("Compared with ccusage"). Facts pinned below were checked by reading the files.
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, REAL_LOGS, ingest, query

CLAUDE = REAL_LOGS / "claude_code"
pytestmark = [
    pytest.mark.real_logs,
    pytest.mark.skipif(not CLAUDE.is_dir(), reason=f"real logs not found at {CLAUDE}"),
]
REFERENCE = json.loads((DATA / "ccusage_reference" / "claude_code_sessions.json").read_text())["sessions"]
# sessions whose cost we deliberately report differently from ccusage, and ours
UNPRICED_BY_US = {"agentic-wallet__claude-session__openrouter"}  # OpenRouter ':free' model: no known price


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Per-file totals, from one warehouse of all the real Claude Code logs."""
    import os

    tmp = tmp_path_factory.mktemp("real")
    old = os.environ.get("TASKCOST_HOME")
    os.environ["TASKCOST_HOME"] = str(tmp / "wh")
    try:
        src = tmp / "logs"
        shutil.copytree(CLAUDE, src)  # a scratch copy: the originals are read-only
        ingest(src)
        rows = query(
            r"""SELECT regexp_extract(source_file, '([^/]+)\.jsonl$', 1) AS stem,
                       count(*) AS requests,
                       sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens,
                       sum(cache_read_tokens) AS cacheReadTokens,
                       sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cacheCreationTokens,
                       sum(cost_usd) AS totalCost,
                       count(*) FILTER (usage_quality = 'placeholder') AS placeholder,
                       count(*) FILTER (cost_source = 'unpriced') AS unpriced
                FROM requests GROUP BY ALL"""
        )
        events = query(
            r"""SELECT regexp_extract(source_file, '([^/]+)\.jsonl$', 1) AS stem, kind,
                       count(*) AS n, list(DISTINCT what ORDER BY what) AS details
                FROM (SELECT *, coalesce(error_kind, detail) AS what FROM events) GROUP BY ALL"""
        )
        compactions = query(
            "SELECT pre_compaction_tokens AS pre, post_compaction_tokens AS post FROM events "
            "WHERE kind = 'compaction'"
        )
    finally:
        if old is None:
            os.environ.pop("TASKCOST_HOME")
        else:
            os.environ["TASKCOST_HOME"] = old
    out: dict[str, dict[str, object]] = {r["stem"]: dict(r) for r in rows}
    for e in events:
        out.setdefault(e["stem"], {"requests": 0})[f"events.{e['kind']}"] = (e["n"], e["details"])
    out["_compactions"] = {"rows": compactions}
    return out


@pytest.mark.parametrize("session", sorted(REFERENCE))
def test_token_totals_equal_ccusage(real: dict[str, dict[str, object]], session: str) -> None:
    ours, ref = real[session], REFERENCE[session]
    for key in ("inputTokens", "outputTokens", "cacheReadTokens", "cacheCreationTokens"):
        assert ours[key] == ref[key], (session, key)


@pytest.mark.parametrize("session", sorted(REFERENCE))
def test_cost_equals_ccusage_except_documented_differences(
    real: dict[str, dict[str, object]], session: str
) -> None:
    ours, ref = real[session], REFERENCE[session]
    if session in UNPRICED_BY_US:
        assert ours["totalCost"] is None and ours["unpriced"] == ours["requests"]
        assert ref["totalCost"] > 0  # ccusage prices it from a fallback match
    else:
        assert ours["totalCost"] == pytest.approx(ref["totalCost"], abs=5e-6)


def test_every_real_session_is_covered(real: dict[str, dict[str, object]]) -> None:
    with_requests = {k for k, v in real.items() if not k.startswith("_") and v["requests"]}
    assert with_requests == set(REFERENCE)


def test_placeholder_era_files_are_flagged(real: dict[str, dict[str, object]]) -> None:
    # Claude Code 2.1.14: every line carries stop_reason null and a tiny output_tokens
    assert real["claude-reliability__python-to-rust-port"]["placeholder"] == 39
    assert real["claude-reliability__coverage-test-fix"]["placeholder"] == 14
    # 2.1.81: the last block line of each response has the final usage, which is kept
    assert real["raze__claude-session"]["placeholder"] == 0
    assert real["raze__claude-session"]["outputTokens"] == 607


def test_login_failure_session_has_an_error_and_no_spend(real: dict[str, dict[str, object]]) -> None:
    session = real["vertex__claude-session__auth-error"]
    assert session["requests"] == 0
    assert session["events.api_error"] == (1, ["authentication_failed"])
    assert session["events.human_prompt"][0] == 1


def test_api_errors_interrupts_and_steering(real: dict[str, dict[str, object]]) -> None:
    jgive = real["jgive-campaign-donation__transcript__first836lines"]
    assert jgive["events.api_error"] == (3, ["server_error"])
    assert jgive["events.interrupt"] == (2, ["during_response", "during_tool_use"])
    assert jgive["events.tool_rejection"][0] == 3
    assert jgive["events.queued_prompt"][0] == 1  # one prompt typed while the agent worked


def test_background_task_notifications_are_not_prompts(real: dict[str, dict[str, object]]) -> None:
    posthog = real["posthog-impact-dashboard__claude-session"]
    assert "events.queued_prompt" not in posthog
    assert posthog["events.meta_user"][1] == ["compact_summary", "task_notification"]


def test_compaction_is_recorded_with_its_sizes(real: dict[str, dict[str, object]]) -> None:
    assert real["_compactions"]["rows"] == [{"pre": 167766, "post": 6977}]
