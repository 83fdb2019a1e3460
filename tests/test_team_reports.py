"""The team reports on crafted logs whose answers are known (tests/team.py): the weekly
spend per task, the model economics with TCO and break-even, the vanity check.

The arithmetic is written out by hand below; goldens pin every format. Regenerate the
goldens with TASKCOST_UPDATE_GOLDEN=1 and read the diff before committing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import assert_golden, invoke
from team import (
    ECONOMICS,
    EXPECTED_PEOPLE,
    EXPECTED_RANKS,
    EXPECTED_TOP_ABANDONED_W47,
    LARGE,
    SMALL,
    TEAM_CONFIG_TOML,
    ingest_team,
)

NOW = "2026-11-23T00:00:00Z"  # Monday of 2026-W48: no task yet this week
SUFFIX = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """The crafted team ingested; returns its config file."""
    ingest_team(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(TEAM_CONFIG_TOML)
    return config


@pytest.fixture
def economics(tmp_path: Path) -> None:
    ingest_team(tmp_path, ECONOMICS)


def run(*args: str, config: Path | None = None) -> tuple[str, str]:
    head = ("--config", str(config)) if config else ()
    result = invoke(*head, *args, "--timezone", "UTC", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def as_json(*args: str, config: Path | None = None) -> dict:
    return json.loads(run(*args, "--format", "json", config=config)[0])


# --- weekly ---


def test_weekly_arithmetic_by_hand(economics: None) -> None:
    # gus, 2026-W45: 10 team-large tasks at $2.00 (9 completed, 1 abandoned) and 10
    # team-small tasks at $0.50 (6 completed, 4 abandoned); 4 calls each.
    (week,) = as_json("report", "weekly")["weeks"]
    assert week["week"] == "2026-W45" and week["group"] is None
    assert (week["tasks"], week["completed"], week["abandoned"], week["unknown"]) == (20, 15, 5, 0)
    assert week["spend_usd"] == pytest.approx(10 * 2.00 + 10 * 0.50)  # $25.00
    assert week["abandoned_spend_usd"] == pytest.approx(1 * 2.00 + 4 * 0.50)  # $4.00
    assert week["abandoned_share"] == pytest.approx(4.00 / 25.00)
    # all spend, abandoned included, over completed tasks: 25 / 15
    assert week["cost_per_completed_usd"] == pytest.approx(25.00 / 15)
    assert week["median_cost_usd"] == pytest.approx((0.50 + 2.00) / 2)  # 10 low, 10 high
    assert week["p90_cost_usd"] == pytest.approx(2.00)
    tokens = 10 * 4 * 500_000 + 10 * 4 * 1_250_000  # cache reads only
    assert week["tokens"] == tokens
    assert week["tokens_per_completed"] == round(tokens / 15)
    assert week["cache_read_share"] == 1.0
    assert week["spend_change"] is None  # no week before


def test_weekly_conserves_the_team_total_and_ends_with_the_latest_week(team: Path) -> None:
    out, err = run("report", "weekly", "--weeks", "7", "--format", "json", config=team)
    weeks = json.loads(out)["weeks"]
    assert [w["week"] for w in weeks] == [f"2026-W{n}" for n in range(41, 48)]
    assert sum(w["tasks"] for w in weeks) == sum(p["tasks"] for p in EXPECTED_PEOPLE.values())
    assert sum(w["completed"] for w in weeks) == sum(p["completed"] for p in EXPECTED_PEOPLE.values())
    spend = sum(w["spend_usd"] for w in weeks)
    assert spend == pytest.approx(sum(p["spend"] for p in EXPECTED_PEOPLE.values()))
    assert "No tasks since the week of 2026-11-16" in err
    for before, week in zip(weeks, weeks[1:], strict=False):
        assert week["spend_change"] == pytest.approx(week["spend_usd"] / before["spend_usd"] - 1)


def test_costliest_abandoned_tasks_of_the_latest_week(team: Path) -> None:
    top = as_json("report", "weekly", config=team)["costliest_abandoned"]
    assert top["week"] == "2026-W47"
    got = [(t["person"], round(t["cost_usd"], 6)) for t in top["tasks"]]
    assert got == [(p, c) for p, c in EXPECTED_TOP_ABANDONED_W47]


def test_by_user_merges_a_persons_aliases(team: Path, tmp_path: Path) -> None:
    def people(config: Path | None) -> dict[str, int]:
        weeks = as_json("report", "weekly", "--weeks", "7", "--by", "user", config=config)["weeks"]
        tasks: dict[str, int] = {}
        for w in weeks:
            if w["group"] is not None:
                tasks[w["group"]] = tasks.get(w["group"], 0) + w["tasks"]
        return tasks

    assert people(team) == {name: p["tasks"] for name, p in EXPECTED_PEOPLE.items()}
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    unmerged = people(empty)
    assert "dana@example.com" in unmerged
    assert unmerged["dana"] + unmerged["dana@example.com"] == EXPECTED_PEOPLE["dana"]["tasks"]


def test_by_team(team: Path) -> None:
    weeks = as_json("report", "weekly", "--weeks", "7", "--by", "team", config=team)["weeks"]
    totals: dict[str, int] = {}
    for w in weeks:
        if w["group"]:
            totals[w["group"]] = totals.get(w["group"], 0) + w["tasks"]
    want = {"platform": ("ana", "ben"), "payments": ("chen", "dana", "eli")}
    assert totals == {t: sum(EXPECTED_PEOPLE[p]["tasks"] for p in who) for t, who in want.items()}


def test_weeks_can_start_on_sunday(economics: None) -> None:
    (week,) = as_json("report", "weekly", "--week-start", "sunday")["weeks"]
    assert week["week_start"] == "2026-11-01" and week["week"] == "2026-11-01"


# --- model economics ---


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_model_economics_by_hand(economics: None) -> None:
    got = as_json("models", "--labor-rate", "100", "--fix-minutes", "30")
    assert got["assumptions"]["fix_cost_usd"] == 50.0  # L = $100/h x 30 min
    rows = {r["model"]: r for r in got["models"] if r["band"] == "all"}
    large, small = rows[LARGE], rows[SMALL]
    assert (large["completion_rate"], small["completion_rate"]) == (0.9, 0.6)
    assert (large["completion_ci_low"], large["completion_ci_high"]) == pytest.approx(wilson(9, 10))
    assert large["cost_per_attempt_usd"] == pytest.approx(2.00)
    assert small["cost_per_attempt_usd"] == pytest.approx(0.50)
    assert large["cost_per_completed_usd"] == pytest.approx(20.00 / 9)
    assert small["cost_per_completed_usd"] == pytest.approx(5.00 / 6)
    # TCO = cost per attempt + P(fail) x L
    assert large["tco_per_task_usd"] == pytest.approx(2.00 + 0.1 * 50)  # $7.00
    assert small["tco_per_task_usd"] == pytest.approx(0.50 + 0.4 * 50)  # $20.50
    (pair,) = [p for p in got["pairs"] if p["band"] == "all"]
    assert (pair["model_a"], pair["model_b"]) == (LARGE, SMALL)  # the dearer per attempt first
    assert pair["cost_premium_usd"] == pytest.approx(1.50)  # dC
    assert pair["failure_gap"] == pytest.approx(0.3)  # dp = 0.4 - 0.1
    assert pair["break_even_gap"] == pytest.approx(1.50 / 50)  # dp* = dC / L = 0.03
    (la, ua), (lb, ub) = wilson(9, 10), wilson(6, 10)  # Newcombe's interval for dp
    assert pair["failure_gap_low"] == pytest.approx(0.3 - math.hypot(0.9 - la, ub - 0.6))
    assert pair["failure_gap_high"] == pytest.approx(0.3 + math.hypot(ua - 0.9, 0.6 - lb))
    # TCO favours team-large ($7.00 vs $20.50), but with 10 tasks each the gap's interval
    # (-8 to +60 points) contains dp* = 3 points: no verdict yet
    assert pair["failure_gap_low"] < 0.03 < pair["failure_gap_high"]
    assert pair["verdict"] == "too_close" and pair["route_to"] is None
    assert pair["verdict_text"] == (
        "too close to call for tasks: the failure gap (-8 to 60 points) contains the break-even 3.0 points"
    )


def test_enough_tasks_give_a_verdict(team: Path) -> None:
    # 27 of 30 vs 18 of 30 completed: the gap's interval is above dp*
    (pair,) = [p for p in as_json("models", config=team)["pairs"] if p["band"] == "all"]
    assert (pair["decided_a"], pair["decided_b"]) == (30, 30)
    assert pair["failure_gap_low"] > pair["break_even_gap"]
    assert pair["verdict"] == "route_a" and pair["route_to"] == LARGE
    assert pair["verdict_text"].startswith(f"route tasks to {LARGE}: it is cheaper per finished task")


def test_cheap_labour_routes_to_the_cheap_model(economics: None) -> None:
    # L = $1/h x 30 min = $0.50: dp* = 1.50 / 0.50 = 3, above any failure gap
    got = as_json("models", "--labor-rate", "1", "--fix-minutes", "30")
    (pair,) = [p for p in got["pairs"] if p["band"] == "all"]
    assert pair["break_even_gap"] == pytest.approx(3.0)
    assert pair["verdict"] == "route_b" and pair["route_to"] == SMALL


def test_thin_data_gives_no_verdict(economics: None) -> None:
    got = as_json("models", "--min-tasks", "11")
    assert {p["verdict"] for p in got["pairs"]} == {"not_enough_data"}
    assert all(p["route_to"] is None for p in got["pairs"])
    assert got["pairs"][0]["verdict_text"] == "not enough data: 10 and 10 decided tasks; 11 each needed"


def test_economics_defaults_come_from_the_config(economics: None, tmp_path: Path) -> None:
    config = tmp_path / "econ.toml"
    config.write_text("[economics]\nlabor_rate = 60\nfix_minutes = 90\n")
    assert as_json("models", config=config)["assumptions"]["fix_cost_usd"] == 90.0
    got = as_json("models", "--fix-minutes", "10", config=config)["assumptions"]
    assert got["fix_cost_usd"] == 10.0  # the command line wins


# --- vanity ---


def test_vanity_ranks_on_a_crafted_team(team: Path) -> None:
    got = as_json("vanity", config=team)
    people = {p["person"]: p for p in got["people"]}
    assert set(people) == set(EXPECTED_PEOPLE)
    for name, want in EXPECTED_PEOPLE.items():
        assert (people[name]["tokens"], people[name]["completed"]) == (want["tokens"], want["completed"])
    ranks = {name: (p["rank_tokens"], p["rank_completed"]) for name, p in people.items()}
    assert ranks == {"chen": (1, 5), "eli": (2, 4), "dana": (3, 3), "ben": (4, 1), "ana": (5, 2)}
    assert got["rank_correlation"] == pytest.approx(EXPECTED_RANKS["rho"])  # 1 - 6 x 38 / 120
    assert sum(p["misordered"] for p in got["people"]) == EXPECTED_RANKS["misordered"]
    wrong = EXPECTED_RANKS["misordered"]
    assert got["reading"].startswith(f"ranking by tokens misorders {wrong} of 5 people")


def test_vanity_flags_carry_their_numbers(team: Path) -> None:
    flags = as_json("vanity", config=team)["flags"]
    assert [(f["flag"], f["person"]) for f in flags] == [
        ("high_burn_low_yield", "chen"),
        ("runaway_context", "chen"),
        ("quota_spike", "eli"),
        ("heavy_session_no_change", "chen"),
    ]
    burn, runaway, spike, heavy = flags
    assert burn["evidence"] == (
        "44% of the team's tokens (21,700,000) for 11% of its completed tasks (5 of 45)"
    )
    assert runaway["evidence"] == "peak context 200,000 tokens after 50 calls, abandoned (interrupted)"
    # eli: 1,200,000 tokens over Oct 6-28 (23 days from the first active day), 7,200,000 over Oct 29-31
    assert spike["subject"] == "2026-10"
    assert spike["evidence"].startswith("2026-10-29 to 2026-10-31: 2,400,000 tokens a day, 46.0x the 52,174")
    assert heavy["evidence"] == "$6.40 over 1 task and 8 calls: no file edit, commit or test run"


def test_vanity_for_a_team_of_one(economics: None) -> None:
    got = as_json("vanity")
    assert [p["person"] for p in got["people"]] == ["gus"]
    assert got["rank_correlation"] is None
    assert got["reading"].startswith("a team of one (gus): there is no ranking to compare")


# --- goldens: every report in every text format ---


@pytest.mark.parametrize("fmt", list(SUFFIX))
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("team_weekly", ("report", "weekly", "--weeks", "3", "--by", "team")),
        ("team_models", ("models",)),
        ("team_vanity", ("vanity",)),
    ],
)
def test_report_goldens(team: Path, name: str, args: tuple[str, ...], fmt: str) -> None:
    out, _ = run(*args, "--format", fmt, config=team)
    assert_golden(f"{name}.{SUFFIX[fmt]}", out)
