"""The HTML report: escaping, every chart, empty data, unpriced costs, nothing from the
network; then the page in headless Chromium (skipped when it is not installed), driven over
the DevTools protocol on a pipe with the standard library only, with a full-page screenshot
saved to tests/artifacts/html_report.png."""

from __future__ import annotations

import base64
import copy
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from taskcost.render import charts
from taskcost.render.html import write_report

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'


def week_row(n: int, group: str | None, scale: float) -> dict[str, Any]:
    start = date(2026, 10, 26) + timedelta(weeks=n)
    completed, abandoned, unknown = round(14 * scale) + n, round(4 * scale), round(2 * scale)
    done, lost, unk = 48.0 * scale + 9 * n, 21.5 * scale - 2 * n, 6.25 * scale
    spend = done + lost + unk
    return {
        "week_start": start,
        "week": "{}-W{:02d}".format(*start.isocalendar()[:2]),
        "group": group,
        "tasks": completed + abandoned + unknown,
        "completed": completed,
        "abandoned": abandoned,
        "unknown": unknown,
        "spend_usd": spend,
        "completed_spend_usd": done,
        "abandoned_spend_usd": lost,
        "unknown_spend_usd": unk,
        "abandoned_share": lost / spend,
        "cost_per_completed_usd": spend / completed,
        "median_cost_usd": 1.84 * scale,
        "p90_cost_usd": 9.6 * scale,
        "tokens": int(41_500_000 * scale) + n * 3_000_000,
        "tokens_per_completed": 41_500_000 * scale / completed,
        "cache_read_share": 0.87,
        "unpriced_requests": 0,
        "spend_change": None if n == 0 else 0.12 * (-1) ** n,
        "cost_per_completed_change": None if n == 0 else -0.08 * (-1) ** n,
    }


