"""Guards tests/team.py: the crafted team's logs give exactly the outcomes, costs and
totals its spec and hand-worked EXPECTED_* values say."""

from __future__ import annotations

import json
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke, query
from team import (
    ECONOMICS,
    EXPECTED_MODELS,
    EXPECTED_PEOPLE,
    EXPECTED_RANKS,
    EXPECTED_TOP_ABANDONED_W47,
    LARGE,
    SMALL,
    TEAM,
    Task,
    ingest_team,
    write_logs,
)

NOW = "2026-11-23T00:00:00Z"
ALIASES = {"dana@example.com": "dana"}


def _tasks() -> list[dict[str, Any]]:
    result = invoke("tasks", "--format", "json", "--now", NOW)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _match(specs: list[Task], rows: list[dict[str, Any]]) -> list[tuple[Task, dict[str, Any]]]:
    """Each spec with its report row, by session id and start."""
    by_key = {(r["session_id"], r["started_at"]): r for r in rows}
    assert len(by_key) == len(rows) == len(specs)
    pairs = []
    for spec in specs:
        key = (spec.session_id, spec.start.replace("Z", ".000Z"))
        assert key in by_key, f"no task for {spec}"
        pairs.append((spec, by_key[key]))
    return pairs


def _check_rows(specs: list[Task]) -> list[dict[str, Any]]:
    rows = _tasks()
    for spec, row in _match(specs, rows):
        what = f"{spec.person} {spec.session} {spec.start}"
        assert (row["outcome"], row["outcome_reason"], row["outcome_confidence"]) == spec.outcome, what
        assert row["cost_usd"] == pytest.approx(spec.cost, abs=1e-9), what
        assert (row["user"], row["machine"], row["project"]) == (spec.user, spec.machine, spec.project)
        assert row["models"] == [spec.model]
        assert row["requests"] == row["steps"] == spec.calls, what
        assert row["cache_read_tokens"] == spec.tokens, what
        assert row["input_tokens"] == row["output_tokens"] == row["cache_write_tokens"] == 0
        assert row["ctx_peak"] == max(spec.call_reads)
        assert row["subagent_requests"] == row["estimated_requests"] == row["unpriced_requests"] == 0
    return rows


def _check_tools(specs: list[Task]) -> None:
    """Edits when the spec says so, a git commit exactly in delivered and conflicting tasks."""
    rows = query(
        """SELECT session_id,
                  strftime(min(ts) FILTER (WHERE kind = 'human_prompt'), '%Y-%m-%dT%H:%M:%SZ') AS at,
                  list(DISTINCT tool_name) FILTER (WHERE kind = 'tool_call') AS tools,
                  list(detail) FILTER (WHERE kind = 'tool_call' AND detail IS NOT NULL) AS deliveries
           FROM task_items WHERE item <> 'request' GROUP BY session_id, task_key"""
    )
    got = {(r["session_id"], r["at"]): r for r in rows}
    assert len(got) == len(specs)
    for spec in specs:
        row = got[(spec.session_id, spec.start)]
        tools = set(row["tools"])
        if spec.edits:
            assert "Edit" in tools and tools <= {"Read", "Edit", "Bash"}
        else:
            assert tools <= {"Read", "Grep"}
        commits = ["git_commit"] if spec.ending in ("delivered", "conflicting") else []
        assert (row["deliveries"] or []) == commits


def _conserved(rows: list[dict[str, Any]]) -> None:
    total = query("SELECT count(*) AS n, sum(cost_usd) AS cost FROM requests")[0]
    outside = query("SELECT count(*) AS n FROM task_items WHERE item = 'request' AND task_key IS NULL")[0]
    assert outside["n"] == 0
    assert sum(r["requests"] for r in rows) == total["n"]
    assert sum(r["cost_usd"] for r in rows) == pytest.approx(total["cost"], abs=1e-9)


