#!/usr/bin/env python3
"""Benchmark taskcost against ccusage, side by side, on one Claude Code corpus.

Usage:
    python benchmarks/run.py CORPUS_DIR [--taskcost taskcost] [--ccusage PATH]
                             [--repeat 3] [--json results.json] [--skip-append]

CORPUS_DIR is a Claude config dir (it has projects/), e.g. one made by
benchmarks/gen_corpus.py:

    python benchmarks/gen_corpus.py /tmp/cc1g --size 1GB --big-file 600MB --seed 1
    python benchmarks/run.py /tmp/cc1g --repeat 3 --json /tmp/cc1g-results.json

ccusage (the peer tool, pinned to 20.0.24) is not a Python package. Install it in an
empty folder whose package.json is `{}`:

    mkdir /tmp/ccusage && cd /tmp/ccusage && echo '{}' > package.json
    npm install ccusage@20.0.24 @ccusage/ccusage-linux-x64@20.0.24

then pass --ccusage /tmp/ccusage/node_modules/.bin/ccusage (default: `ccusage` on PATH,
else ./node_modules/.bin/ccusage). Its bin is a small node script that spawns the
native binary, which is why peak RSS is measured over the whole process tree.

Steps (timed one by one, in this order):
  a. taskcost cold ingest into a fresh temporary warehouse W, then the daily report
       taskcost --warehouse W ingest CORPUS/projects
       taskcost --warehouse W daily --format json --timezone UTC
  b. taskcost no-change re-ingest (same W, corpus unchanged)
  c. taskcost daily report from the warehouse (--repeat N, median)
  d. ccusage claude daily --offline --json --timezone UTC with CLAUDE_CONFIG_DIR=CORPUS
     (--repeat N, median). --timezone UTC (and TZ=UTC) so its date buckets match.
  f. taskcost tasks report from the warehouse (--repeat N, median); its tasks plus the
     outside-any-task bucket are checked against the daily report's request count
  g. ccusage claude session --offline --json (--repeat N, median): ccusage has no
     per-task report; its per-session one is the nearest per-unit report
  h. taskcost report weekly --weeks 520 --format json from the warehouse (--repeat N,
     median): tasks, outcomes and the weekly spend-per-task figures over every week
  i. ccusage claude weekly --offline --json (--repeat N, median): tokens and cost per
     week, no tasks or outcomes
  e. incremental ingest after 1 % new lines: runs gen_corpus.py CORPUS --append-percent 1
     (THIS MODIFIES THE CORPUS; --skip-append to skip) then times the ingest into W, and
     checks both tools' totals again.

Before step a, every corpus file is read once so both tools start with a warm page
cache (--no-warm to skip). Token totals of the two daily JSON outputs are compared
(and with CORPUS/benchmark-manifest.json, the generator's ground truth, when present).

Measurements per command: wall time (time.perf_counter around the child), CPU time
(user+sys) and peak RSS from os.wait4() on the child (ru_maxrss = the largest single
process of the child's tree, exact), and the peak of the summed RSS of all processes of
the child's session sampled every --sample-interval seconds from /proc ("tree RSS").

Output: markdown on stdout (paste into BENCHMARKS.md), progress on stderr.
Python 3.11 standard library only. Exit status 1 if any command failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "gen_corpus.py")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
CCUSAGE_INSTALL = (
    "install it in an empty folder with a package.json of {}:  "
    "npm install ccusage@20.0.24 @ccusage/ccusage-linux-x64@20.0.24  "
    "and pass --ccusage PATH/node_modules/.bin/ccusage"
)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# measuring one command


@dataclass
class Run:
    cmd: list[str]
    rc: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    maxrss_kb: int = 0  # wait4 ru_maxrss: largest single process of the tree
    tree_rss_kb: int = 0  # sampled peak of the summed RSS over the process tree
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    def brief(self):
        d = asdict(self)
        d.pop("stdout")
        d["stderr"] = self.stderr[-2000:]
        return d


def _session_rss_kb(sid: int) -> int:
    total = 0
    try:
        names = os.listdir("/proc")
    except OSError:
        return 0
    for n in names:
        if not n.isdigit():
            continue
        try:
            with open(f"/proc/{n}/stat", "rb") as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rfind(b")") + 2 :].split()
        # rest[0]=state, [1]=ppid, [2]=pgrp, [3]=session, ..., [21]=rss (pages)
        try:
            if int(rest[3]) == sid or int(rest[2]) == sid:
                total += int(rest[21]) * PAGE // 1024
        except (IndexError, ValueError):
            continue
    return total


def measure(
    cmd: list[str],
    *,
    env: dict | None = None,
    timeout: float | None = None,
    sample: float = 0.1,
    keep_stdout: bool = True,
) -> Run:
    run = Run(cmd=list(cmd))
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    timef = None
    full = list(cmd)
    if GNU_TIME:
        # GNU time forks the command from a ~2 MB process, so its %M is the command's own
        # peak; os.wait4 on a child of this Python process would also count the Python
        # parent's memory (the child starts as a copy of it before exec).
        fd, timef = tempfile.mkstemp(prefix="bench-time-")
        os.close(fd)
        full = [GNU_TIME, "-f", "%M", "-o", timef, "--"] + full
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(
            full, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
    except OSError as e:
        run.rc = 127
        run.stderr = f"cannot start {cmd[0]!r}: {e}"
        return run
    peak = [0]
    done = threading.Event()

    def sampler():
        while not done.is_set():
            v = _session_rss_kb(p.pid)
            if v > peak[0]:
                peak[0] = v
            done.wait(sample)

    th = None
    if sample > 0 and os.path.isdir("/proc"):
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
    timer = None
    if timeout:

        def kill():
            run.timed_out = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
    while True:
        try:
            _, status, ru = os.wait4(p.pid, 0)
            break
        except InterruptedError:
            continue
    run.wall = time.perf_counter() - t0
    done.set()
    if timer:
        timer.cancel()
    if th:
        th.join()
    p.returncode = run.rc = os.waitstatus_to_exitcode(status)
    run.cpu = ru.ru_utime + ru.ru_stime
    run.maxrss_kb = ru.ru_maxrss
    if timef:
        try:
            with open(timef) as f:
                lines = [ln for ln in f.read().split("\n") if ln.strip()]
            run.maxrss_kb = int(lines[-1].split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        os.unlink(timef)
    # the sampler can miss short peaks; the tree never uses less than its largest process
    run.tree_rss_kb = max(peak[0], run.maxrss_kb)
    out.seek(0)
    err.seek(0)
    if keep_stdout:
        run.stdout = out.read().decode("utf-8", "replace")
    run.stderr = err.read().decode("utf-8", "replace")
    out.close()
    err.close()
    return run


def find_gnu_time() -> str | None:
    exe = "/usr/bin/time"
    if not os.access(exe, os.X_OK):
        return None
    try:
        r = subprocess.run([exe, "-f", "%M", "true"], capture_output=True, text=True, timeout=10)
        int(r.stderr.strip().splitlines()[-1])
        return exe
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None


GNU_TIME = find_gnu_time()


def fail_text(run: Run) -> str:
    why = "timed out" if run.timed_out else f"exit status {run.rc}"
    tail = run.stderr.strip()[-3000:] or "(no stderr)"
    return f"command failed ({why}): {shlex.join(run.cmd)}\n--- stderr ---\n{tail}\n---"


# ---------------------------------------------------------------------------
# environment


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_bytes": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def version_of(cmd: list[str], env=None) -> str:
    try:
        r = subprocess.run(
            cmd + ["--version"], capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e.__class__.__name__})"
    text = (r.stdout.strip() or r.stderr.strip()).splitlines()
    if r.returncode != 0 or not text:
        return f"unknown (--version exit {r.returncode})"
    return text[0].strip()


def resolve_ccusage(arg: str | None) -> list[str] | None:
    if arg:
        parts = shlex.split(arg)
        exe = shutil.which(parts[0]) or (parts[0] if os.path.exists(parts[0]) else None)
        return [os.path.abspath(exe) if os.path.exists(exe) else exe] + parts[1:] if exe else None
    exe = shutil.which("ccusage")
    if exe:
        return [exe]
    local = os.path.abspath(os.path.join("node_modules", ".bin", "ccusage"))
    if os.path.exists(local):
        return [local]
    return None


def resolve_taskcost(arg: str) -> list[str] | None:
    parts = shlex.split(arg)
    if not parts:
        return None
    exe = shutil.which(parts[0])
    if exe is None:
        if os.path.exists(parts[0]):
            exe = os.path.abspath(parts[0])
        else:
            return None
    return [exe] + parts[1:]


def warm_and_count(projects: str) -> dict:
    files = 0
    size = 0
    lines = 0
    for root, dirs, names in os.walk(projects):
        for n in names:
            if not n.endswith(".jsonl"):
                continue
            files += 1
            with open(os.path.join(root, n), "rb") as f:
                while True:
                    b = f.read(1 << 23)
                    if not b:
                        break
                    size += len(b)
                    lines += b.count(b"\n")
    return {"files": files, "bytes": size, "lines": lines}


def dir_size(path: str) -> int:
    total = 0
    for root, dirs, names in os.walk(path):
        for n in names:
            try:
                total += os.path.getsize(os.path.join(root, n))
            except OSError:
                pass
    return total


# ---------------------------------------------------------------------------
# report parsing

CATS = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"]
CC_KEYS = {
    "input_tokens": "inputTokens",
    "output_tokens": "outputTokens",
    "cache_read_tokens": "cacheReadTokens",
    "cache_write_tokens": "cacheCreationTokens",
}


def parse_taskcost_daily(text: str) -> dict:
    data = json.loads(text)
    if isinstance(data, dict):
        for k in ("daily", "rows", "data"):
            if isinstance(data.get(k), list):
                data = data[k]
                break
    if not isinstance(data, list):
        raise ValueError("taskcost daily JSON is not an array of rows")
    sources = sorted({str(r.get("source")) for r in data})
    rows = data
    if any("claude" in s.lower() for s in sources) and len(sources) > 1:
        rows = [r for r in data if "claude" in str(r.get("source", "")).lower()]
    tot = {c: 0 for c in CATS}
    tot.update(cost_usd=0.0, requests=0, unpriced_requests=0)
    by_date: dict[str, dict] = {}
    models = set()
    for r in rows:
        d = by_date.setdefault(str(r.get("date")), {c: 0 for c in CATS})
        for c in CATS:
            v = int(r.get(c) or 0)
            tot[c] += v
            d[c] += v
        tot["cost_usd"] += float(r.get("cost_usd") or 0)
        tot["requests"] += int(r.get("requests") or 0)
        tot["unpriced_requests"] += int(r.get("unpriced_requests") or 0)
        models.add(r.get("model"))
    return {
        "totals": tot,
        "by_date": by_date,
        "rows": len(data),
        "sources": sources,
        "models": sorted(str(m) for m in models),
    }


def parse_ccusage_daily(text: str) -> dict:
    data = json.loads(text)
    t = data.get("totals") or {}
    tot = {c: int(t.get(CC_KEYS[c]) or 0) for c in CATS}
    tot["cost_usd"] = float(t.get("totalCost") or 0)
    by_date = {}
    models = set()
    for d in data.get("daily") or []:
        by_date[d["date"]] = {c: int(d.get(CC_KEYS[c]) or 0) for c in CATS}
        models.update(d.get("modelsUsed") or [])
    return {"totals": tot, "by_date": by_date, "rows": len(data.get("daily") or []), "models": sorted(models)}


def load_manifest(corpus: str) -> dict | None:
    p = os.path.join(corpus, "benchmark-manifest.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        m = json.load(f)
    return {
        "totals": {c: int(m["totals"].get(c, 0)) for c in CATS}
        | {"requests": int(m["totals"].get("requests", 0))},
        "by_date": {d: {c: int(v.get(c, 0)) for c in CATS} for d, v in m["by_date"].items()},
        "raw": m,
    }


def compare(tc: dict | None, cc: dict | None, gt: dict | None) -> dict:
    res = {"rows": [], "agree": None, "days_total": 0, "days_mismatch": []}
    for c in CATS:
        a = tc["totals"][c] if tc else None
        b = cc["totals"][c] if cc else None
        g = gt["totals"][c] if gt else None
        res["rows"].append({"category": c, "taskcost": a, "ccusage": b, "ground_truth": g})
    if tc and cc:
        res["agree"] = all(r["taskcost"] == r["ccusage"] for r in res["rows"])
        days = sorted(set(tc["by_date"]) | set(cc["by_date"]))
        res["days_total"] = len(days)
        zero = {c: 0 for c in CATS}
        res["days_mismatch"] = [d for d in days if tc["by_date"].get(d, zero) != cc["by_date"].get(d, zero)]
    if gt:
        for who, rep in (("taskcost", tc), ("ccusage", cc)):
            if rep:
                res[f"{who}_matches_ground_truth"] = all(rep["totals"][c] == gt["totals"][c] for c in CATS)
    return res


# ---------------------------------------------------------------------------
# formatting


def fmt_s(x):
    if x is None:
        return "—"
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_mb(kb):
    return "—" if not kb else f"{kb / 1024:.0f}"


def fmt_int(v):
    return "—" if v is None else f"{v:,}"


def ratio(a, b):
    if not a or not b:
        return "—"
    return f"{a / b:.2f}×"


def human_bytes(n):
    if n is None:
        return "—"
    for u in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or u == "TB":
            return f"{n:.0f} {u}" if u == "B" else f"{n:.2f} {u}"
        n /= 1000


@dataclass
class Step:
    key: str
    label: str
    tool: str
    command: str
    runs: list = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None

    def ok_runs(self):
        return [r for r in self.runs if r.ok]

    def wall(self):
        v = [r.wall for r in self.ok_runs()]
        return statistics.median(v) if v else None

    def minmax(self):
        v = [r.wall for r in self.ok_runs()]
        return (min(v), max(v)) if v else (None, None)

    def cpu(self):
        v = [r.cpu for r in self.ok_runs()]
        return statistics.median(v) if v else None

    def tree_rss(self):
        return max((r.tree_rss_kb for r in self.ok_runs()), default=0)

    def maxrss(self):
        return max((r.maxrss_kb for r in self.ok_runs()), default=0)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Benchmark taskcost vs ccusage (see module docstring).")
    ap.add_argument("corpus", help="Claude config dir with projects/ (e.g. from gen_corpus.py)")
    ap.add_argument(
        "--taskcost",
        default="taskcost",
        help="taskcost command (default: taskcost on PATH; may be e.g. 'python -m taskcost')",
    )
    ap.add_argument(
        "--ccusage",
        default=None,
        help="ccusage executable (default: ccusage on PATH, else ./node_modules/.bin/ccusage)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs of steps c and d (median)")
    ap.add_argument(
        "--cold-repeat",
        type=int,
        default=1,
        help="runs of step a, each into a new fresh warehouse (median; default 1)",
    )
    ap.add_argument("--json", dest="json_out", default=None, help="also write raw results here")
    ap.add_argument(
        "--skip-append",
        action="store_true",
        help="skip step e (it appends 1%% new lines to the corpus: modifies it!)",
    )
    ap.add_argument("--append-percent", type=float, default=1.0)
    ap.add_argument("--skip-ccusage", action="store_true", help="run taskcost steps only")
    ap.add_argument("--no-warm", action="store_true", help="don't pre-read the corpus")
    ap.add_argument(
        "--workdir", default=None, help="where temporary warehouses go (default: system temp dir)"
    )
    ap.add_argument("--keep-warehouse", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600, help="per command, seconds")
    ap.add_argument(
        "--sample-interval", type=float, default=0.1, help="tree RSS sampling period in seconds (0 = off)"
    )
    a = ap.parse_args(argv)

    corpus = os.path.abspath(a.corpus)
    projects = os.path.join(corpus, "projects")
    if not os.path.isdir(projects):
        sys.exit(f"error: {projects} is not a directory (CORPUS_DIR must contain projects/)")
    if a.repeat < 1:
        sys.exit("error: --repeat must be >= 1")

    taskcost = resolve_taskcost(a.taskcost)
    if taskcost is None:
        log(
            f"error: taskcost command {a.taskcost!r} not found (install the project, e.g. "
            f"`pip install -e .`, or pass --taskcost 'python -m taskcost')"
        )
    ccusage = None
    if not a.skip_ccusage:
        ccusage = resolve_ccusage(a.ccusage)
        if ccusage is None:
            log(
                f"error: ccusage not found ({a.ccusage or 'not on PATH, no ./node_modules/.bin/ccusage'}); "
                + CCUSAGE_INSTALL
            )
    if taskcost is None and ccusage is None:
        sys.exit(2)
    failures = []
    if taskcost is None:
        failures.append("taskcost-not-found")
    if ccusage is None and not a.skip_ccusage:
        failures.append("ccusage-not-found")

    env_utc = dict(os.environ, TZ="UTC")
    cc_env = dict(env_utc, CLAUDE_CONFIG_DIR=corpus)
    info = machine_info()
    info["taskcost_version"] = version_of(taskcost) if taskcost else "not found"
    info["ccusage_version"] = version_of(ccusage) if ccusage else "not found"
    info["node_version"] = version_of(["node"]) if ccusage else "—"

    if not a.skip_append and taskcost:
        log(
            f"NOTE: the last step (e) will APPEND ~{a.append_percent:g}% new lines to the corpus "
            f"in {corpus} (use --skip-append to leave it unchanged)"
        )
    manifest = load_manifest(corpus)
    corpus_info = {"path": corpus}
    if not a.no_warm:
        log("warming the page cache (reading every corpus file once)...")
        t0 = time.perf_counter()
        corpus_info.update(warm_and_count(projects))
        corpus_info["warm_seconds"] = time.perf_counter() - t0
    else:
        corpus_info.update(files=None, bytes=dir_size(projects), lines=None)
    if manifest:
        m = manifest["raw"]
        corpus_info.update(
            unique_responses=m.get("unique_responses"),
            replayed_responses=m.get("replayed_responses"),
            big_file=m.get("big_file"),
            seed=m.get("seed"),
        )
        if m.get("big_file"):
            try:
                corpus_info["big_file_bytes"] = os.path.getsize(os.path.join(corpus, m["big_file"]))
            except OSError:
                pass

    base = tempfile.mkdtemp(prefix="taskcost-bench-", dir=a.workdir)
    wh = os.path.join(base, "warehouse")
    steps: dict[str, Step] = {}

    def tc_cmd(*rest):
        return taskcost + ["--warehouse", wh, *rest]

    def run_step(step: Step, cmd, n=1, env=None, label=None):
        steps[step.key] = step
        for i in range(n):
            nth = f"{i + 1}/{n}" if label is None else f"{label + 1}/{max(1, a.cold_repeat)}"
            log(f"[{step.key}] {step.label} ({nth}): {shlex.join(cmd)}")
            r = measure(cmd, env=env, timeout=a.timeout, sample=a.sample_interval)
            step.runs.append(r)
            if not r.ok:
                step.error = fail_text(r)
                log("  " + step.error.replace("\n", "\n  "))
                failures.append(step.key)
                return False
            log(
                f"  {r.wall:.2f}s wall, {r.cpu:.2f}s cpu, tree RSS {r.tree_rss_kb / 1024:.0f} MB, "
                f"max proc RSS {r.maxrss_kb / 1024:.0f} MB"
            )
        return True

    def skip(key, label, tool, command, why):
        steps[key] = Step(key, label, tool, command, skipped=why)

    reports = {}
    tasks_info: dict = {}
    daily_tc = ["daily", "--format", "json", "--timezone", "UTC"]
    tasks_tc = ["tasks", "--format", "json", "--timezone", "UTC"]
    TASKS = "taskcost --warehouse W tasks --format json --timezone UTC"
    weekly_tc = ["report", "weekly", "--weeks", "520", "--format", "json", "--timezone", "UTC"]
    WEEKLY = "taskcost --warehouse W report weekly --weeks 520 --format json --timezone UTC"
    CC_WEEKLY = "CLAUDE_CONFIG_DIR=CORPUS ccusage claude weekly --offline --json --timezone UTC"
    CC_SESSION = "CLAUDE_CONFIG_DIR=CORPUS ccusage claude session --offline --json --timezone UTC"
    ING = "taskcost --warehouse W ingest CORPUS/projects"
    DAY = "taskcost --warehouse W daily --format json --timezone UTC"
    CC = "CLAUDE_CONFIG_DIR=CORPUS ccusage claude daily --offline --json --timezone UTC"

    # a. cold ingest + daily (each repetition into a new, empty warehouse)
    ok_cold = False
    if taskcost:
        s_ing = Step("a1", "cold ingest (fresh warehouse)", "taskcost", ING)
        s_day = Step("a2", "daily report after cold ingest", "taskcost", DAY)
        for i in range(max(1, a.cold_repeat)):
            if os.path.exists(wh):
                shutil.rmtree(wh)
            ok_cold = False
            if not run_step(s_ing, tc_cmd("ingest", projects), env=env_utc, label=i):
                break
            if not run_step(s_day, tc_cmd(*daily_tc), env=env_utc, label=i):
                break
            ok_cold = True
        if ok_cold:
            try:
                reports["taskcost"] = parse_taskcost_daily(s_day.runs[-1].stdout)
            except (ValueError, KeyError, TypeError) as e:
                failures.append("a2-parse")
                s_day.error = f"could not parse taskcost daily JSON: {e}"
                log("  " + s_day.error)
        corpus_info["warehouse_bytes"] = dir_size(wh) if os.path.exists(wh) else None
    else:
        for k, l, c in (("a1", "cold ingest", ING), ("a2", "daily after cold ingest", DAY)):
            skip(k, l, "taskcost", c, "taskcost not found")

    # b. no-change re-ingest
    if ok_cold:
        run_step(
            Step("b", "re-ingest, nothing changed", "taskcost", ING), tc_cmd("ingest", projects), env=env_utc
        )
        # c. daily from the warehouse
        run_step(
            Step("c", "daily report from warehouse", "taskcost", DAY),
            tc_cmd(*daily_tc),
            n=a.repeat,
            env=env_utc,
        )
        # f. the tasks report from the warehouse (segmentation and outcomes over all of it)
        s_tasks = Step("f", "tasks report from warehouse", "taskcost", TASKS)
        if run_step(s_tasks, tc_cmd(*tasks_tc), n=a.repeat, env=env_utc):
            tasks_info.update(parse_taskcost_tasks(s_tasks.runs[-1].stdout, s_tasks.runs[-1].stderr))
        # h. the weekly spend-per-task report (tasks, outcomes and weekly figures over all weeks)
        run_step(
            Step("h", "weekly spend-per-task report from warehouse", "taskcost", WEEKLY),
            tc_cmd(*weekly_tc),
            n=a.repeat,
            env=env_utc,
        )
    else:
        why = "taskcost not found" if taskcost is None else "cold ingest failed"
        skip("b", "re-ingest, nothing changed", "taskcost", ING, why)
        skip("c", "daily report from warehouse", "taskcost", DAY, why)
        skip("f", "tasks report from warehouse", "taskcost", TASKS, why)
        skip("h", "weekly spend-per-task report from warehouse", "taskcost", WEEKLY, why)

    # d. ccusage
    if ccusage:
        s_cc = Step("d", "daily report from the JSONL files", "ccusage", CC)
        if run_step(
            s_cc,
            ccusage + ["claude", "daily", "--offline", "--json", "--timezone", "UTC"],
            n=a.repeat,
            env=cc_env,
        ):
            try:
                reports["ccusage"] = parse_ccusage_daily(s_cc.runs[-1].stdout)
            except (ValueError, KeyError, TypeError) as e:
                failures.append("d-parse")
                s_cc.error = f"could not parse ccusage daily JSON: {e}"
                log("  " + s_cc.error)
    else:
        skip(
            "d",
            "daily report from the JSONL files",
            "ccusage",
            CC,
            "skipped (--skip-ccusage)" if a.skip_ccusage else "ccusage not found",
        )

    # g. ccusage's nearest per-unit report (per session; it has no per-task report)
    if ccusage:
        run_step(
            Step("g", "session report from the JSONL files", "ccusage", CC_SESSION),
            ccusage + ["claude", "session", "--offline", "--json", "--timezone", "UTC"],
            n=a.repeat,
            env=cc_env,
        )
        # i. ccusage's weekly token/cost report (no tasks, no outcomes)
        run_step(
            Step("i", "weekly report from the JSONL files", "ccusage", CC_WEEKLY),
            ccusage + ["claude", "weekly", "--offline", "--json", "--timezone", "UTC"],
            n=a.repeat,
            env=cc_env,
        )
    else:
        skip("g", "session report from the JSONL files", "ccusage", CC_SESSION, "ccusage not run")
        skip("i", "weekly report from the JSONL files", "ccusage", CC_WEEKLY, "ccusage not run")

    cmp_before = compare(reports.get("taskcost"), reports.get("ccusage"), manifest)

    # e. incremental ingest after appending 1 % new lines
    cmp_after = None
    append_info = None
    E = f"gen_corpus.py CORPUS --append-percent {a.append_percent:g}; then {ING}"
    if a.skip_append:
        skip("e", f"ingest after +{a.append_percent:g}% new lines", "taskcost", E, "skipped (--skip-append)")
    elif not ok_cold:
        skip(
            "e",
            f"ingest after +{a.append_percent:g}% new lines",
            "taskcost",
            E,
            "taskcost not found" if taskcost is None else "cold ingest failed",
        )
    else:
        log(
            f"WARNING: step e appends {a.append_percent:g}% new lines to the corpus in {corpus} "
            f"(it is modified; use --skip-append to avoid this)"
        )
        gen = [sys.executable, GEN, corpus, "--append-percent", f"{a.append_percent:g}"]
        g = measure(gen, sample=0)
        append_info = {"cmd": shlex.join(gen), "rc": g.rc, "message": g.stderr.strip()[-500:], "wall": g.wall}
        if not g.ok:
            failures.append("e-append")
            skip("e", f"ingest after +{a.append_percent:g}% new lines", "taskcost", E, "appending failed")
            steps["e"].error = fail_text(g)
            log("  " + steps["e"].error)
        else:
            log("  " + g.stderr.strip().splitlines()[-1])
            if run_step(
                Step("e", f"ingest after +{a.append_percent:g}% new lines", "taskcost", E),
                tc_cmd("ingest", projects),
                env=env_utc,
            ):
                after = {}
                s2 = Step("e2", "daily report after incremental ingest", "taskcost", DAY)
                if run_step(s2, tc_cmd(*daily_tc), env=env_utc):
                    try:
                        after["taskcost"] = parse_taskcost_daily(s2.runs[-1].stdout)
                    except (ValueError, KeyError, TypeError) as e:
                        failures.append("e2-parse")
                        s2.error = f"could not parse taskcost daily JSON: {e}"
                if ccusage:
                    s3 = Step("e3", "ccusage daily after the append", "ccusage", CC)
                    if run_step(
                        s3,
                        ccusage + ["claude", "daily", "--offline", "--json", "--timezone", "UTC"],
                        env=cc_env,
                    ):
                        try:
                            after["ccusage"] = parse_ccusage_daily(s3.runs[-1].stdout)
                        except (ValueError, KeyError, TypeError) as e:
                            failures.append("e3-parse")
                            s3.error = f"could not parse ccusage daily JSON: {e}"
                cmp_after = compare(after.get("taskcost"), after.get("ccusage"), load_manifest(corpus))

    if not a.keep_warehouse:
        shutil.rmtree(base, ignore_errors=True)
    else:
        log(f"warehouse kept in {wh}")

    md = render(
        info, corpus_info, steps, reports, cmp_before, cmp_after, append_info, a, manifest is not None, tasks_info
    )
    print(md)
    if a.json_out:
        out = {
            "machine": info,
            "corpus": corpus_info,
            "repeat": a.repeat,
            "steps": {
                k: {
                    "label": s.label,
                    "tool": s.tool,
                    "command": s.command,
                    "median_wall_s": s.wall(),
                    "median_cpu_s": s.cpu(),
                    "peak_tree_rss_kb": s.tree_rss(),
                    "peak_proc_rss_kb": s.maxrss(),
                    "skipped": s.skipped,
                    "error": s.error,
                    "runs": [r.brief() for r in s.runs],
                }
                for k, s in steps.items()
            },
            "tokens_before_append": cmp_before,
            "tokens_after_append": cmp_after,
            "reports": {k: {kk: vv for kk, vv in v.items() if kk != "by_date"} for k, v in reports.items()},
            "append": append_info,
            "tasks": tasks_info,
            "failures": failures,
        }
        with open(a.json_out, "w") as f:
            json.dump(out, f, indent=1)
        log(f"raw results written to {a.json_out}")
    if failures:
        log(f"FAILED steps: {', '.join(failures)}")
        return 1
    return 0


def parse_taskcost_tasks(stdout: str, stderr: str) -> dict:
    """Tasks found, and whether tasks plus the outside bucket hold every request."""
    import re

    tasks = json.loads(stdout)
    outside = sum(int(m.replace(",", "")) for m in re.findall(r"Outside any task .*?: ([\d,]+) requests", stderr))
    outcomes: dict = {}
    for t in tasks:
        outcomes[t["outcome"]] = outcomes.get(t["outcome"], 0) + 1
    return {"tasks": len(tasks), "requests_in_tasks": sum(t["requests"] for t in tasks), "outside": outside,
            "outcomes": outcomes}  # fmt: skip


def render(info, corpus, steps, reports, cmp_before, cmp_after, append_info, a, has_gt, tasks_info) -> str:
    L = []
    L.append("## Benchmark: taskcost vs ccusage (Claude Code daily report)")
    L.append("")
    L.append(
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
        f"`python benchmarks/run.py CORPUS --repeat {a.repeat}`."
    )
    L.append("")
    L.append("| machine | |")
    L.append("|---|---|")
    ram = f"{info['ram_bytes'] / 2**30:.1f} GiB" if info.get("ram_bytes") else "?"
    cores = f"{info['cores']}" + (
        f" ({info['usable_cores']} usable)" if info.get("usable_cores") not in (None, info["cores"]) else ""
    )
    for k, v in (
        ("CPU", info["cpu"]),
        ("cores", cores),
        ("RAM", ram),
        ("OS", info["os"]),
        ("Python", info["python"]),
        ("taskcost", info["taskcost_version"]),
        ("ccusage", info["ccusage_version"]),
        ("node", info["node_version"]),
    ):
        L.append(f"| {k} | {v} |")
    L.append("")
    c = corpus
    desc = [f"{human_bytes(c.get('bytes'))}"]
    if c.get("files") is not None:
        desc.append(f"{c['files']:,} JSONL files")
    if c.get("lines") is not None:
        desc.append(f"{c['lines']:,} lines")
    if c.get("unique_responses") is not None:
        desc.append(
            f"{c['unique_responses']:,} unique API responses "
            f"(+{c.get('replayed_responses') or 0:,} replayed in resumed sessions)"
        )
    if c.get("big_file_bytes"):
        desc.append(f"largest session file {human_bytes(c['big_file_bytes'])}")
    line = f"Corpus (before step e): {', '.join(desc)}"
    if c.get("seed") is not None:
        line += f"; generated by `gen_corpus.py` seed {c['seed']}"
    line += "."
    if "warm_seconds" in c:
        line += " Page cache warm (every file read once before timing)."
    L.append(line)
    if c.get("warehouse_bytes"):
        L.append(f"taskcost warehouse after cold ingest: {human_bytes(c['warehouse_bytes'])} on disk.")
    L.append("")
    L.append(
        "W = a fresh temporary warehouse; wall = median over runs (min–max); CPU = user+sys "
        "of the process tree; RSS = peak summed RSS of the process tree (sampled) / "
        "largest single process (exact: GNU time %M, else wait4)."
    )
    L.append("")
    L.append("| step | command | runs | wall s | CPU s | peak RSS MB (tree / max proc) |")
    L.append("|---|---|---|---|---|---|")
    order = ["a1", "a2", "a", "b", "c", "d", "f", "g", "h", "i", "e", "e2", "e3"]
    a1, a2, b, cc, d, e, f, g = (steps.get(k) for k in ("a1", "a2", "b", "c", "d", "e", "f", "g"))
    h, i = steps.get("h"), steps.get("i")

    def w(s):
        return s.wall() if s and not s.skipped and s.ok_runs() else None

    cold = (w(a1) + w(a2)) if w(a1) is not None and w(a2) is not None else None
    for k in order:
        if k == "a":
            if cold is not None:
                L.append(
                    f"| a. taskcost: cold ingest + daily (sum) | | | **{fmt_s(cold)}** | "
                    f"{fmt_s(a1.cpu() + a2.cpu())} | "
                    f"{fmt_mb(max(a1.tree_rss(), a2.tree_rss()))} / "
                    f"{fmt_mb(max(a1.maxrss(), a2.maxrss()))} |"
                )
            continue
        s = steps.get(k)
        if not s:
            continue
        name = f"{k}. {s.tool}: {s.label}"
        if s.skipped:
            L.append(f"| {name} | `{s.command}` | — | {s.skipped} | | |")
            continue
        if s.error and not s.ok_runs():
            L.append(f"| {name} | `{s.command}` | {len(s.runs)} | **FAILED** | | |")
            continue
        lo, hi = s.minmax()
        wall_txt = fmt_s(s.wall()) + (f" ({fmt_s(lo)}–{fmt_s(hi)})" if len(s.ok_runs()) > 1 else "")
        L.append(
            f"| {name} | `{s.command}` | {len(s.ok_runs())} | {wall_txt} | {fmt_s(s.cpu())} | "
            f"{fmt_mb(s.tree_rss())} / {fmt_mb(s.maxrss())} |"
        )
    L.append("")
    L.append("| ratio | value |")
    L.append("|---|---|")
    L.append(f"| taskcost cold (ingest + daily) / ccusage daily | {ratio(cold, w(d))} |")
    L.append(
        f"| ccusage daily / taskcost daily from warehouse (speed-up of a repeat report) | "
        f"{ratio(w(d), w(cc))} |"
    )
    L.append(f"| taskcost no-change re-ingest / cold ingest | {ratio(w(b), w(a1))} |")
    L.append(
        f"| ccusage session report / taskcost tasks report (per-unit reports; tasks also judge outcomes) | "
        f"{ratio(w(g), w(f))} |"
    )
    L.append(
        f"| ccusage weekly report / taskcost weekly spend-per-task report (taskcost also cuts tasks "
        f"and judges outcomes) | {ratio(w(i), w(h))} |"
    )
    if e is not None and not e.skipped:
        L.append(
            f"| taskcost ingest after +{a.append_percent:g}% lines / cold ingest | {ratio(w(e), w(a1))} |"
        )
    for label, s in (
        ("taskcost cold ingest", a1),
        ("taskcost daily from warehouse", cc),
        ("ccusage daily", d),
    ):
        if s and s.ok_runs():
            L.append(
                f"| peak RSS {label} (tree / max proc) | {fmt_mb(s.tree_rss())} MB / "
                f"{fmt_mb(s.maxrss())} MB |"
            )
    if a1 and a1.ok_runs() and d and d.ok_runs():
        L.append(f"| peak RSS taskcost cold ingest / ccusage (tree) | {ratio(a1.tree_rss(), d.tree_rss())} |")
    if tasks_info:
        total = reports.get("taskcost", {}).get("totals", {}).get("requests")
        held = tasks_info["requests_in_tasks"] + tasks_info["outside"]
        L.append("")
        L.append(
            f"Tasks (step f): {tasks_info['tasks']:,} tasks ({', '.join(f'{k} {v:,}' for k, v in sorted(tasks_info['outcomes'].items()))}); "
            f"requests in tasks {tasks_info['requests_in_tasks']:,} + outside {tasks_info['outside']:,} = {held:,}"
            + (f" of {total:,} in the daily report ({'equal' if held == total else '**differs**'})." if total else ".")
        )
    if append_info and append_info.get("message"):
        L.append("")
        L.append(f"Step e appended: {append_info['message'].splitlines()[-1]}")
    L.append("")
    L.append(render_tokens("Token totals (steps a/d, before the append)", cmp_before, reports, has_gt))
    if cmp_after:
        L.append("")
        L.append(render_tokens("Token totals after the append (steps e2/e3)", cmp_after, {}, has_gt))
    return "\n".join(L)


def render_tokens(title, cmpres, reports, has_gt) -> str:
    L = [f"{title}:", ""]
    head = "| tokens | taskcost | ccusage |" + (" ground truth (manifest) |" if has_gt else "")
    L.append(head)
    L.append("|---|---|---|" + ("---|" if has_gt else ""))
    for r in cmpres["rows"]:
        mark = ""
        if r["taskcost"] is not None and r["ccusage"] is not None:
            mark = " ✓" if r["taskcost"] == r["ccusage"] else " ✗"
        line = f"| {r['category']} | {fmt_int(r['taskcost'])} | {fmt_int(r['ccusage'])}{mark} |"
        if has_gt:
            line += f" {fmt_int(r['ground_truth'])} |"
        L.append(line)
    tc, cc = reports.get("taskcost"), reports.get("ccusage")
    if tc or cc:
        L.append(
            f"| cost USD (own price tables) | "
            f"{'—' if not tc else format(tc['totals']['cost_usd'], ',.2f')} | "
            f"{'—' if not cc else format(cc['totals']['cost_usd'], ',.2f')} |" + (" |" if has_gt else "")
        )
    L.append("")
    if cmpres["agree"] is None:
        L.append("Agreement: not checked (one of the tools has no result).")
    elif cmpres["agree"] and not cmpres["days_mismatch"]:
        L.append(
            f"Agreement: **yes** — all four token totals are equal, and so are the totals of "
            f"each of the {cmpres['days_total']} UTC days."
        )
    else:
        bad = [r["category"] for r in cmpres["rows"] if r["taskcost"] != r["ccusage"]]
        L.append(
            f"Agreement: **NO** — totals differ in {', '.join(bad) or 'none'}; "
            f"{len(cmpres['days_mismatch'])} of {cmpres['days_total']} days differ"
            + (f" (first: {', '.join(cmpres['days_mismatch'][:5])})" if cmpres["days_mismatch"] else "")
            + "."
        )
    for who in ("taskcost", "ccusage"):
        k = f"{who}_matches_ground_truth"
        if k in cmpres:
            L.append(f"{who} vs generator ground truth: {'equal' if cmpres[k] else '**differs**'}.")
    if tc and tc["totals"].get("unpriced_requests"):
        L.append(f"taskcost unpriced requests: {tc['totals']['unpriced_requests']:,}.")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
