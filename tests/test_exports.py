"""Vendor usage exports (Anthropic Admin API, OpenAI organization APIs) and `reconcile`.

tests/data/anthropic_admin and tests/data/openai_admin hold pages written from the
providers' API references, with hand-computed totals in expected.json: units normalised
(cents vs dollars, Unix seconds vs RFC 3339, cached-included vs uncached input), empty
buckets giving no row, overlapping downloads counted once.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from builders import assistant
from conftest import (
    DATA,
    REAL_LOGS,
    copy_tree,
    fixture_names,
    fixture_path,
    ingest,
    invoke,
    jsonl,
    query,
    skip_counts,
)

FOLDERS = {"anthropic_admin": DATA / "anthropic_admin", "openai_admin": DATA / "openai_admin"}
CASES = [
    (source, name, exp)
    for source, folder in FOLDERS.items()
    for name, exp in json.loads((folder / "expected.json").read_text()).items()
]
TOKENS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.mark.parametrize("source", sorted(FOLDERS))
def test_every_fixture_has_expectations_and_a_readme_line(source: str) -> None:
    folder = FOLDERS[source]
    assert fixture_names(folder) == set(json.loads((folder / "expected.json").read_text()))


@pytest.mark.parametrize(("source", "name", "exp"), CASES, ids=[f"{s}-{n}" for s, n, _ in CASES])
def test_fixture_totals(source: str, name: str, exp: dict, tmp_path: Path) -> None:
    path = fixture_path(FOLDERS[source], name)
    stderr = ingest(copy_tree(path, tmp_path / "in" / path.name)).stderr
    assert "not recognised" not in stderr
    assert skip_counts(stderr) == exp.get("skipped", {})
    if "org_usage" in exp:
        want = exp["org_usage"]
        got = query(
            "SELECT count(*) AS rows, "
            + ", ".join(f"sum({c}) AS {c}" for c in (*TOKENS, "web_search_requests", "requests"))
            + f" FROM org_usage WHERE source = '{source}'"
        )[0]
        for key in ("rows", *TOKENS, "web_search_requests", "requests"):
            assert got[key] == want[key], key
        by_model = query(
            "SELECT coalesce(model, 'null') AS model, sum(input_tokens) AS i, sum(output_tokens) AS o "
            "FROM org_usage GROUP BY 1"
        )
        assert {r["model"]: {"input_tokens": r["i"], "output_tokens": r["o"]} for r in by_model} == want[
            "by_model"
        ]
        buckets = query("SELECT DISTINCT bucket_start, bucket_end FROM org_usage ORDER BY 1")
        assert [(r["bucket_start"], r["bucket_end"]) for r in buckets] == [
            (_utc(a), _utc(b)) for a, b in want["buckets"]
        ]
    if "org_cost" in exp:
        want = exp["org_cost"]
        got = query("SELECT count(*) AS rows, sum(amount_usd) AS usd FROM org_cost")[0]
        assert got["rows"] == want["rows"]
        assert got["usd"] == pytest.approx(want["amount_usd"], abs=1e-6)
        by_model = query(
            "SELECT coalesce(model, 'null') AS k, sum(amount_usd) AS usd FROM org_cost GROUP BY 1"
        )
        assert {r["k"]: r["usd"] for r in by_model} == pytest.approx(want["by_model"], abs=1e-6)
        by_day = query(
            "SELECT strftime(CAST(timezone('UTC', bucket_start) AS DATE), '%Y-%m-%d') AS k, "
            "sum(amount_usd) AS usd FROM org_cost GROUP BY 1"
        )
        assert {r["k"]: r["usd"] for r in by_day} == pytest.approx(want["by_day"], abs=1e-6)
    if "member_daily" in exp:
        want = exp["member_daily"]
        rows = query("SELECT * FROM member_daily ORDER BY actor")
        assert len(rows) == want["rows"]
        for key in ("sessions", "lines_added", "lines_removed", "commits", "pull_requests"):
            assert sum(r[key] for r in rows) == want[key], key
        assert sum(r["edits_accepted"] for r in rows) == want["edits_accepted"]
        assert sum(r["edits_rejected"] for r in rows) == want["edits_rejected"]
        assert sum(r["estimated_cost_usd"] for r in rows) == pytest.approx(want["estimated_cost_usd"])
        for r in rows:
            actor = want["by_actor"][r["actor"]]
            assert (r["actor_type"], r["date"].isoformat()) == (actor["actor_type"], actor["date"])
            for key in ("sessions", "lines_added", "edits_accepted", "edits_rejected"):
                assert r[key] == actor[key], (r["actor"], key)
            assert r["estimated_cost_usd"] == pytest.approx(actor["estimated_cost_usd"])
            assert r["models"] == actor["models"]  # cents / 100: the same floats as the literals


def test_overlapping_downloads_count_each_day_once_in_any_order(tmp_path: Path) -> None:
    """A day downloaded while it was under way (ends 15:42) and again complete a week
    later is one row per group: the complete one, whichever file is ingested first."""
    folder = DATA / "anthropic_admin" / "overlapping_exports"
    want = json.loads((DATA / "anthropic_admin" / "expected.json").read_text())["overlapping_exports"]
    for files in (sorted(folder.iterdir()), sorted(folder.iterdir(), reverse=True)):
        shutil.rmtree(tmp_path / "warehouse", ignore_errors=True)
        for f in files:
            ingest(f)
        got = query("SELECT count(*) AS n, sum(output_tokens) AS o, max(bucket_end) AS last FROM org_usage")[
            0
        ]
        assert (got["n"], got["o"]) == (want["org_usage"]["rows"], want["org_usage"]["output_tokens"])
        partial = query("SELECT count(*) AS n FROM org_usage WHERE bucket_end = '2026-10-07 15:42:00+00'")
        assert partial[0]["n"] == 0


def test_a_page_downloaded_again_with_more_usage_replaces_its_rows(tmp_path: Path) -> None:
    """The same day re-downloaded later (late usage added) replaces the earlier rows: a
    document is read again whole when it changes, and the newest copy of a slot wins."""
    page = tmp_path / "exports" / "usage.json"
    copy_tree(DATA / "anthropic_admin" / "missing_fields.json", page)
    ingest(page)
    before = query("SELECT sum(output_tokens) AS o FROM org_usage")[0]["o"]
    doc = json.loads(page.read_text())
    doc["data"][0]["results"][0]["output_tokens"] += 1000
    page.write_text(json.dumps(doc))
    stderr = ingest(page).stderr
    assert "1 rewritten" in stderr
    assert "org_usage: 0 new rows, 2 replaced by a wider or newer download" in stderr
    got = query("SELECT count(*) AS n, sum(output_tokens) AS o FROM org_usage")[0]
    assert got == {"n": 2, "o": before + 1000}


def test_formats_are_recognised_by_content_not_name(tmp_path: Path) -> None:
    odd = copy_tree(DATA / "openai_admin" / "costs.json", tmp_path / "download (3).txt")
    ingest(odd)
    assert query("SELECT count(*) AS n FROM org_cost")[0]["n"] == 14
    forced = invoke(
        "ingest", "--source", "anthropic_admin", str(DATA / "anthropic_admin" / "cost_report.json")
    )
    assert forced.exit_code == 0, forced.stderr
    assert query("SELECT count(*) AS n FROM org_cost WHERE source = 'anthropic_admin'")[0]["n"] == 18


def test_an_unknown_json_document_gets_one_line_and_strict_fails(tmp_path: Path) -> None:
    other = tmp_path / "in" / "settings.json"
    other.parent.mkdir()
    other.write_text(json.dumps({"theme": "dark", "fontSize": 14}, indent=2))
    copy_tree(DATA / "openai_admin" / "costs.json", tmp_path / "in" / "costs.json")
    stderr = ingest(tmp_path / "in").stderr
    assert f"{other}: a JSON document of no known format (keys: fontSize, theme)" in stderr
    assert query("SELECT count(*) AS n FROM org_cost")[0]["n"] == 14
    strict = invoke("ingest", "--strict", str(DATA / "anthropic_admin" / "missing_fields.json"))
    assert strict.exit_code != 0 and "missing_field" in strict.stderr


def test_a_currency_other_than_usd_is_not_added_to_dollars(tmp_path: Path) -> None:
    doc = json.loads((DATA / "openai_admin" / "costs_ungrouped.json").read_text())
    doc["data"][0]["results"][0]["amount"]["currency"] = "eur"
    page = tmp_path / "costs.json"
    page.write_text(json.dumps(doc))
    stderr = ingest(page).stderr
    assert skip_counts(stderr) == {"unexpected_shape": 1}
    assert "currency eur, not USD" in stderr
    assert query("SELECT count(*) AS n FROM org_cost")[0]["n"] == 1


def test_claude_code_sidecars_are_not_reported_as_unknown_files(tmp_path: Path) -> None:
    """A projects folder holds `*.meta.json` and `sessions-index.json` next to the
    transcripts: known companions, not usage, and not worth a warning."""
    project = tmp_path / "projects" / "-home-tester-src-shop-api"
    jsonl(project / "s1.jsonl", [assistant("msg_a", "2026-10-02T09:00:00.000Z")])
    (project / "sessions-index.json").write_text('{"version": 1, "entries": []}')
    sub = project / "s1" / "subagents"
    sub.mkdir(parents=True)
    (sub / "agent-a1.meta.json").write_text('{"agentType": "general-purpose", "toolUseId": "toolu_1"}')
    stderr = ingest(tmp_path / "projects").stderr
    assert "not recognised" not in stderr
    assert "read 1 of 1 files" in stderr


@pytest.mark.skipif(not (REAL_LOGS / "api_usage").is_dir(), reason="real logs not present")
def test_real_openai_cookbook_usage_output() -> None:
    """The cookbook's printed usage: a bare list of 31 daily buckets (no page envelope),
    the first starting at the requested second, five of them empty."""
    path = REAL_LOGS / "api_usage" / "openai-cookbook__usage_completions__printed_output.json"
    buckets = json.loads(path.read_text())
    results = [r for b in buckets for r in b["results"]]
    stderr = ingest(path).stderr
    assert "skipped" not in stderr
    got = query(
        "SELECT count(*) AS n, sum(input_tokens + cache_read_tokens) AS i, sum(output_tokens) AS o, "
        "sum(requests) AS r, min(bucket_start) AS first, any_value(bucket_width) AS w FROM org_usage"
    )[0]
    assert got["n"] == len(results) == len(buckets) - 5
    assert got["i"] == sum(r["input_tokens"] for r in results)
    assert got["o"] == sum(r["output_tokens"] for r in results)
    assert got["r"] == sum(r["num_model_requests"] for r in results)
    assert got["first"] == datetime.fromtimestamp(1736616660, UTC)
    assert got["w"] == "1d"


# --- reconcile ---


def _sonnet_usage_on(day: str) -> dict[str, int]:
    """The Sonnet tokens of one day of the messages_usage_grouped fixture."""
    totals = dict.fromkeys(("inp", "read", "w5", "w1", "out"), 0)
    for page in sorted((DATA / "anthropic_admin" / "messages_usage_grouped").iterdir()):
        for bucket in json.loads(page.read_text())["data"]:
            if not bucket["starting_at"].startswith(day):
                continue
            for r in bucket["results"]:
                if r["model"] == "claude-sonnet-4-6" and r["service_tier"] == "standard":
                    totals["inp"] += r["uncached_input_tokens"]
                    totals["read"] += r["cache_read_input_tokens"]
                    totals["w5"] += r["cache_creation"]["ephemeral_5m_input_tokens"]
                    totals["w1"] += r["cache_creation"]["ephemeral_1h_input_tokens"]
                    totals["out"] += r["output_tokens"]
    return totals


def test_reconcile_logs_that_hold_the_whole_bill_explain_all_of_it(tmp_path: Path) -> None:
    """When the local transcripts hold exactly the org's Sonnet usage of 2026-10-02, the
    Sonnet row of that day shows 100% of the tokens and of the billed dollars (the cost
    report is list price × the same tokens); Opus, which no log saw, shows 0% explained."""
    usage = _sonnet_usage_on("2026-10-02")
    jsonl(
        tmp_path / "projects" / "p" / "s.jsonl",
        [assistant("msg_sonnet", "2026-10-02T10:00:00.000Z", **usage)],
    )
    ingest(tmp_path / "projects", DATA / "anthropic_admin" / "messages_usage_grouped")
    ingest(DATA / "anthropic_admin" / "cost_report.json")
    result = invoke("reconcile", "--format", "json", "--since", "2026-10-02", "--until", "2026-10-02")
    rows = {r["model"]: r for r in json.loads(result.stdout)}
    sonnet = rows["claude-sonnet-4-6"]
    assert sonnet["local_tokens"] == sum(usage.values()) == sonnet["org_tokens"]
    assert sonnet["token_coverage"] == 1
    assert sonnet["cost_coverage"] == pytest.approx(1, abs=1e-9)
    assert sonnet["local_cost_usd"] == pytest.approx(sonnet["billed_usd"], abs=1e-9)
    opus = rows["claude-opus-4-7"]
    assert (opus["local_requests"], opus["local_cost_usd"]) == (0, None)
    assert (opus["token_coverage"], opus["cost_coverage"]) == (0, 0)
    assert rows[None]["billed_usd"] == pytest.approx(0.23)  # web searches: no model in the bill


def test_reconcile_by_day_uses_one_export_per_day_and_report(tmp_path: Path) -> None:
    """Grouped and ungrouped cost downloads of the same days, and an hourly export of a
    day that a daily export also covers, are not added together."""
    ingest(DATA / "openai_admin", DATA / "anthropic_admin" / "overlapping_exports")
    ingest(DATA / "anthropic_admin" / "messages_usage_hourly.json")
    days = {
        (r["day"], r["provider"]): r
        for r in json.loads(invoke("reconcile", "--by", "day", "--format", "json").stdout)
    }
    assert days[("2026-10-08", "openai")]["billed_usd"] == pytest.approx(1.880509, abs=1e-6)
    assert days[("2026-10-09", "openai")]["billed_usd"] == pytest.approx(3.464652, abs=1e-6)
    # 2026-10-06: the daily rows of the overlapping exports, not those plus the hourly ones
    daily_06 = query(
        "SELECT sum(input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens "
        "+ output_tokens) AS t FROM org_usage "
        "WHERE bucket_width = '1d' AND bucket_start = '2026-10-06 00:00:00+00'"
    )[0]["t"]
    assert days[("2026-10-06", "anthropic")]["org_tokens"] == daily_06


def test_reconcile_table_says_how_much_of_the_bill_the_logs_explain(tmp_path: Path) -> None:
    usage = _sonnet_usage_on("2026-10-02")
    jsonl(tmp_path / "p" / "s.jsonl", [assistant("msg_sonnet", "2026-10-02T10:00:00.000Z", **usage)])
    ingest(tmp_path / "p", DATA / "anthropic_admin" / "cost_report.json")
    out = invoke("reconcile", "--by", "day").stdout
    assert "Your logs explain $2.86 of $7.36 billed (39%), at list prices." in out
    empty = invoke("reconcile", "--since", "2027-01-01")
    assert empty.exit_code != 0 and "no vendor exports" in empty.stderr


@pytest.mark.parametrize("table", ["org_usage", "org_cost", "member_daily"])
def test_export_tables_have_exactly_the_documented_columns(table: str) -> None:
    import pyarrow.parquet as pq

    from taskcost import schemas
    from taskcost.warehouse import Warehouse, default_root

    ingest(DATA / "anthropic_admin", DATA / "openai_admin")
    files = Warehouse(default_root()).files(table)
    assert files
    for path in files:
        got = pq.read_table(path)
        assert got.schema.names == schemas.TABLES[table].names
        for f in schemas.TABLES[table]:
            assert got.schema.field(f.name).type == f.type, f.name
            if not f.nullable:
                assert got.column(f.name).null_count == 0, f.name


def test_a_hostile_export_is_reported_not_a_crash(tmp_path: Path) -> None:
    """Exports are uploaded files: nesting deep enough to exhaust a recursive parser is a
    skipped document with a reason, and so is a small one that only looks like JSON."""
    deep = tmp_path / "in" / "deep.json"
    deep.parent.mkdir()
    deep.write_text(
        '{"data": [{"starting_at": "2026-10-02T00:00:00Z", "ending_at": "2026-10-03T00:00:00Z", '
        '"results": ' + "[" * 200_000 + "]" * 200_000 + "}]}"
    )
    (tmp_path / "in" / "nested.json").write_text("[" * 20_000 + "]" * 20_000)
    stderr = ingest(tmp_path / "in").stderr
    assert skip_counts(stderr) == {"malformed_json": 1}
    assert "nested.json: a JSON document of no known format" in stderr
