"""Score taskcost's task outcomes against the hand labels of the real logs.

    python tests/outcome_eval.py [--real-logs DIR]

ingests ``DIR/claude_code`` and ``DIR/codex`` (default ``../shared/real_logs``) into a
throwaway warehouse, lists the tasks, matches them to ``data/real_tasks/labels.json`` by
session and start, and prints, as Markdown: precision and recall per outcome, the unknown
share of tasks and of spend, the abandoned share of spend against the labels' share, how
steered attempts came out, and every task where taskcost and the label disagree.
docs/tasks.md §4 records the figures; ``test_outcome_targets`` in test_tasks_real.py holds
the targets. A task's outcome is compared with its label's ``unit_outcome``: a steered
attempt takes the outcome of the unit of work it belongs to.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "real_tasks" / "labels.json"
REAL_LOGS = Path(os.environ.get("TASKCOST_REAL_LOGS", HERE.parent.parent / "shared" / "real_logs"))
NOW = "2026-11-23T00:00:00Z"  # after every log: no task is still in progress
OUTCOMES = ("completed", "abandoned", "unknown")


def labels() -> list[dict]:
    return json.loads(LABELS.read_text())["tasks"]


def score(tasks: list[dict], labelled: list[dict]) -> dict:
    """The figures of one run: ``tasks`` as ``taskcost tasks --format json`` lists them."""
    by_key = {(t["session_id"], t["started_at"]): t for t in tasks}
    pairs, missing = [], []
    for lab in labelled:
        t = by_key.pop((lab["session_id"], lab["started_at"]), None)
        if t is None:
            missing.append(lab)
        else:
            pairs.append((lab, t))
    cost = {id(t): t["cost_usd"] or 0.0 for _, t in pairs}
    spend = sum(cost.values()) or 1.0
    per = {}
    for o in OUTCOMES:
        said = [(lab, t) for lab, t in pairs if t["outcome"] == o]
        truth = [(lab, t) for lab, t in pairs if lab["unit_outcome"] == o]
        right = sum(1 for lab, _ in said if lab["unit_outcome"] == o)
        per[o] = {
            "said": len(said),
            "labelled": len(truth),
            "right": right,
            "precision": right / len(said) if said else None,
            "recall": right / len(truth) if truth else None,
            "spend_share": sum(cost[id(t)] for _, t in said) / spend,
            "label_spend_share": sum(cost[id(t)] for _, t in truth) / spend,
        }
    steered = [(lab, t) for lab, t in pairs if lab["label"] == "steered"]
    return {
        "tasks": len(pairs),
        "spend": spend,
        "unlabelled": sorted(by_key),
        "missing": [(lab["session_id"], lab["started_at"]) for lab in missing],
        "per": per,
        "steered": len(steered),
        "steered_found": sum(1 for _, t in steered if t.get("steer")),
        "steered_flagged": sum(1 for _, t in pairs if t.get("steer")),
        "steered_flagged_right": sum(1 for lab, t in pairs if t.get("steer") and lab["label"] == "steered"),
        "steered_abandoned_high": sum(
            1 for _, t in steered if t["outcome"] == "abandoned" and t["outcome_confidence"] == "high"
        ),
        "reasons": Counter((t["outcome"], t["outcome_reason"]) for _, t in pairs),
        "disagree": [
            (lab, t)
            for lab, t in pairs
            if t["outcome"] != lab["unit_outcome"] or bool(t.get("steer")) != (lab["label"] == "steered")
        ],
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def markdown(s: dict) -> str:
    per = s["per"]
    out = [
        f"{s['tasks']} labelled tasks, ${s['spend']:.2f}"
        + (f"; {len(s['missing'])} labels match no task" if s["missing"] else "")
        + (f"; {len(s['unlabelled'])} tasks have no label" if s["unlabelled"] else ""),
        "",
        "| outcome | taskcost | labels | right | precision | recall | share of spend: taskcost, labels |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in OUTCOMES:
        p = per[o]
        cells = [o, p["said"], p["labelled"], p["right"], _pct(p["precision"]), _pct(p["recall"])]
        shares = f"{100 * p['spend_share']:.1f}%, {100 * p['label_spend_share']:.1f}%"
        out.append("| " + " | ".join(map(str, [*cells, shares])) + " |")
    out += [
        "",
        f"- unknown: {per['unknown']['said']} of {s['tasks']} tasks "
        f"({_pct(per['unknown']['said'] / s['tasks'])}), "
        f"{100 * per['unknown']['spend_share']:.1f}% of spend",
        f"- abandoned share of spend: {100 * per['abandoned']['spend_share']:.1f}% "
        f"(labels: {100 * per['abandoned']['label_spend_share']:.1f}%)",
        f"- steered attempts (labels): {s['steered']}; found as steered: {s['steered_found']}; "
        f"flagged steered: {s['steered_flagged']} ({s['steered_flagged_right']} right); "
        f"called abandoned/high: {s['steered_abandoned_high']}",
        "",
        "| taskcost outcome | reason | tasks |",
        "|---|---|---|",
        *(f"| {o} | {r} | {n} |" for (o, r), n in sorted(s["reasons"].items())),
    ]
    if s["disagree"]:
        out += ["", "Disagreements:", ""]
        for lab, t in s["disagree"]:
            out.append(
                f"- {lab['file']} {lab['started_at']}: label {lab['label']} ({lab['unit_outcome']}), "
                f"taskcost {t['outcome']} / {t['outcome_reason']} / {t['outcome_confidence']}"
                + (" / steered" if t.get("steer") else "")
                + f", ${t['cost_usd'] or 0:.2f}"
            )
    return "\n".join(out)


def run(real_logs: Path) -> list[dict]:
    """Ingest the labelled logs into a throwaway warehouse; the tasks as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TASKCOST_HOME": tmp}
        cmd = [sys.executable, "-m", "taskcost"]
        paths = [str(real_logs / "claude_code"), str(real_logs / "codex")]
        subprocess.run(
            [*cmd, "ingest", "--user", "eval", "--machine", "eval", *paths],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        listed = subprocess.run(
            [*cmd, "tasks", "--format", "json", "--now", NOW],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(listed.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real-logs", type=Path, default=REAL_LOGS)
    args = parser.parse_args()
    print(markdown(score(run(args.real_logs), labels())))


if __name__ == "__main__":
    main()