def trajectory(
    task_id: str, cost: float, outcome: str, calls: int, start: int, growth: int, compact_at=()
) -> dict:
    context, compacted, ctx = [], [], start
    for i in range(calls):
        ctx = start + 4_000 if i in compact_at else ctx + growth + (i * 37) % (growth // 2)
        context.append(ctx)
        compacted.append(i in compact_at)
    return {
        "task_id": task_id,
        "prompt_preview": f"Fix the flaky test in {task_id[:4]}",
        "cost_usd": cost,
        "outcome": outcome,
        "context": context,
        "compacted": compacted,
    }


def make_report() -> dict[str, Any]:
    """Four weeks by team, three people, two models, three trajectories, flags; one
    hostile prompt and one hostile project among realistic values."""
    weekly = []
    for n in range(4):
        weekly.append(week_row(n, None, 1.0))
        weekly.append(week_row(n, "platform", 0.6))
        weekly.append(week_row(n, "payments", 0.4))
    weekly[-3]["unpriced_requests"] = 3  # the latest week misses some prices
    started = datetime(2026, 11, 17, 14, 5, tzinfo=UTC)
    abandoned = [
        {
            "task_id": f"{i:x}f3a9c2d1b7e6a05",
            "started_at": started + timedelta(hours=7 * i),
            "person": person,
            "project": project,
            "prompt_preview": prompt,
            "cost_usd": cost,
            "unpriced_requests": unpriced,
            "outcome_reason": reason,
            "outcome_confidence": "high" if i % 2 else "medium",
        }
        for i, (person, project, prompt, cost, unpriced, reason) in enumerate(
            [
                (
                    "alice",
                    "shop_api",
                    "Migrate the orders table to the new schema and backfill",
                    14.92,
                    0,
                    "reverted",
                ),
                ("bob", ATTR, SCRIPT, 9.31, 0, "user gave up"),
                (
                    "carol",
                    "billing",
                    "Why does the invoice PDF render blank on Safari?\n\nSee screenshot",
                    None,
                    4,
                    "session ended mid-edit",
                ),
                ("alice", "shop_api", "Add retries to the webhook sender", 3.02, 1, "reverted"),
                ("bob", "infra", "Bump terraform providers", 0.004, 0, "no change kept"),
                ("carol", "billing", "a sixth task that must not be shown", None, 1, "reverted"),
            ]
        )
    ]
    models = []
    for band, scale in (("all", 1.0), ("S", 0.3), ("M", 0.8), ("L", 2.5)):
        models.append(
            {
                "band": band,
                "model": "claude-sonnet-4-5",
                "tasks": int(60 * scale) + 2,
                "completed": int(44 * scale),
                "abandoned": int(10 * scale),
                "unknown": 2,
                "completion_rate": 0.81,
                "completion_ci_low": 0.7,
                "completion_ci_high": 0.89,
                "spend_usd": 180.0 * scale,
                "cost_per_attempt_usd": 2.9 * scale,
                "cost_per_completed_usd": 4.1 * scale,
                "tco_per_task_usd": 7.4 * scale,
                "unpriced_requests": 0,
            }
        )
        models.append(
            {
                "band": band,
                "model": "gpt-5-codex",
                "tasks": int(30 * scale) + 1,
                "completed": int(18 * scale),
                "abandoned": int(9 * scale),
                "unknown": 1,
                "completion_rate": 0.66 if band != "L" else None,
                "completion_ci_low": None,
                "completion_ci_high": None,
                "spend_usd": 52.0 * scale,
                "cost_per_attempt_usd": 1.7 * scale,
                "cost_per_completed_usd": 2.9 * scale,
                "tco_per_task_usd": 11.6 * scale if band != "L" else None,
                "unpriced_requests": 2 if band == "L" else 0,
            }
        )
    pairs = [
        {
            "band": band,
            "model_a": "claude-sonnet-4-5",
            "model_b": "gpt-5-codex",
            "decided_a": da,
            "decided_b": db,
            "cost_premium_usd": 1.2,
            "failure_gap": 0.15,
            "failure_gap_low": 0.02,
            "failure_gap_high": 0.28,
            "break_even_gap": 0.04,
            "tco_a_usd": 7.4,
            "tco_b_usd": 11.6,
            "verdict": verdict,
            "verdict_text": text,
        }
        for band, da, db, verdict, text in [
            (
                "all",
                58,
                28,
                "route_a",
                "claude-sonnet-4-5 costs $1.20 more per attempt but fails 15 points "
                "less often (2 to 28); it pays off above a 4-point gap.",
            ),
            ("S", 16, 9, "too_close", "The failure gap (−3 to 12 points) includes the 4-point break-even."),
            ("L", 4, 2, "not_enough_data", "Fewer than 10 decided tasks for gpt-5-codex."),
        ]
    ]
    people = [
        {
            "person": "alice",
            "team": "platform",
            "tokens": 96_400_000,
            "spend_usd": 214.5,
            "tasks": 40,
            "completed": 22,
            "abandoned": 12,
            "cost_per_completed_usd": 9.75,
            "abandoned_share": 0.41,
            "rank_tokens": 1,
            "rank_completed": 3,
            "misordered": True,
        },
        {
            "person": "bob",
            "team": "payments",
            "tokens": 51_200_000,
            "spend_usd": 98.1,
            "tasks": 31,
            "completed": 26,
            "abandoned": 3,
            "cost_per_completed_usd": 3.77,
            "abandoned_share": 0.08,
            "rank_tokens": 2,
            "rank_completed": 2,
            "misordered": False,
        },
        {
            "person": "carol",
            "team": None,
            "tokens": 23_900_000,
            "spend_usd": None,
            "tasks": 35,
            "completed": 31,
            "abandoned": 2,
            "cost_per_completed_usd": None,
            "abandoned_share": None,
            "rank_tokens": 3,
            "rank_completed": 1,
            "misordered": True,
        },
    ]
    flags = [
        {
            "flag": "high_burn_low_yield",
            "person": "alice",
            "subject": "2026-W47",
            "evidence": "96.4M tokens (1st) for 22 completed tasks (3rd); 41% of spend abandoned",
            "spend_usd": 214.5,
            "tokens": 96_400_000,
        },
        {
            "flag": "runaway_context",
            "person": "bob",
            "subject": "0f3a9c2d1b7e6a05",
            "evidence": "context grew from 18k to 190k tokens over 64 calls without compaction",
            "spend_usd": 14.92,
            "tokens": 6_100_000,
        },
        {
            "flag": "quota_spike",
            "person": "carol",
            "subject": "2026-11-19",
            "evidence": "3.1x her daily median",
            "spend_usd": None,
            "tokens": 8_200_000,
        },
    ]
    return {
        "title": "taskcost weekly report",
        "generated_at": "2026-11-23T08:30:00Z",
        "timezone": "Europe/Paris",
        "week_start": "monday",
        "by": "team",
        "range": "2026-10-26 – 2026-11-22",
        "notes": [
            "3 requests in 2026-W47 have no known price: their cost is not in the totals.",
            "Outcomes are inferred from the logs; 11% of tasks have an unknown outcome.",
        ],
        "weekly": weekly,
        "abandoned": abandoned,
        "models": models,
        "pairs": pairs,
        "assumptions": {
            "labor_rate_usd_per_hour": 85.0,
            "fix_minutes": 20.0,
            "fix_cost_usd": 85 / 3,
            "min_tasks": 10,
            "band_by": "steps",
        },
        "people": people,
        "reading": "ranking by tokens misorders 2 of 3 people (Spearman rank correlation -0.50)",
        "flags": flags,
        "trajectories": [
            trajectory("0f3a9c2d1b7e6a05", 14.92, "abandoned", 64, 18_000, 2_600),
            trajectory("7c21de90aa4b1e33", 11.40, "completed", 90, 24_000, 1_900, (38, 71)),
            trajectory("a90e44f1c3b2d8e7", 6.75, "unknown", 27, 12_000, 5_200, (20,)),
        ],
    }


def big_report() -> dict[str, Any]:
    """A crowded report: 14 weeks by user, 25 people with close numbers, 8 long trajectories,
    long model names, thousands of dollars. Labels must still not overlap."""
    report = make_report()
    report["by"] = "user"
    report["weekly"] = [
        week_row(n, group, scale)
        for n in range(14)
        for group, scale in ((None, 60.0), ("alice", 30.0), ("bob", 20.0), ("carol", 10.0))
    ]
    report["weekly"][8]["cost_per_completed_usd"] = None  # a week with nothing completed
    report["weekly"][12]["completed_spend_usd"] = None
    report["weekly"][12]["abandoned_spend_usd"] = None
    report["weekly"][12]["unknown_spend_usd"] = None
    report["people"] = [
        {**report["people"][n % 3], "person": f"engineer-{n:02d}", "tokens": 40_000_000 + (n % 5) * 900_000,
         "completed": 20 + n % 4, "rank_tokens": n + 1, "misordered": n % 2 == 0}
        for n in range(25)
    ]  # fmt: skip
    report["trajectories"] = [
        trajectory(f"{n:x}{n:x}c21de90aa4b1e3", 40.0 - n, ("completed", "abandoned", "unknown")[n % 3],
                   60 + 50 * n, 10_000 + 3_000 * n, 900 + 200 * n, (50 + 40 * n,))
        for n in range(8)
    ]  # fmt: skip
    long = "anthropic/claude-opus-4-1-20250805-with-a-very-long-deployment-name"
    report["models"] = [
        {**m, "model": name, "tco_per_task_usd": (m["tco_per_task_usd"] or 5) * 400, "band": "all"}
        for m, name in zip(
            report["models"] * 3, [long, "gpt-5", "o3", "gemini-2.5-pro", "qwen3-coder"], strict=False
        )
    ]
    return report


def empty_report() -> dict[str, Any]:
    report = make_report()
    for key in ("notes", "weekly", "abandoned", "models", "pairs", "people", "flags", "trajectories"):
        report[key] = []
    report["by"] = None
    report["reading"] = None
    return report


def render(report: dict[str, Any]) -> str:
    out = io.StringIO()
    write_report(report, out)
    return out.getvalue()


class Page(HTMLParser):
    """The page's elements and attributes, and whether every element that was opened was
    closed in order."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def count(self, tag: str, **attrs: str) -> int:
        return sum(1 for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items()))


def charts_of(page: Page) -> list[dict[str, str | None]]:
    return [a for t, a in page.tags if t == "svg" and "chart" in (a.get("class") or "").split()]


# ---------------------------------------------------------------------------- unit tests


def test_page_is_well_formed_with_five_charts() -> None:
    page = Page(render(make_report()))
    assert not page.problems and not page.stack
    found = charts_of(page)
    assert len(found) == 5
    assert all(a.get("role") == "img" and a.get("aria-label") for a in found)
    assert not any(a.get("data-empty") for a in found)
    assert page.count("figure") == 5 and page.count("figcaption") == 5


def test_untrusted_text_is_escaped() -> None:
    out = render(make_report())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in out
    page = Page(out)
    assert page.count("script") == 0 and page.count("img") == 0
    assert not [(t, k) for t, attrs in page.tags for k in attrs if k.startswith("on")]


def poison(value: Any, payload: str) -> Any:
    """Every string in ``value`` (keys kept) replaced by the payload around its old text."""
    if isinstance(value, str):
        return f"{payload}{value}{payload}"
    if isinstance(value, list):
        return [poison(v, payload) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("verdict", "band", "band_by") else poison(v, payload) for k, v in value.items()}
    return value


@pytest.mark.parametrize("payload", [SCRIPT, ATTR, "'><svg onload=alert(1)>", "</title></svg><b onclick=x>"])
def test_every_string_from_data_is_escaped(payload: str) -> None:
    page = Page(render(poison(make_report(), payload)))
    assert not page.problems and not page.stack
    allowed = {
        "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "dl", "div",
        "dt", "dd", "nav", "a", "aside", "ul", "li", "section", "p", "span", "table", "thead", "tbody", "tr",
        "th", "td", "code", "figure", "figcaption", "svg", "rect", "text", "line", "circle", "polyline",
        "strong", "footer",
    }  # fmt: skip
    assert {t for t, _ in page.tags} <= allowed
    assert not [(t, k) for t, attrs in page.tags for k in attrs if k.startswith("on")]
    assert payload in "".join(page.text)  # shown as text, whole
    assert len(charts_of(page)) == 5


def test_nothing_is_loaded_from_elsewhere() -> None:
    out = render(make_report())
    page = Page(out)
    for _, attrs in page.tags:
        for key in ("src", "href", "xlink:href", "action", "srcset"):
            assert (attrs.get(key) or "#").startswith("#"), (key, attrs)
    lowered = out.lower()
    assert "<link" not in lowered and "@import" not in lowered and "url(" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    assert "<script" not in lowered


def test_empty_report_says_no_data() -> None:
    out = render(empty_report())
    page = Page(out)
    assert not page.problems
    found = charts_of(page)
    assert len(found) == 5 and all(a.get("data-empty") == "true" for a in found)
    assert out.count(": no data</text>") == 5
    assert "No tasks in this range." in out and "Nothing flagged." in out
    assert page.count("rect", **{"class": "mark"}) == 0


def test_missing_and_none_values_do_not_break_the_page() -> None:
    report = make_report()
    for row in report["weekly"] + report["people"] + report["models"] + report["abandoned"]:
        for key in list(row):
            if key not in ("week_start", "week", "group", "band", "model", "person"):
                row[key] = None
    report["trajectories"][0]["context"] = [None, 5, None, 9]
    report["assumptions"] = {}
    report["generated_at"] = None
    report["timezone"] = "Not/AZone"
    page = Page(render(report))
    assert not page.problems and len(charts_of(page)) == 5


def test_unknown_costs_are_unpriced_never_zero() -> None:
    report = make_report()
    out = render(report)
    # carol's abandoned task has no price for 4 requests; the latest week lacks 3 prices
    assert '<span class="unpriced">unpriced</span>' in out
    assert "$0.00" not in out
    assert "<$0.01" not in out and "&lt;$0.01" in out  # escaped like any text
    assert '<span class="unpriced">+1 unpriced</span>' in out
    report["weekly"][0]["spend_usd"] = None
    report["weekly"][0]["unpriced_requests"] = 0
    assert "—" in render(report)


def test_money_and_numbers() -> None:
    assert charts.money(1234.5) == "$1,234.50"
    assert charts.money(0.001) == "<$0.01"
    assert charts.money(None, 3) == "unpriced" and charts.money(None, 0) == "—"
    assert charts.percent(0.424) == "42%" and charts.change(0.25) == "+25%" and charts.change(-0.1) == "−10%"
    assert (
        charts.compact(1_234_567) == "1.2M"
        and charts.compact(950) == "950"
        and charts.compact(12_000) == "12k"
    )
    assert charts.nice_ticks(87) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(7, integer=True) == [0, 2, 4, 6, 8]


def test_abandoned_shows_the_five_costliest_in_order() -> None:
    out = render(make_report())
    assert "a sixth task" not in out
    positions = [out.index(f'<code title="{i:x}f3a9c2d1b7e6a05">') for i in (0, 1, 3, 4, 2)]
    assert positions == sorted(positions)  # by cost, the unpriced one last


# ---------------------------------------------------------------------------- the browser


class Chromium:
    """Headless Chromium over ``--remote-debugging-pipe``: it reads NUL-terminated JSON
    commands on fd 3 and writes replies and events on fd 4. Every read has a deadline."""

    def __init__(self, binary: str, profile: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._buffer = b""
        self._next_id = 0
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()
        # out of the way of fds 3 and 4, which the child's copies are moved onto
        to_child_hi = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10)
        from_child_hi = fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
        os.close(to_child)
        os.close(from_child)

        def fds() -> None:
            os.dup2(to_child_hi, 3)
            os.dup2(from_child_hi, 4)

        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}",
            "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip
        try:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=(3, 4, to_child_hi, from_child_hi),
                preexec_fn=fds,  # runs in the child before exec; this test starts no threads
            )
        finally:
            os.close(to_child_hi)
            os.close(from_child_hi)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for n, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(n)
        while True:
            event = self._read()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError(f"no message from Chromium within {self.timeout:.0f} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise EOFError(f"Chromium closed the pipe: {self._stderr()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _stderr(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return "(still running)"
        return self.process.stderr.read().decode(errors="replace")[-2000:]

    def close(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            if self.process.stderr:
                self.process.stderr.close()
            os.close(self._to_browser)
            os.close(self._from_browser)


CHECK_CHARTS = """
[...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('rect.mark, path.mark, circle.mark, polyline.mark, line.mark')]
    .filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
  const texts = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
  const overlaps = [];
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) overlaps.push([svg.querySelectorAll('text')[i].textContent,
                                         svg.querySelectorAll('text')[j].textContent]);
    }
  const outside = [...svg.querySelectorAll('text')].filter(t => {
    const b = t.getBoundingClientRect();
    return b.left < box.left - 1 || b.right > box.right + 1
      || b.top < box.top - 1 || b.bottom > box.bottom + 1;
  }).map(t => t.textContent);
  return {label: svg.getAttribute('aria-label'), empty: svg.dataset.empty === 'true',
          width: box.width, height: box.height, marks: marks.length, overlaps, outside};
})
"""


def open_page(browser: Chromium, session: str, path: Path) -> list[dict[str, Any]]:
    """Load ``path``; return the charts' measurements and everything that went wrong."""
    browser.events.clear()
    browser.send("Page.navigate", {"url": path.as_uri()}, session)
    browser.wait_for("Page.loadEventFired")
    result = browser.send("Runtime.evaluate", {"expression": CHECK_CHARTS, "returnByValue": True}, session)[
        "result"
    ]["value"]
    browser.send("Runtime.evaluate", {"expression": "1", "returnByValue": True}, session)  # flush events
    return result


VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def open_tab(browser: Chromium) -> str:
    """A blank tab 1280 px wide, with the events the checks read; returns its session."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for method in ("Runtime.enable", "Log.enable", "Page.enable", "Network.enable"):
        browser.send(method, {}, session)
    browser.send("Emulation.setDeviceMetricsOverride", VIEWPORT, session)
    return session


def screenshot(browser: Chromium, session: str, name: str) -> None:
    """The whole page as tests/artifacts/NAME, then the viewport back to its size."""
    size = browser.send("Page.getLayoutMetrics", {}, session)["cssContentSize"]
    browser.send("Emulation.setDeviceMetricsOverride", {**VIEWPORT, "height": int(size["height"])}, session)
    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(base64.b64decode(shot["data"]))
    browser.send("Emulation.setDeviceMetricsOverride", VIEWPORT, session)


def problems(browser: Chromium) -> list[Any]:
    found = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(params["exceptionDetails"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            found.append(params.get("args"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(params["entry"])
        elif method == "Page.javascriptDialogOpening":
            found.append(params)
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file:", "data:", "about:")):
                found.append(url)
    return found


@pytest.mark.slow
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is not installed")
    report_path = tmp_path / "report.html"
    report_path.write_text(render(make_report()), encoding="utf-8")
    big_path = tmp_path / "big.html"
    big_path.write_text(render(big_report()), encoding="utf-8")
    empty_path = tmp_path / "empty.html"
    empty_path.write_text(render(empty_report()), encoding="utf-8")

    browser = Chromium(binary, tmp_path / "profile")
    try:
        session = open_tab(browser)

        found = open_page(browser, session, report_path)
        assert problems(browser) == []
        assert len(found) == 5, found
        for chart in found:
            assert not chart["empty"], chart
            assert chart["width"] > 300 and chart["height"] > 100, chart
            assert chart["marks"] > 0, chart
            assert chart["overlaps"] == [], chart
            assert chart["outside"] == [], chart

        screenshot(browser, session, "html_report.png")
        found = open_page(browser, session, big_path)
        assert problems(browser) == []
        assert len(found) == 5 and not any(c["empty"] for c in found), found
        for chart in found:
            assert chart["overlaps"] == [] and chart["outside"] == [], chart

        found = open_page(browser, session, empty_path)
        assert problems(browser) == []
        assert len(found) == 5 and all(c["empty"] and c["height"] > 0 for c in found), found
        assert all(c["overlaps"] == [] for c in found), found
    finally:
        browser.close()


def test_rendering_leaves_the_report_unchanged() -> None:
    report = make_report()
    before = copy.deepcopy(report)
    render(report)
    assert report == before  # rendering does not change its input


def test_the_renderer_needs_neither_click_nor_duckdb() -> None:
    code = (
        "import sys, taskcost.render.html; "
        "assert not {'click', 'duckdb'} & set(sys.modules), sorted({'click', 'duckdb'} & set(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.slow
def test_cli_report_of_a_team_in_headless_chromium(tmp_path: Path) -> None:
    """The real thing: `taskcost report weekly --format html -o FILE` on the crafted team,
    opened offline in Chromium; the screenshot is kept as tests/artifacts/team_report.png."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is not installed")
    from conftest import invoke
    from team import TEAM_CONFIG_TOML, ingest_team

    ingest_team(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(TEAM_CONFIG_TOML)
    page = tmp_path / "report.html"
    args = ("report", "weekly", "--weeks", "7", "--format", "html", "-o", str(page))
    result = invoke("--config", str(config), *args, "--timezone", "UTC", "--now", "2026-11-23T00:00:00Z")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    text = page.read_text(encoding="utf-8")
    assert "2026-W47" in text and "team-large" in text and "chen" in text

    browser = Chromium(binary, tmp_path / "profile")
    try:
        session = open_tab(browser)
        found = open_page(browser, session, page)
        assert problems(browser) == []
        assert len(found) == 5, found
        for chart in found:
            assert not chart["empty"] and chart["marks"] > 0, chart
            assert chart["width"] > 300 and chart["height"] > 100, chart
            assert chart["overlaps"] == [] and chart["outside"] == [], chart
        screenshot(browser, session, "team_report.png")
    finally:
        browser.close()