def test_team_gives_the_spec(tmp_path: Path) -> None:
    ingest_team(tmp_path)
    rows = _check_rows(TEAM)
    _check_tools(TEAM)
    _conserved(rows)
    assert sum(r["cost_usd"] for r in rows) == pytest.approx(33.42, abs=1e-9)

    people: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        p = people[ALIASES.get(r["user"], r["user"])]
        p["tokens"] += (
            r["input_tokens"] + r["cache_read_tokens"] + r["cache_write_tokens"] + r["output_tokens"]
        )
        p["spend"] += r["cost_usd"]
        p["tasks"] += 1
        p[r["outcome"]] += 1
    assert set(people) == set(EXPECTED_PEOPLE)
    for name, want in EXPECTED_PEOPLE.items():
        got = people[name]
        for key in ("tokens", "tasks", "completed", "abandoned", "unknown"):
            assert got[key] == want[key], (name, key)
        assert got["spend"] == pytest.approx(want["spend"], abs=1e-9), name

    prices = query(
        "SELECT model, sum(cost_usd) AS cost, sum(cache_read_tokens) AS rd FROM requests GROUP BY 1"
    )
    assert {p["model"]: (p["rd"], round(p["cost"], 9)) for p in prices} == {
        LARGE: (31_660_000, 31.66),
        SMALL: (17_600_000, 1.76),
    }


def test_economics_gives_the_spec(tmp_path: Path) -> None:
    ingest_team(tmp_path, ECONOMICS)
    rows = _check_rows(ECONOMICS)
    _check_tools(ECONOMICS)
    _conserved(rows)
    for model, cost, completed in ((LARGE, 2.0, 9), (SMALL, 0.5, 6)):
        mine = [r for r in rows if r["models"] == [model]]
        assert len(mine) == 10 and all(r["cost_usd"] == pytest.approx(cost, abs=1e-12) for r in mine)
        assert sum(r["outcome"] == "completed" for r in mine) == completed
        assert sum(r["outcome"] == "abandoned" for r in mine) == 10 - completed
        assert {r["steps"] for r in mine} == {4}


