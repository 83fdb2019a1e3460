#!/usr/bin/env python3
"""Kill and Ctrl-C trials: an ingest stopped at a random moment leaves the warehouse as
it was or fully committed, says so in one line, and leaves no parser process behind.

Usage:
    python benchmarks/gen_corpus.py /tmp/trial-corpus --size 300MB --big-file 150MB --seed 3
    python benchmarks/kill_trials.py /tmp/trial-corpus --trials 30 [--taskcost .venv/bin/taskcost]

Each trial: a warehouse holding the corpus minus its largest file (the "before" state) is
copied; ``taskcost ingest CORPUS/projects`` starts on the copy and, after a random delay
within the measured length of a full ingest, gets SIGKILL (odd trials) or SIGINT (even
trials: Ctrl-C). Then:

- no process of the ingest is alive two seconds later (parser workers die with their
  parent, also after SIGKILL);
- after SIGINT: exit status 130, stderr one line, no traceback (unless it had committed:
  a signal that lands as the interpreter exits may end it with the signal itself);
- the warehouse reads, and its totals equal "before" or "after" (a full ingest), exactly;
- a new ``taskcost ingest`` then gives "after" exactly.

Output: a markdown summary on stdout (RELIABILITY.md), progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SQL = (
    "SELECT count(*) AS n, sum(input_tokens) AS i, sum(output_tokens) AS o, "
    "sum(cache_read_tokens) AS r, sum(cache_write_5m_tokens + cache_write_1h_tokens) AS w FROM requests"
)


def totals(tc: str, wh: Path) -> dict[str, object] | str:
    p = subprocess.run(
        [tc, "--warehouse", str(wh), "sql", SQL, "--format", "json"], capture_output=True, text=True
    )
    if p.returncode != 0:
        return f"unreadable: {p.stderr.strip()}"
    return json.loads(p.stdout)[0]


def ingest(tc: str, wh: Path, path: Path) -> subprocess.CompletedProcess[str]:
    args = [tc, "--warehouse", str(wh), "ingest", "--user", "u", "--machine", "m", str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True)


def _ctrl_c_default() -> None:
    # a job started in the background by a non-interactive shell (``trials &``) inherits
    # SIGINT ignored, and Python keeps an inherited ignore: Ctrl-C must reach the ingest
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def alive(pgid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(d))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--taskcost", default=shutil.which("taskcost") or ".venv/bin/taskcost")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    tc, projects = args.taskcost, args.corpus / "projects"
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="taskcost-trials-"))
    try:
        files = sorted(projects.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
        held = work / "held"  # the largest file, kept out of the "before" warehouse
        held.mkdir()
        biggest = files[-1]
        shutil.move(biggest, held / biggest.name)
        base = work / "base"
        ingest(tc, base, projects)
        before = totals(tc, base)
        shutil.move(held / biggest.name, biggest)
        full = work / "full"
        shutil.copytree(base, full)
        t0 = time.perf_counter()
        ingest(tc, full, projects)
        length = time.perf_counter() - t0
        after = totals(tc, full)
        print(f"full ingest of the held file: {length:.2f} s", file=sys.stderr)
        outcomes: dict[str, int] = {}
        problems: list[str] = []
        for n in range(args.trials):
            wh = work / f"t{n}"
            shutil.copytree(base, wh)
            sig = signal.SIGKILL if n % 2 else signal.SIGINT
            cmd = [tc, "--warehouse", str(wh), "ingest", "--user", "u", "--machine", "m", str(projects)]
            proc = subprocess.Popen(
                cmd, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_ctrl_c_default
            )
            delay = rng.uniform(0.05, length * 1.05)
            time.sleep(delay)
            finished = proc.poll() is not None
            if not finished:
                os.killpg(proc.pid, sig) if sig == signal.SIGKILL else os.kill(proc.pid, sig)
            _, err = proc.communicate()
            time.sleep(2)
            left = alive(proc.pid)
            state = totals(tc, wh)
            kind = "finished" if finished else sig.name
            verdict = "before" if state == before else "after" if state == after else "WRONG"
            outcomes[f"{kind} -> {verdict}"] = outcomes.get(f"{kind} -> {verdict}", 0) + 1
            if verdict == "WRONG":
                problems.append(f"trial {n} ({kind} at {delay:.2f} s): totals {state}")
            if left:
                problems.append(f"trial {n} ({kind} at {delay:.2f} s): processes left: {left}")
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
            # a Ctrl-C that lands once the run has committed (as the interpreter exits, after
            # the summary) may end it by the signal itself: fine, the run is done
            late = verdict == "after" and "Traceback" not in err
            if sig == signal.SIGINT and not finished and proc.returncode != 0 and not late:
                lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("\r")]
                if proc.returncode != 130 or len(lines) > 1 or "Traceback" in err:
                    last = lines[-1] if lines else ""
                    problems.append(
                        f"trial {n} (at {delay:.2f} s): Ctrl-C gave exit {proc.returncode} and "
                        f"{len(lines)} lines, the last: {last[:200]}"
                    )
                    print(err, file=sys.stderr)
            ingest(tc, wh, projects)
            if totals(tc, wh) != after:
                problems.append(f"trial {n}: re-ingest after the {kind} does not give the full totals")
            shutil.rmtree(wh)
            print(f"trial {n}: {kind} at {delay:.2f} s -> {verdict}", file=sys.stderr)
        print(f"{args.trials} trials on {args.corpus} ({sum(f.stat().st_size for f in files) >> 20} MiB,")
        print(f"held file {biggest.stat().st_size >> 20} MiB, full ingest of it {length:.2f} s):\n")
        print("| what happened | trials |\n|---|---|")
        for k, v in sorted(outcomes.items()):
            print(f"| {k} | {v} |")
        print("\nproblems: " + ("none" if not problems else ""))
        for p in problems:
            print(f"- {p}")
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