def test_expected_values_follow_from_the_specs() -> None:
    """The hand-worked EXPECTED_* agree with the specs (no ingest needed)."""
    people: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for t in TEAM:
        p = people[t.person]
        p["tokens"] += t.tokens
        p["spend"] += t.exact_cost
        p["tasks"] += 1
        p[t.outcome[0]] += 1
    for name, want in EXPECTED_PEOPLE.items():
        assert people[name]["spend"] == Fraction(str(want["spend"]))
        assert {k: people[name][k] for k in ("tokens", "tasks", "completed", "abandoned", "unknown")} == {
            k: want[k] for k in ("tokens", "tasks", "completed", "abandoned", "unknown")
        }
    # no ties, and the ranks give EXPECTED_RANKS
    names = list(EXPECTED_PEOPLE)
    tokens = [EXPECTED_PEOPLE[n]["tokens"] for n in names]
    completed = [EXPECTED_PEOPLE[n]["completed"] for n in names]
    assert len(set(tokens)) == len(set(completed)) == len(names) == 5
    token_rank = {n: sorted(tokens, reverse=True).index(EXPECTED_PEOPLE[n]["tokens"]) + 1 for n in names}
    done_rank = {n: sorted(completed, reverse=True).index(EXPECTED_PEOPLE[n]["completed"]) + 1 for n in names}
    d2 = sum((token_rank[n] - done_rank[n]) ** 2 for n in names)
    assert 1 - Fraction(6 * d2, 5 * (25 - 1)) == Fraction(EXPECTED_RANKS["rho"]).limit_denominator(1000)
    assert sum(token_rank[n] != done_rank[n] for n in names) == EXPECTED_RANKS["misordered"]
    assert token_rank["chen"] == 1 and done_rank["chen"] == 5  # the biggest burner completes the fewest

    # models: decided tasks and completion rates
    models: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in TEAM:
        models[t.model][t.outcome[0]] += 1
    for model, want in EXPECTED_MODELS.items():
        got = models[model]
        assert got["completed"] + got["abandoned"] == want["decided"] >= 12
        assert (got["completed"], got["abandoned"], got["unknown"]) == (
            want["completed"],
            want["abandoned"],
            want["unknown"],
        )
        assert len({t.person for t in TEAM if t.model == model}) == 5

    # the runaway task and the heavy no-edit session
    runaway = [t for t in TEAM if t.calls >= 45]
    assert (
        len(runaway) == 1 and max(runaway[0].call_reads) >= 160_000 and runaway[0].outcome[0] == "abandoned"
    )
    assert all(2 <= t.calls <= 8 for t in TEAM if t not in runaway)
    no_edit = [t for t in TEAM if not t.edits]
    assert len(no_edit) == 1 and no_edit[0].cost >= 6 and no_edit[0].ending == "final_answer"
    assert [t for t in TEAM if t.session == no_edit[0].session] == no_edit

    # eli's spike: every day of Oct 29-31 at least 3x the busiest earlier October day
    eli: dict[str, int] = defaultdict(int)
    for t in TEAM:
        if t.person == "eli" and t.start < "2026-11":
            eli[t.start[:10]] += t.tokens
    before = {d: n for d, n in eli.items() if d <= "2026-10-28"}
    spike = [eli[f"2026-10-{d}"] for d in (29, 30, 31)]
    assert before and min(spike) >= 3 * max(before.values())
    assert sum(spike) / 3 >= 3 * sum(before.values()) / 28

    # the costliest abandoned tasks of W47, all costs different
    w47 = sorted(
        (
            (t.cost, t.person)
            for t in TEAM
            if t.outcome[0] == "abandoned" and "2026-11-16" <= t.start < "2026-11-23"
        ),
        reverse=True,
    )
    assert len(w47) >= 6 and len({c for c, _ in w47}) == len(w47)
    assert [(p, pytest.approx(c)) for c, p in w47[:5]] == EXPECTED_TOP_ABANDONED_W47
    assert min(t.start for t in TEAM) >= "2026-10-05" and max(t.start for t in TEAM) < "2026-11-21"


def test_logs_are_deterministic(tmp_path: Path) -> None:
    a = write_logs(TEAM, tmp_path / "a")
    b = write_logs(TEAM, tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for f in a.values() for p in f.rglob("*.jsonl"))
    files_b = sorted(p.relative_to(tmp_path / "b") for f in b.values() for p in f.rglob("*.jsonl"))
    assert files_a == files_b and len(files_a) == len({(t.user, t.machine, t.session) for t in TEAM})
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)
    ci = a[("dana@example.com", "ci-runner")]
    assert ci == tmp_path / "a" / "dana@example.com@ci-runner" / "projects"
    assert [p.name for p in ci.iterdir()] == ["-home-dana-example-com-src-shop-api"]


def _task(**kw: Any) -> Task:
    base = dict(person="x", user="x", machine="m", session="s", start="2026-10-05T09:00:00Z",
                model=LARGE, calls=3, read=1000, ending="final_answer")  # fmt: skip
    return Task(**{**base, **kw})


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ([_task(ending="mid_loop"), _task(start="2026-10-05T10:00:00Z")], "not the session's last"),
        ([_task(ending="delivered", edits=False)], "needs edits=True"),
        ([_task(calls=2, ending="delivered")], "at least 3 calls"),
        ([_task(calls=3, reads=(1, 2))], "2 reads for 3 calls"),
        ([_task(), _task(start="2026-10-05T09:00:30Z")], "well over"),
        ([_task(model="claude-sonnet-4-6")], "unknown model"),
        ([_task(prompt="undo that")], "undo"),
    ],
)
def test_bad_specs_are_refused(tmp_path: Path, tasks: list[Task], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_logs(tasks, tmp_path)
