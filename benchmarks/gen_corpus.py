#!/usr/bin/env python3
"""Generate a realistic synthetic Claude Code transcript corpus for benchmarks.

Usage:
    python benchmarks/gen_corpus.py OUT_DIR --size 1GB [--big-file 600MB] [--seed 1]
    python benchmarks/gen_corpus.py OUT_DIR --append-percent 1 [--seed 1]

OUT_DIR gets the layout of a Claude config dir (usable as CLAUDE_CONFIG_DIR):

    OUT_DIR/projects/<slug>/<session-uuid>.jsonl
    OUT_DIR/projects/<slug>/<session-uuid>/subagents/agent-<agentId>.jsonl
    OUT_DIR/benchmark-manifest.json   (ground truth; outside projects/, ignored by readers)

Sizes accept B/KB/MB/GB (decimal, 1 MB = 10**6 bytes) and KiB/MiB/GiB (binary).
``--size`` is the size of the whole corpus, *including* the ``--big-file`` session.

What is generated (shape of real Claude Code 2.1.1xx transcripts, see
shared/docs/formats.md sections 1 and 9; no real content is copied):

* ~20 projects, sessions spread over ~90 days ending at ``--end-date``; session files
  50 KB - 20 MB (log-normal, long-tailed) plus one session of ``--big-file`` bytes.
* user prompts (plain-string content), queue-operation, attachment, progress,
  file-history-snapshot, system/turn_duration, ai-title / last-prompt lines.
* assistant responses written as one line per content block (thinking, text, tool_use)
  that share message.id + requestId + the identical final usage and stop_reason.
* user tool_result lines with ``toolUseResult`` (Read 2-40 KB, Bash output, Edit with
  originalFile, Write, Grep/Glob, WebFetch, TodoWrite, Agent); rare very large lines
  (200 KB - 2 MB: Edit of a huge generated file, image reads as base64).
* compact_boundary + isCompactSummary line when the context reaches ~150-185k tokens,
  `<synthetic>` API error lines (zero usage, speed null), user interrupts.
* subagent files (isSidechain true, agentId, parent sessionId), mostly claude-haiku-4-5.
* ~2 % of responses replayed verbatim into a later "resumed" session file of the same
  project (same uuid / message.id / requestId, different sessionId) so dedupe matters.

Output is streamed line by line (memory stays bounded even for a 600 MB file).
Everything is derived from ``--seed``: the same arguments give byte-identical output.

The manifest holds the exact deduplicated token totals (overall, per model, per UTC
date) so benchmark results can be checked against ground truth.

``--append-percent P`` appends P % new lines (complete new turns with new, unique
responses) to ~10 % of the existing main session files, always including the largest
one, and updates the manifest. Used to measure incremental ingest.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import math
import os
import random
import re
import sys
import time
import uuid
from datetime import UTC, datetime

# ---------------------------------------------------------------------------
# constants

MAIN_MODELS = [  # (model, weight)
    ("claude-sonnet-4-6", 0.52),
    ("claude-opus-4-7", 0.36),
    ("claude-opus-4-6", 0.06),
    ("claude-sonnet-4-5-20250929", 0.06),
]
HAIKU = "claude-haiku-4-5-20251001"
ALL_MODELS = [m for m, _ in MAIN_MODELS] + [HAIKU]

# versions roughly ordered in time; later dates pick later versions
VERSIONS = ["2.1.104", "2.1.112", "2.1.121", "2.1.133", "2.1.150", "2.1.166", "2.1.178"]
ENTRYPOINTS = [("cli", 0.7), ("claude-vscode", 0.2), ("claude-desktop", 0.1)]

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"

MANIFEST = "benchmark-manifest.json"
SECONDS_PER_BYTE = 0.017  # measured: a session's natural time span per byte written

INTERRUPT_TOOL_TEXT = (
    "The user doesn't want to proceed with this tool use. The tool use was rejected "
    "(eg. if it was a file edit, the new_string was NOT written to the file). STOP what "
    "you are doing and wait for the user to tell you how to proceed."
)
COMPACT_PREFIX = (
    "This session is being continued from a previous conversation that ran out of "
    "context. The summary below covers the earlier portion of the conversation.\n\n"
)

WORDS = ["the", "a", "to", "of", "and", "in", "is", "for", "that", "with", "on", "this", "it", "be", "as", "are", "we", "by", "from", "at", "or", "an", "not", "should", "can", "will", "function", "value", "file", "test", "data", "error", "config", "request", "response", "user", "model", "token", "cache", "session", "project", "parser", "report", "daily", "cost", "table", "column", "row", "index", "query", "schema", "update", "build", "check", "run", "fix", "add", "remove", "refactor", "handle", "return", "type", "string", "number", "list", "map", "object", "async", "await", "import", "export", "module", "package", "version", "release", "branch", "commit", "merge", "deploy", "server", "client", "api", "endpoint", "route", "handler", "service", "database", "migration", "field", "record", "batch", "stream", "buffer", "chunk", "line", "path", "directory", "output", "input", "option", "flag", "default", "timeout", "retry", "limit", "size", "count", "total", "sum", "average", "warehouse", "parquet", "ingest", "dedupe", "incremental", "partition", "timestamp", "timezone", "date", "because", "however", "then", "also", "still", "only", "just", "already", "first", "next", "last", "each", "every", "looks", "like", "seems", "works", "fails", "passes", "expected", "actual", "missing", "wrong", "correct", "now", "let", "me", "look", "at", "the", "implementation", "see", "how", "it", "handles", "edge", "cases"]
WORDS_UNI = ["café", "naïve", "→", "—", "✓", "…", "façade", "über", "日本語", "résumé"]

IDENT = ["load", "parse", "read", "write", "emit", "flush", "open", "close", "scan", "walk", "split", "join", "merge", "group", "sort", "filter", "fetch", "build", "render", "format", "compute", "resolve", "normalize", "validate", "encode", "decode", "record", "entry", "event", "usage", "price", "rate", "cost", "total", "count", "state", "cache", "index", "key", "item", "node", "tree", "path", "file", "line", "block", "chunk", "batch", "frame", "window", "bucket", "row", "col", "day", "model"]

PROJECT_NAMES = ["api-gateway", "billing-service", "web-dashboard", "mobile-app", "data-pipeline", "infra-terraform", "docs-site", "auth-service", "ml-experiments", "cli-tools", "search-indexer", "payments-core", "notification-hub", "analytics-etl", "design-system", "game-engine", "chat-bot", "k8s-operator", "pdf-renderer", "recommender"]
USERS = ["alice", "bob", "dev", "mkim", "jsmith", "lena"]
BRANCHES = ["main", "main", "main", "develop", "HEAD", "feature/ingest", "fix/cache-ttl", ""]
EXTS = [".py", ".ts", ".tsx", ".rs", ".go", ".md", ".json", ".sql", ".yaml", ".js"]
DIRS = ["src", "src/lib", "src/api", "tests", "app", "pkg/core", "scripts", "docs", "internal"]

TOOL_WEIGHTS = [
    ("Read", 30),
    ("Bash", 28),
    ("Edit", 14),
    ("Grep", 7),
    ("Glob", 4),
    ("Write", 5),
    ("TodoWrite", 5),
    ("WebFetch", 2),
    ("Agent", 0.6),
]


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?i?b?)?\s*", text, re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size: {text!r}")
    num = float(m.group(1))
    unit = (m.group(2) or "").lower().rstrip("b")
    mult = {
        "": 1,
        "k": 10**3,
        "m": 10**6,
        "g": 10**9,
        "t": 10**12,
        "ki": 2**10,
        "mi": 2**20,
        "gi": 2**30,
        "ti": 2**40,
    }[unit]
    return int(num * mult)


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return str(n)


def fmt_ts(t: float) -> str:
    ms = int(round(t * 1000))
    s, ms = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ms:03d}Z"


def parse_ts(text: str) -> float:
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp() + (
        int(text[20:23]) / 1000 if len(text) > 22 else 0
    )


DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# ---------------------------------------------------------------------------
# text pools (built once; slices of them are used as file contents, outputs, ...)


class Pools:
    def __init__(self, seed: int):
        r = random.Random(seed * 7919 + 17)
        self.r = r
        # prose: ~1.5 MB of sentences
        words = WORDS
        parts = []
        size = 0
        while size < 1_500_000:
            n = r.randint(6, 22)
            ws = r.choices(words, k=n)
            if r.random() < 0.05:
                ws[r.randrange(n)] = r.choice(WORDS_UNI)
            if r.random() < 0.15:
                ws[r.randrange(n)] = f"`{r.choice(IDENT)}_{r.choice(IDENT)}()`"
            s = " ".join(ws).capitalize() + r.choice([". ", ". ", ". ", ": ", "? ", ".\n\n", ".\n- "])
            parts.append(s)
            size += len(s)
        self.prose = "".join(parts)
        # code: ~3 MB of code-like lines
        lines = []
        size = 0
        indent = 0
        while size < 3_000_000:
            k = r.random()
            a, b, c = r.choice(IDENT), r.choice(IDENT), r.choice(IDENT)
            if k < 0.08:
                ln = f"def {a}_{b}({c}, {r.choice(IDENT)}=None):"
                indent = 0
                lines.append("")
                lines.append(ln)
                indent = 4
                size += len(ln) + 2
                continue
            elif k < 0.12:
                ln = f"import {a}" if r.random() < 0.5 else f"from {a}.{b} import {c}_{a}"
                indent = 0
            elif k < 0.25:
                ln = f"if {a} is None or len({b}_{c}) > {r.randint(0, 4096)}:"
                lines.append(" " * indent + ln)
                size += indent + len(ln) + 1
                indent = min(indent + 4, 16)
                continue
            elif k < 0.35:
                ln = f'return {a}_{b}({c}, key="{r.choice(IDENT)}")'
                indent = max(4, indent - 4)
            elif k < 0.45:
                ln = f"# {r.choice(words)} {r.choice(words)} {r.choice(words)} {r.choice(IDENT)}"
            elif k < 0.55:
                ln = (
                    f'{a}_{b} = {{"{c}": {r.randint(0, 99999)}, "{r.choice(IDENT)}": '
                    f"'{r.choice(words)}\\t{r.choice(IDENT)}'}}"
                )
            elif k < 0.62:
                ln = f'raise ValueError(f"{r.choice(words)} {{{a}!r}} {r.choice(words)} {b}")'
            else:
                ln = f"{a} = {b}.{c}_{r.choice(IDENT)}({r.choice(IDENT)}, {r.randint(0, 999)})"
            lines.append(" " * indent + ln)
            size += indent + len(ln) + 1
        self.code = "\n".join(lines) + "\n"
        # shell-ish output lines
        out = []
        size = 0
        while size < 1_000_000:
            k = r.random()
            if k < 0.3:
                ln = (
                    f"tests/test_{r.choice(IDENT)}.py::test_{r.choice(IDENT)}_{r.choice(IDENT)} "
                    + r.choice(["PASSED", "PASSED", "PASSED", "FAILED", "SKIPPED"])
                    + f" [{r.randint(0, 100):3d}%]"
                )
            elif k < 0.5:
                ln = (
                    f"{r.choice(DIRS)}/{r.choice(IDENT)}_{r.choice(IDENT)}{r.choice(EXTS)}:"
                    f"{r.randint(1, 900)}:{r.randint(1, 80)}: {r.choice(words)} {r.choice(IDENT)}"
                )
            elif k < 0.6:
                ln = (
                    f"-rw-r--r--  1 {r.choice(USERS)} staff {r.randint(10, 99999):>7} "
                    f"Jun {r.randint(1, 30):2d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d} "
                    f"{r.choice(IDENT)}{r.choice(EXTS)}"
                )
            elif k < 0.7:
                ln = f"{''.join(r.choices(HEX, k=7))} {' '.join(r.choices(words, k=r.randint(3, 9)))}"
            else:
                ln = " ".join(r.choices(words, k=r.randint(4, 14)))
            out.append(ln)
            size += len(ln) + 1
        self.shell = "\n".join(out) + "\n"
        # base64 (signatures, images)
        self.b64 = base64.b64encode(r.randbytes(3_000_000)).decode()

    @staticmethod
    def _slice(pool: str, rng: random.Random, n: int, align_lines: bool) -> str:
        if n <= 0:
            return ""
        if n >= len(pool):
            reps = n // len(pool) + 1
            return (pool * reps)[:n]
        start = rng.randrange(0, len(pool) - n)
        if align_lines:
            nl = pool.find("\n", start, start + 200)
            if nl != -1 and nl + 1 + n <= len(pool):
                start = nl + 1
        return pool[start : start + n]

    def prose_text(self, rng, n):
        if n <= 0:
            return "ok"
        if n >= len(self.prose):
            return self._slice(self.prose, rng, n, False)
        start = rng.randrange(0, len(self.prose) - n)
        sp = self.prose.find(" ", start, start + 40)
        if sp != -1 and sp + 1 + n <= len(self.prose):
            start = sp + 1
        return self.prose[start : start + n].strip() or "ok"

    def code_text(self, rng, n):
        return self._slice(self.code, rng, n, True)

    def shell_text(self, rng, n):
        return self._slice(self.shell, rng, n, True)

    def b64_text(self, rng, n):
        return self._slice(self.b64, rng, n, False)


# ---------------------------------------------------------------------------


class Stats:
    """Global counters + ground truth of deduplicated usage."""

    def __init__(self):
        self.files = 0
        self.subagent_files = 0
        self.bytes = 0
        self.lines = 0
        self.responses = 0  # unique real responses (non-synthetic)
        self.synthetic = 0  # <synthetic> API error lines
        self.replayed = 0  # responses copied into a resumed session
        self.big_lines = 0
        self.compactions = 0
        self.tokens = collections.Counter()
        self.by_model: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.by_date: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def add_usage(self, model: str, ts: float, u: dict):
        d = time.strftime("%Y-%m-%d", time.gmtime(ts))
        vals = {
            "input_tokens": u["input_tokens"],
            "output_tokens": u["output_tokens"],
            "cache_read_tokens": u["cache_read_input_tokens"],
            "cache_write_tokens": u["cache_creation_input_tokens"],
            "cache_write_5m_tokens": u["cache_creation"]["ephemeral_5m_input_tokens"],
            "cache_write_1h_tokens": u["cache_creation"]["ephemeral_1h_input_tokens"],
            "requests": 1,
        }
        for c in (self.tokens, self.by_model[model], self.by_date[d]):
            c.update(vals)


def lognormal_int(rng, median, sigma, lo, hi):
    v = int(median * math.exp(rng.gauss(0.0, sigma)))
    return max(lo, min(hi, v))


class Session:
    """Writes the lines of one session (or subagent) file, keeping conversation state."""

    def __init__(
        self,
        gen: Generator,
        path: str,
        *,
        session_id: str,
        cwd: str,
        version: str,
        branch: str,
        entrypoint: str,
        model: str,
        cache_mode: str,
        clock: float,
        byte_budget: int | None = None,
        line_budget: int | None = None,
        is_sidechain: bool = False,
        agent_id: str | None = None,
        parent_uuid: str | None = None,
        ctx: int | None = None,
        slug: str | None = None,
        allow_agents: bool = True,
        allow_huge: bool = True,
        record_tail: collections.deque | None = None,
        append: bool = False,
    ):
        self.g = gen
        self.rng = gen.rng
        self.path = path
        self.fh = open(path, "ab" if append else "wb", buffering=1 << 20)
        self.session_id = session_id
        self.cwd = cwd
        self.version = version
        self.branch = branch
        self.entrypoint = entrypoint
        self.model = model
        self.cache_mode = cache_mode  # "1h", "5m" or "mixed"
        self.clock = clock
        self.byte_budget = byte_budget
        self.line_budget = line_budget
        self.is_sidechain = is_sidechain
        self.agent_id = agent_id
        self.parent = parent_uuid
        self.base_ctx = self.rng.randint(14_000, 22_000)  # system prompt + tools
        self.ctx = ctx if ctx is not None else 0  # tokens in the cached prefix
        self.pending = 0  # new tokens since last call
        self.last_call = clock
        self.compact_at = self.rng.randint(150_000, 185_000)
        self.slug = slug
        self.allow_agents = allow_agents and not is_sidechain
        self.allow_huge = allow_huge
        self.tail = record_tail
        self.group: list[str] | None = None
        self.bytes = 0
        self.lines = 0
        self.tracked_files: list[str] = []
        self.caller = version >= "2.1.170"
        self.last_usage: dict | None = None
        self.prompt_id: str | None = None
        self.turns = 0

    # -- low level -------------------------------------------------------
    def emit(self, obj: dict) -> str:
        line = DUMPS(obj)
        b = line.encode("utf-8") + b"\n"
        self.fh.write(b)
        n = len(b)
        self.bytes += n
        self.lines += 1
        self.g.stats.bytes += n
        self.g.stats.lines += 1
        if self.group is not None:
            self.group.append(line)
        return line

    def emit_raw(self, line: str):
        b = line.encode("utf-8") + b"\n"
        self.fh.write(b)
        self.bytes += len(b)
        self.lines += 1
        self.g.stats.bytes += len(b)
        self.g.stats.lines += 1

    def close(self):
        self.fh.close()

    def full(self) -> bool:
        if self.byte_budget is not None and self.bytes >= self.byte_budget:
            return True
        if self.line_budget is not None and self.lines >= self.line_budget:
            return True
        return False

    def remaining_bytes(self) -> int:
        if self.byte_budget is None:
            return 1 << 40 if self.line_budget and self.line_budget > 3000 else 0
        return self.byte_budget - self.bytes

    def tick(self, lo: float, hi: float):
        self.clock += self.rng.uniform(lo, hi) * self.g.time_scale

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def envelope(self, parent: str | None) -> dict:
        d = {"parentUuid": parent, "isSidechain": self.is_sidechain}
        if self.agent_id:
            d["agentId"] = self.agent_id
        return d

    def tail_fields(self, d: dict):
        d["userType"] = "external"
        d["entrypoint"] = self.entrypoint
        d["cwd"] = self.cwd
        d["sessionId"] = self.session_id
        d["version"] = self.version
        d["gitBranch"] = self.branch
        if self.slug:
            d["slug"] = self.slug
        return d

    # -- ids -----------------------------------------------------------------
    def msg_id(self):
        return "msg_01" + "".join(self.rng.choices(B62, k=22))

    def req_id(self):
        return "req_011C" + "".join(self.rng.choices(B62, k=20))

    def toolu_id(self):
        return "toolu_01" + "".join(self.rng.choices(B62, k=22))

    def rand_path(self):
        r = self.rng
        return f"{self.cwd}/{r.choice(DIRS)}/{r.choice(IDENT)}_{r.choice(IDENT)}{r.choice(EXTS)}"

    # -- line kinds ------------------------------------------------------------
    def user_line(
        self,
        content,
        *,
        extra: dict | None = None,
        tool_result: dict | None = None,
        source_uuid: str | None = None,
        prompt: bool = False,
    ) -> str:
        uid = self.uid()
        d = self.envelope(self.parent)
        if self.prompt_id and not self.is_sidechain:
            d["promptId"] = self.prompt_id
        d["type"] = "user"
        d["message"] = {"role": "user", "content": content}
        if extra:
            d.update(extra)
        d["uuid"] = uid
        d["timestamp"] = fmt_ts(self.clock)
        if prompt and not self.is_sidechain:
            d["permissionMode"] = self.g.permission_mode
        if tool_result is not None:
            d["toolUseResult"] = tool_result
            d["sourceToolAssistantUUID"] = source_uuid
        self.tail_fields(d)
        self.emit(d)
        self.parent = uid
        return uid

    def system_line(self, subtype: str, fields: dict, parent="__cur__"):
        uid = self.uid()
        d = {"parentUuid": self.parent if parent == "__cur__" else parent, "isSidechain": self.is_sidechain}
        if self.agent_id:
            d["agentId"] = self.agent_id
        d["type"] = "system"
        d["subtype"] = subtype
        d.update(fields)
        d["timestamp"] = fmt_ts(self.clock)
        d["uuid"] = uid
        d["isMeta"] = False
        self.tail_fields(d)
        self.emit(d)
        self.parent = uid
        return uid

    def attachment_line(self, att: dict):
        uid = self.uid()
        d = self.envelope(self.parent)
        d["attachment"] = att
        d["type"] = "attachment"
        d["uuid"] = uid
        d["timestamp"] = fmt_ts(self.clock)
        self.tail_fields(d)
        self.emit(d)
        self.parent = uid

    def progress_line(self, event: str):
        uid = self.uid()
        tid = self.uid()
        d = {
            "parentUuid": self.parent,
            "isSidechain": self.is_sidechain,
            "type": "progress",
            "data": {
                "type": "hook_progress",
                "hookEvent": event,
                "hookName": f"{event}:{self.rng.choice(['startup', 'lint', 'format', 'notify'])}",
                "command": f"{self.cwd}/.claude/hooks/{self.rng.choice(IDENT)}.sh",
            },
            "parentToolUseID": tid,
            "toolUseID": tid,
            "timestamp": fmt_ts(self.clock),
            "uuid": uid,
        }
        self.tail_fields(d)
        self.emit(d)

    def meta_line(self, d: dict):
        self.emit(d)

    # -- usage model -----------------------------------------------------------
    def make_usage(self, output: int) -> dict:
        r = self.rng
        gap = self.clock - self.last_call
        ttl = 3600 if self.cache_mode == "1h" else 300
        inp = min(30, 1 + int(r.expovariate(0.35)))
        if self.ctx <= 0:
            # fresh session: the system prompt prefix is usually already cached
            read = self.base_ctx
            create = self.pending + r.randint(1500, 6000)
        elif gap > ttl * self.g.time_scale and r.random() < 0.8:
            read = self.base_ctx
            create = max(0, self.ctx - self.base_ctx) + self.pending
        else:
            read = self.ctx
            create = self.pending + r.randint(0, 400)
        self.ctx = read + create + inp
        self.pending = output
        self.last_call = self.clock
        if self.cache_mode == "1h":
            c5, c1 = 0, create
        elif self.cache_mode == "5m":
            c5, c1 = create, 0
        else:
            c1 = int(create * r.random())
            c5 = create - c1
        u = {
            "input_tokens": inp,
            "cache_creation_input_tokens": create,
            "cache_read_input_tokens": read,
            "output_tokens": output,
            "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
            "service_tier": "standard",
            "cache_creation": {"ephemeral_1h_input_tokens": c1, "ephemeral_5m_input_tokens": c5},
            "inference_geo": "not_available",
            "iterations": [
                {
                    "input_tokens": inp,
                    "output_tokens": output,
                    "cache_read_input_tokens": read,
                    "cache_creation_input_tokens": create,
                    "cache_creation": {"ephemeral_5m_input_tokens": c5, "ephemeral_1h_input_tokens": c1},
                    "type": "message",
                }
            ],
            "speed": "standard",
        }
        return u

    # -- tools -----------------------------------------------------------------
    def pick_tool(self) -> str:
        names = [n for n, _ in TOOL_WEIGHTS]
        weights = [w for _, w in TOOL_WEIGHTS]
        if self.g.force_agent and self.allow_agents:
            self.g.force_agent = False  # one early subagent so small corpora have haiku
            return "Agent"
        while True:
            t = self.rng.choices(names, weights)[0]
            if t == "Agent" and not self.allow_agents:
                continue
            return t

    def tool_input(self, name: str) -> dict:
        r, P = self.rng, self.g.pools
        if name == "Read":
            d = {"file_path": self.rand_path()}
            if r.random() < 0.2:
                d["offset"] = r.randint(1, 800)
                d["limit"] = r.choice([100, 200, 400])
            return d
        if name == "Bash":
            cmd = r.choice(
                [
                    f"pytest -q tests/test_{r.choice(IDENT)}.py",
                    "git status --short",
                    f"rg -n '{r.choice(IDENT)}' {r.choice(DIRS)}",
                    "npm run build 2>&1 | tail -50",
                    f"ls -la {r.choice(DIRS)}",
                    "git diff --stat",
                    "cargo test 2>&1 | tail -80",
                    f"python -m {r.choice(IDENT)} --help",
                    "git log --oneline -20",
                ]
            )
            return {"command": cmd, "description": P.prose_text(r, r.randint(20, 70))}
        if name == "Edit":
            old = P.code_text(r, r.randint(40, 600))
            new = P.code_text(r, r.randint(40, 900))
            return {"replace_all": False, "file_path": self.rand_path(), "old_string": old, "new_string": new}
        if name == "Write":
            return {
                "file_path": self.rand_path(),
                "content": P.code_text(r, lognormal_int(r, 3500, 0.8, 300, 16000)),
            }
        if name == "Grep":
            return {
                "pattern": f"{r.choice(IDENT)}_{r.choice(IDENT)}",
                "path": self.cwd,
                "output_mode": r.choice(["content", "files_with_matches"]),
                "-n": True,
            }
        if name == "Glob":
            return {"pattern": f"**/*{r.choice(EXTS)}"}
        if name == "TodoWrite":
            return {
                "todos": [
                    {
                        "content": P.prose_text(r, r.randint(20, 80)),
                        "status": r.choice(["pending", "in_progress", "completed"]),
                        "activeForm": P.prose_text(r, r.randint(20, 60)),
                    }
                    for _ in range(r.randint(2, 8))
                ]
            }
        if name == "WebFetch":
            return {
                "url": f"https://docs.example.com/{r.choice(IDENT)}/{r.choice(IDENT)}",
                "prompt": P.prose_text(r, r.randint(40, 200)),
            }
        if name == "Agent":
            return {
                "description": P.prose_text(r, r.randint(15, 40)),
                "prompt": P.prose_text(r, lognormal_int(r, 900, 0.6, 200, 5000)),
                "subagent_type": r.choice(["general-purpose", "Explore", "Plan"]),
            }
        return {}

    def tool_result(self, name: str, inp: dict, tool_id: str):
        """Return (content, toolUseResult, model_visible_tokens)."""
        r, P = self.rng, self.g.pools
        rem = self.remaining_bytes()
        huge = self.allow_huge and rem > 1_000_000 and r.random() < self.g.huge_p
        if huge and name in ("Read", "Edit", "Bash"):
            self.g.stats.big_lines += 1
            n = lognormal_int(r, 450_000, 0.7, 200_000, 2_000_000)
            n = min(n, max(200_000, rem // 3))
            if r.random() < 0.45:
                data = P.b64_text(r, n // 2)
                content = [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
                ]
                tur = {
                    "type": "image",
                    "file": {
                        "base64": data,
                        "type": "image/png",
                        "originalSize": len(data) * 3 // 4,
                        "dimensions": {
                            "originalWidth": 2880,
                            "originalHeight": 1800,
                            "displayWidth": 1440,
                            "displayHeight": 900,
                        },
                    },
                }
                return content, tur, r.randint(1200, 1800)
            # Edit of a huge generated file (lockfile, snapshot, fixture)
            orig = P.code_text(r, n)
            fp = self.rand_path()
            content = f"The file {fp} has been updated successfully."
            tur = {
                "filePath": fp,
                "oldString": inp.get("old_string", "x"),
                "newString": inp.get("new_string", "y"),
                "originalFile": orig,
                "structuredPatch": [self.patch()],
                "userModified": False,
                "replaceAll": False,
            }
            return content, tur, 60
        if name == "Read":
            n = lognormal_int(r, 3200, 0.9, 2000, 40000)
            body = P.code_text(r, n)
            lines = body.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            start = inp.get("offset", 1)
            numbered = "\n".join(f"{i:>6}\t{ln}" for i, ln in enumerate(lines, start))
            tur = {
                "type": "text",
                "file": {
                    "filePath": inp["file_path"],
                    "content": body,
                    "numLines": len(lines),
                    "startLine": start,
                    "totalLines": start - 1 + len(lines) + r.randint(0, 400),
                },
            }
            return numbered, tur, min(25000, len(numbered) // 4)
        if name == "Bash":
            if r.random() < 0.03:
                n = lognormal_int(r, 40000, 0.5, 15000, 120000)
            else:
                n = lognormal_int(r, 350, 1.4, 0, 30000)
            out = P.shell_text(r, n).rstrip("\n")
            interrupted = False
            tur = {
                "stdout": out,
                "stderr": "",
                "interrupted": interrupted,
                "isImage": False,
                "noOutputExpected": False,
            }
            return out, tur, min(25000, len(out) // 4 + 10)
        if name == "Edit":
            fp = inp["file_path"]
            orig = P.code_text(r, lognormal_int(r, 3500, 0.9, 800, 40000))
            content = f"The file {fp} has been updated successfully."
            if fp not in self.tracked_files:
                self.tracked_files.append(fp)
            tur = {
                "filePath": fp,
                "oldString": inp["old_string"],
                "newString": inp["new_string"],
                "originalFile": orig,
                "structuredPatch": [self.patch()],
                "userModified": False,
                "replaceAll": False,
            }
            return content, tur, 40
        if name == "Write":
            fp = inp["file_path"]
            if fp not in self.tracked_files:
                self.tracked_files.append(fp)
            content = f"File created successfully at: {fp}"
            tur = {
                "type": "create",
                "filePath": fp,
                "content": inp["content"],
                "structuredPatch": [],
                "originalFile": None,
                "userModified": False,
            }
            return content, tur, 30
        if name in ("Grep", "Glob"):
            k = lognormal_int(r, 12, 1.0, 0, 250)
            files = [self.rand_path() for _ in range(k)]
            if name == "Grep" and inp.get("output_mode") == "content":
                out = P.shell_text(r, lognormal_int(r, 1500, 1.0, 50, 20000)).rstrip("\n")
                tur = {
                    "mode": "content",
                    "numFiles": k,
                    "filenames": [],
                    "content": out,
                    "numLines": out.count("\n") + 1,
                }
                return out, tur, len(out) // 4 + 5
            out = "\n".join(files) if files else "No files found"
            if name == "Grep":
                tur = {"mode": "files_with_matches", "filenames": files, "numFiles": k}
                return f"Found {k} files\n{out}", tur, len(out) // 4 + 5
            tur = {"filenames": files, "durationMs": r.randint(3, 300), "numFiles": k, "truncated": k >= 100}
            return out, tur, len(out) // 4 + 5
        if name == "TodoWrite":
            tur = {"oldTodos": [], "newTodos": inp["todos"]}
            return (
                (
                    "Todos have been modified successfully. Ensure that you continue to use the "
                    "todo list to track your progress."
                ),
                tur,
                40,
            )
        if name == "WebFetch":
            res = P.prose_text(r, lognormal_int(r, 2500, 0.7, 300, 12000))
            tur = {
                "bytes": r.randint(20000, 400000),
                "code": 200,
                "codeText": "OK",
                "result": res,
                "durationMs": r.randint(300, 9000),
                "url": inp["url"],
            }
            return res, tur, len(res) // 4
        return "ok", {"success": True}, 5

    def patch(self) -> dict:
        r, P = self.rng, self.g.pools
        start = r.randint(1, 500)
        n = r.randint(3, 30)
        lines = [(r.choice(" +-") + ln) for ln in P.code_text(r, n * 40).split("\n")[:n]]
        return {"oldStart": start, "oldLines": n - 2, "newStart": start, "newLines": n, "lines": lines}

    # -- responses -------------------------------------------------------------
    def synthetic_error(self):
        r = self.rng
        status, err = r.choice(
            [(500, "server_error"), (529, "server_error"), (429, "rate_limit"), (500, "server_error")]
        )
        text = (
            f'API Error: {status} {{"type":"error","error":{{"type":"api_error",'
            f'"message":"Internal server error"}},"request_id":"{self.req_id()}"}}'
        )
        uid = self.uid()
        d = {"parentUuid": self.parent, "isSidechain": self.is_sidechain}
        if self.agent_id:
            d["agentId"] = self.agent_id
        d.update(
            {
                "type": "assistant",
                "uuid": uid,
                "timestamp": fmt_ts(self.clock),
                "message": {
                    "id": self.uid(),
                    "container": None,
                    "model": "<synthetic>",
                    "role": "assistant",
                    "stop_details": None,
                    "stop_reason": "stop_sequence",
                    "stop_sequence": "",
                    "type": "message",
                    "usage": {
                        "input_tokens": 0,
                        "output_tokens": 0,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
                        "service_tier": None,
                        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                        "inference_geo": None,
                        "iterations": None,
                        "speed": None,
                    },
                    "content": [{"type": "text", "text": text}],
                    "context_management": None,
                },
                "requestId": self.req_id(),
                "error": err,
                "isApiErrorMessage": True,
                "apiErrorStatus": status,
            }
        )
        self.tail_fields(d)
        self.emit(d)
        self.parent = uid
        self.g.stats.synthetic += 1
        self.tick(2, 30)

    def response(self, final: bool):
        """One API response: thinking/text/tool_use blocks, then tool results.

        Returns list of (tool_name, tool_use_id, input, assistant_line_uuid)."""
        r, P = self.rng, self.g.pools
        model = self.model
        blocks = []
        think = (model != HAIKU and r.random() < 0.55) or (final and r.random() < 0.3)
        if think:
            if model.startswith("claude-opus-4-7"):
                tlen = 0
            else:
                tlen = lognormal_int(r, 450, 1.1, 30, 20000)
            sig = lognormal_int(r, 1300, 0.8, 300, 12000)
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": P.prose_text(r, tlen) if tlen else "",
                    "signature": "E" + P.b64_text(r, sig),
                }
            )
        if final or r.random() < 0.55:
            n = lognormal_int(r, 900 if final else 250, 1.0, 20, 12000)
            blocks.append({"type": "text", "text": P.prose_text(r, n)})
        tools = []
        if not final:
            k = r.choices([1, 2, 3, 4], [0.76, 0.15, 0.06, 0.03])[0]
            for _ in range(k):
                name = self.pick_tool()
                tid = self.toolu_id()
                inp = self.tool_input(name)
                b = {"type": "tool_use", "id": tid, "name": name, "input": inp}
                if self.caller:
                    b["caller"] = {"type": "direct"}
                blocks.append(b)
                tools.append([name, tid, inp, None])
        if not blocks:
            blocks.append({"type": "text", "text": P.prose_text(r, r.randint(20, 300))})
        chars = 0
        for b in blocks:
            t = b["type"]
            chars += (
                len(b.get("thinking", ""))
                if t == "thinking"
                else len(b["text"])
                if t == "text"
                else len(DUMPS(b["input"])) + 30
            )
        output = int(chars / 3.6) + r.randint(10, 120)
        if think and model.startswith("claude-opus-4-7"):
            output += lognormal_int(r, 300, 1.0, 0, 3000)
        output = max(50, min(4000, output))
        stop = "tool_use" if tools else "end_turn"

        # a response takes time; lines of one response share (almost) one timestamp
        self.tick(2.0, 6.0 + output / 60)
        t_day = self.clock % 86400
        if t_day < 2 or t_day > 86398:  # keep a response inside one UTC day
            self.clock += 5
        usage = self.make_usage(output)
        self.last_usage = usage
        mid, rid = self.msg_id(), self.req_id()
        self.g.stats.add_usage(model, self.clock, usage)
        self.g.stats.responses += 1
        t0 = self.clock
        for i, b in enumerate(blocks):
            uid = self.uid()
            msg = {
                "model": model,
                "id": mid,
                "type": "message",
                "role": "assistant",
                "content": [b],
                "stop_reason": stop,
                "stop_sequence": None,
                "stop_details": None,
                "usage": usage,
            }
            if self.caller:
                msg["diagnostics"] = None
            d = {"parentUuid": self.parent, "isSidechain": self.is_sidechain}
            if self.agent_id:
                d["agentId"] = self.agent_id
            d["message"] = msg
            d["requestId"] = rid
            d["type"] = "assistant"
            d["uuid"] = uid
            d["timestamp"] = fmt_ts(t0 + i * 0.011)
            self.tail_fields(d)
            self.emit(d)
            self.parent = uid
            if b["type"] == "tool_use":
                for t in tools:
                    if t[1] == b["id"]:
                        t[3] = uid
        self.clock = t0 + len(blocks) * 0.011 + 0.05
        return tools

    def run_tools(self, tools) -> bool:
        """Write tool results. Returns False when the user interrupted."""
        r = self.rng
        if not self.is_sidechain and r.random() < self.g.interrupt_p:
            name, tid, inp, src = tools[0]
            self.tick(3, 60)
            self.user_line(
                [
                    {
                        "type": "tool_result",
                        "content": INTERRUPT_TOOL_TEXT,
                        "is_error": True,
                        "tool_use_id": tid,
                    }
                ],
                tool_result="User rejected tool use",
                source_uuid=src,
            )
            self.user_line([{"type": "text", "text": "[Request interrupted by user for tool use]"}])
            return False
        for name, tid, inp, src in tools:
            if name == "Agent":
                self.run_subagent(tid, inp, src)
                continue
            self.tick(0.05, 4.0 if name != "Bash" else 25.0)
            content, tur, toks = self.tool_result(name, inp, tid)
            block = {"tool_use_id": tid, "type": "tool_result", "content": content}
            if name == "Bash":
                block["is_error"] = False
            self.user_line([block], tool_result=tur, source_uuid=src)
            self.pending += toks
        return True

    def run_subagent(self, tid: str, inp: dict, src: str):
        g, r = self.g, self.rng
        aid = "a" + "".join(r.choices(HEX, k=16))
        d = os.path.join(os.path.dirname(self.path), self.session_id, "subagents")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"agent-{aid}.jsonl")
        budget = lognormal_int(r, 200_000, 1.0, 20_000, 3_000_000)
        budget = min(budget, max(20_000, g.remaining() // 4))
        model = HAIKU if r.random() < 0.7 or g.stats.subagent_files == 0 else self.model
        sub = Session(
            g,
            path,
            session_id=self.session_id,
            cwd=self.cwd,
            version=self.version,
            branch=self.branch,
            entrypoint=self.entrypoint,
            model=model,
            cache_mode=self.cache_mode,
            clock=self.clock + 0.5,
            byte_budget=budget,
            is_sidechain=True,
            agent_id=aid,
            allow_agents=False,
            allow_huge=self.allow_huge,
        )
        g.stats.files += 1
        g.stats.subagent_files += 1
        sub.user_line(inp["prompt"], prompt=True)
        n_tools = 0
        while True:
            final = sub.full()
            tools = sub.response(final)
            if not tools:
                break
            n_tools += len(tools)
            sub.run_tools(tools)
        sub.close()
        self.clock = max(self.clock, sub.clock) + 0.3
        u = sub.last_usage or {}
        text = g.pools.prose_text(r, lognormal_int(r, 1800, 0.6, 300, 8000))
        content = [
            {"type": "text", "text": text},
            {
                "type": "text",
                "text": f"agentId: {aid} (use SendMessage with to: '{aid}' to continue this agent)",
            },
        ]
        total = sum(
            u.get(k, 0)
            for k in (
                "input_tokens",
                "output_tokens",
                "cache_read_input_tokens",
                "cache_creation_input_tokens",
            )
        )
        tur = {
            "status": "completed",
            "prompt": inp["prompt"],
            "agentId": aid,
            "agentType": inp.get("subagent_type", "general-purpose"),
            "content": content,
            "totalDurationMs": int((sub.clock - sub.last_call + 1) * 1000) + r.randint(5000, 300000),
            "totalTokens": total,
            "totalToolUseCount": n_tools,
            "usage": u,
        }
        self.user_line(
            [{"tool_use_id": tid, "type": "tool_result", "content": content}],
            tool_result=tur,
            source_uuid=src,
        )
        self.pending += len(text) // 4 + 30

    def compact(self):
        r, P = self.rng, self.g.pools
        pre = self.ctx + self.pending
        post = r.randint(5000, 12000)
        self.tick(40, 150)
        logical = self.parent
        self.parent = None
        self.system_line(
            "compact_boundary",
            {
                "logicalParentUuid": logical,
                "content": "Conversation compacted",
                "level": "info",
                "compactMetadata": {
                    "trigger": r.choice(["auto", "auto", "auto", "manual"]),
                    "preTokens": pre,
                    "preCompactDiscoveredTools": [],
                    "postTokens": post,
                    "durationMs": r.randint(30000, 150000),
                },
            },
            parent=None,
        )
        summary = COMPACT_PREFIX + P.prose_text(r, lognormal_int(r, 9000, 0.4, 3000, 30000))
        self.user_line(summary, extra={"isVisibleInTranscriptOnly": True, "isCompactSummary": True})
        self.ctx = self.base_ctx
        self.pending = post
        self.compact_at = r.randint(150_000, 185_000)
        self.g.stats.compactions += 1

    def turn(self, first: bool = False):
        """A user prompt followed by an agentic loop of responses."""
        r, P, g = self.rng, self.g.pools, self.g
        self.turns += 1
        if not first:
            # think time between turns; sometimes a long break
            x = r.random()
            if x < 0.75:
                self.tick(20, 600)
            elif x < 0.95:
                self.tick(600, 5400)
            else:
                self.tick(3 * 3600, 16 * 3600)
        prompt = P.prose_text(r, lognormal_int(r, 220, 1.1, 5, 6000))
        self.prompt_id = self.uid()
        if r.random() < 0.35:
            for op in ("enqueue", "dequeue"):
                self.meta_line(
                    {
                        "type": "queue-operation",
                        "operation": op,
                        "timestamp": fmt_ts(self.clock),
                        "sessionId": self.session_id,
                        **({"content": prompt} if op == "enqueue" else {}),
                    }
                )
        if first and r.random() < 0.5:
            self.parent = None
            self.progress_line("SessionStart")
        prompt_uuid = self.user_line(prompt, prompt=True)
        if first:
            self.attachment_line(
                {
                    "type": "deferred_tools_delta",
                    "addedNames": ["WebFetch", "WebSearch", "NotebookEdit"],
                    "addedLines": ["WebFetch", "WebSearch", "NotebookEdit"],
                    "removedNames": [],
                    "readdedNames": [],
                    "pendingMcpServers": [],
                }
            )
            self.attachment_line(
                {
                    "type": "skill_listing",
                    "content": P.prose_text(r, r.randint(1500, 5000)),
                    "skillCount": r.randint(3, 20),
                    "isInitial": True,
                    "names": [r.choice(IDENT) for _ in range(3)],
                }
            )
        elif r.random() < 0.2:
            self.attachment_line({"type": "todo_reminder", "content": [], "itemCount": 0})
        if r.random() < 0.6:
            backups = {}
            for i, fp in enumerate(self.tracked_files[-40:]):
                backups[fp] = {
                    "backupFileName": f"{''.join(r.choices(HEX, k=16))}@v{1 + i % 5}",
                    "version": 1 + i % 5,
                    "backupTime": fmt_ts(self.clock - r.randint(60, 9000)),
                }
            self.meta_line(
                {
                    "type": "file-history-snapshot",
                    "messageId": prompt_uuid,
                    "snapshot": {
                        "messageId": prompt_uuid,
                        "trackedFileBackups": backups,
                        "timestamp": fmt_ts(self.clock),
                    },
                    "isSnapshotUpdate": False,
                }
            )
        if r.random() < 0.1:
            self.progress_line("UserPromptSubmit")
        self.pending += len(prompt) // 4 + 20
        turn_start = self.clock
        n_resp = 0
        # number of tool rounds in this turn: long-tailed
        max_resp = 1 + int(r.paretovariate(1.3) * 3) if r.random() < 0.9 else 1
        max_resp = min(max_resp, 400)
        interrupted = False
        while True:
            if r.random() < g.synthetic_p:
                self.synthetic_error()
            final = n_resp + 1 >= max_resp or self.full()
            tools = self.response(final)
            n_resp += 1
            if not tools:
                break
            if not self.run_tools(tools):
                interrupted = True
                break
            if self.ctx + self.pending > self.compact_at:
                self.compact()
            # close the response group for the resume tail
            self.flush_group()
        self.flush_group()
        if not interrupted:
            self.tick(0.05, 0.3)
            self.system_line(
                "turn_duration",
                {"durationMs": int((self.clock - turn_start) * 1000), "messageCount": n_resp * 3},
            )
        if r.random() < 0.3:
            self.meta_line(
                {
                    "type": "last-prompt",
                    "lastPrompt": prompt[:200],
                    "leafUuid": self.parent,
                    "sessionId": self.session_id,
                }
            )
        if r.random() < 0.25:
            self.meta_line(
                {
                    "type": "ai-title",
                    "aiTitle": P.prose_text(r, r.randint(20, 50)),
                    "sessionId": self.session_id,
                }
            )

    # resume-tail bookkeeping: a "group" is the lines of one response + its tool results
    def start_group(self):
        if self.tail is not None and self.group is None:
            self.group = []

    def flush_group(self):
        if self.tail is None or self.group is None:
            return
        grp = self.group
        self.group = []
        if not grp:
            return
        size = sum(len(x) for x in grp)
        has_resp = any('"type":"assistant"' in x and '"<synthetic>"' not in x for x in grp)
        if size > 300_000:
            self.tail.clear()  # keep the tail contiguous and small
            return
        if has_resp:
            self.tail.append((grp, size))


# ---------------------------------------------------------------------------


class Generator:
    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        self.rng = random.Random(args.seed)
        t0 = time.time()
        self.pools = Pools(args.seed)
        self.pool_time = time.time() - t0
        self.stats = Stats()
        self.time_scale = 1.0
        self.huge_p = 0.0035
        self.interrupt_p = 0.004
        self.synthetic_p = 0.003
        self.permission_mode = "default"
        self.force_agent = True
        self.target = 0

    def remaining(self) -> int:
        return max(0, self.target - self.stats.bytes)

    # -- projects ----------------------------------------------------------------
    def make_projects(self, n=20):
        r = self.rng
        projects = []
        for i in range(n):
            user = r.choice(USERS)
            name = PROJECT_NAMES[i % len(PROJECT_NAMES)]
            base = r.choice(
                [f"/Users/{user}/code", f"/home/{user}/src", f"/Users/{user}/work", f"/home/{user}/projects"]
            )
            cwd = f"{base}/{name}"
            if r.random() < 0.15:
                cwd += f"/{r.choice(['backend', 'frontend', 'packages/core', 'services/api'])}"
            slug = re.sub(r"[^A-Za-z0-9]", "-", cwd)
            projects.append(
                {"cwd": cwd, "slug": slug, "weight": 1.0 / (i + 1) ** 0.8, "branch": r.choice(BRANCHES)}
            )
        return projects

    def pick_version(self, t: float) -> str:
        frac = (t - self.window_start) / max(1.0, self.window_end - self.window_start)
        i = int(frac * len(VERSIONS) + self.rng.uniform(-1.0, 0.6))
        return VERSIONS[max(0, min(len(VERSIONS) - 1, i))]

    def session_start(self, size: int = 0) -> float:
        r = self.rng
        latest = max(self.window_start, self.window_end - 86400 - size * SECONDS_PER_BYTE)
        day = r.uniform(self.window_start, latest)
        day = day - day % 86400
        hour = r.choice([7, 8, 9, 9, 10, 10, 11, 12, 13, 13, 14, 14, 15, 16, 17, 18, 20, 22, 1])
        return day + hour * 3600 + r.uniform(0, 3600)

    # -- generate ------------------------------------------------------------------
    def generate(self):
        a = self.args
        r = self.rng
        out = a.out_dir
        proj_root = os.path.join(out, "projects")
        if os.path.exists(proj_root) and any(os.scandir(proj_root)):
            sys.exit(
                f"error: {proj_root} exists and is not empty (delete it first, or use "
                f"--append-percent to append to it)"
            )
        os.makedirs(proj_root, exist_ok=True)
        self.target = a.size
        big = a.big_file or 0
        end = datetime.strptime(a.end_date, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() + 86400
        self.window_end = end
        self.window_start = end - a.days * 86400
        projects = self.make_projects(a.projects)
        pweights = [p["weight"] for p in projects]
        tails: dict[int, collections.deque] = {}
        tail_meta: dict[int, dict] = {}
        normal_budget = a.size - big
        big_done = big == 0
        big_at = normal_budget * 0.35
        model_cycle = list(ALL_MODELS[:4])  # make sure every main model appears early
        t_start = time.time()
        while True:
            left = self.remaining() - (0 if big_done else big)
            if not big_done and (self.stats.bytes >= big_at or left <= 20_000):
                self.big_session(projects, tails, tail_meta, big)
                big_done = True
                continue
            if left <= 20_000:
                break
            pi = r.choices(range(len(projects)), pweights)[0]
            p = projects[pi]
            size = lognormal_int(r, 330_000, 1.25, 50_000, 20_000_000)
            size = min(size, left)
            if left - size < 50_000:
                size = left
            model = (
                model_cycle.pop(0)
                if model_cycle
                else r.choices([m for m, _ in MAIN_MODELS], [w for _, w in MAIN_MODELS])[0]
            )
            self.one_session(p, pi, tails, tail_meta, size, model)
        self.gen_time = time.time() - t_start
        self.write_manifest(created=True)

    def new_session(self, p, pi, tails, tail_meta, size, model, *, start=None, resume_ok=True):
        r = self.rng
        sid = str(uuid.UUID(int=r.getrandbits(128), version=4))
        replay = None
        need = 0.02 * (self.stats.responses + size / 3000) - self.stats.replayed
        if resume_ok and pi in tails and len(tails[pi]) >= 3 and need >= 3 and r.random() < 0.7:
            k = int(min(len(tails[pi]), need, r.randint(10, 120)))
            replay = list(tails[pi])[-k:]
        meta = tail_meta.get(pi)
        if replay and meta:
            start = meta["end"] + r.uniform(300, 36 * 3600)
            version, entry, model = meta["version"], meta["entrypoint"], meta["model"]
            cache_mode = meta["cache_mode"]
        else:
            start = start if start is not None else self.session_start(size)
            version = self.pick_version(start)
            entry = r.choices([e for e, _ in ENTRYPOINTS], [w for _, w in ENTRYPOINTS])[0]
            cache_mode = r.choices(["1h", "5m", "mixed"], [0.7, 0.15, 0.15])[0]
        slug = None
        if version >= "2.1.112" and r.random() < 0.6:
            slug = "-".join(
                r.choices(
                    [
                        "steady",
                        "witty",
                        "calm",
                        "brave",
                        "quiet",
                        "lucky",
                        "stirring",
                        "churning",
                        "dancing",
                        "humming",
                    ],
                    k=2,
                )
                + [r.choice(["dragon", "turing", "otter", "falcon", "lovelace", "hopper", "badger", "comet"])]
            )
        d = os.path.join(self.args.out_dir, "projects", p["slug"])
        os.makedirs(d, exist_ok=True)
        tail = collections.deque(maxlen=120)
        s = Session(
            self,
            os.path.join(d, sid + ".jsonl"),
            session_id=sid,
            cwd=p["cwd"],
            version=version,
            branch=p["branch"],
            entrypoint=entry,
            model=model,
            cache_mode=cache_mode,
            clock=start,
            byte_budget=size,
            slug=slug,
            record_tail=tail,
        )
        self.stats.files += 1
        if replay:
            old_sid = meta["session_id"]
            for grp, _ in replay:
                for line in grp:
                    s.emit_raw(line.replace(f'"sessionId":"{old_sid}"', f'"sessionId":"{sid}"'))
                self.stats.replayed += 1
            last = replay[-1][0]
            # continue the DAG from the last replayed line and from its context size
            for line in reversed(last):
                m = re.search(r'"uuid":"([0-9a-f-]{36})"', line)
                if m:
                    s.parent = m.group(1)
                    break
            s.ctx = meta.get("ctx", 0)
        return s, tail, replay is not None

    def drive(self, s: Session):
        s.start_group()
        s.turn(first=True)
        while not s.full():
            s.start_group()
            s.turn()
        s.flush_group()

    def finish(self, s, pi, tails, tail_meta, tail):
        s.close()
        tails[pi] = tail
        tail_meta[pi] = {
            "session_id": s.session_id,
            "end": s.clock,
            "version": s.version,
            "entrypoint": s.entrypoint,
            "model": s.model,
            "cache_mode": s.cache_mode,
            "ctx": s.ctx,
        }

    def one_session(self, p, pi, tails, tail_meta, size, model):
        s, tail, _ = self.new_session(p, pi, tails, tail_meta, size, model)
        self.drive(s)
        self.finish(s, pi, tails, tail_meta, tail)

    def big_session(self, projects, tails, tail_meta, size):
        r = self.rng
        pi = 0  # the most active project
        # spread the big session over ~30 days: scale its clock increments down
        est_natural = size * SECONDS_PER_BYTE
        want = 30 * 86400
        self.time_scale = min(1.0, want / est_natural) if est_natural > 0 else 1.0
        start = self.window_start + r.uniform(5, 20) * 86400
        s, tail, _ = self.new_session(
            projects[pi], pi, tails, tail_meta, size, "claude-opus-4-7", start=start, resume_ok=False
        )
        self.big_path = s.path
        self.drive(s)
        self.finish(s, pi, tails, tail_meta, tail)
        self.time_scale = 1.0

    # -- manifest -------------------------------------------------------------------
    def manifest_path(self):
        return os.path.join(self.args.out_dir, MANIFEST)

    def write_manifest(self, created: bool):
        st = self.stats
        if created:
            man = {
                "generator": "benchmarks/gen_corpus.py",
                "seed": self.seed,
                "size_target": self.args.size,
                "big_file_target": self.args.big_file or 0,
                "big_file": os.path.relpath(getattr(self, "big_path", ""), self.args.out_dir)
                if getattr(self, "big_path", None)
                else None,
                "appends": [],
                "totals": {},
                "by_model": {},
                "by_date": {},
            }
        else:
            with open(self.manifest_path()) as f:
                man = json.load(f)
        for key in (
            "files",
            "subagent_files",
            "bytes",
            "lines",
            "unique_responses",
            "synthetic_errors",
            "replayed_responses",
            "big_lines",
            "compactions",
        ):
            man.setdefault(key, 0)
        if created:
            man.update(
                files=st.files,
                subagent_files=st.subagent_files,
                bytes=st.bytes,
                lines=st.lines,
                unique_responses=st.responses,
                synthetic_errors=st.synthetic,
                replayed_responses=st.replayed,
                big_lines=st.big_lines,
                compactions=st.compactions,
            )
        else:
            man["bytes"] += st.bytes
            man["lines"] += st.lines
            man["unique_responses"] += st.responses
            man["synthetic_errors"] += st.synthetic
            man["big_lines"] += st.big_lines
            man["compactions"] += st.compactions
        tot = collections.Counter(man["totals"])
        tot.update(st.tokens)
        man["totals"] = dict(tot)
        for key, src in (("by_model", st.by_model), ("by_date", st.by_date)):
            cur = man[key]
            for k, c in src.items():
                cc = collections.Counter(cur.get(k, {}))
                cc.update(c)
                cur[k] = dict(cc)
            man[key] = dict(sorted(cur.items()))
        with open(self.manifest_path() + ".tmp", "w") as f:
            json.dump(man, f, indent=1, sort_keys=False)
        os.replace(self.manifest_path() + ".tmp", self.manifest_path())

    # -- append mode ------------------------------------------------------------------
    def append(self):
        a = self.args
        proj_root = os.path.join(a.out_dir, "projects")
        if not os.path.isdir(proj_root):
            sys.exit(f"error: {proj_root} does not exist")
        files = []
        for root, dirs, names in os.walk(proj_root):
            dirs.sort()
            for n in sorted(names):
                if n.endswith(".jsonl"):
                    files.append(os.path.join(root, n))
        if not files:
            sys.exit(f"error: no .jsonl files under {proj_root}")
        total_lines = 0
        total_bytes = 0
        sizes = {}
        for fp in files:
            n = 0
            with open(fp, "rb") as f:
                while True:
                    chunk = f.read(1 << 23)
                    if not chunk:
                        break
                    n += chunk.count(b"\n")
            sizes[fp] = os.path.getsize(fp)
            total_lines += n
            total_bytes += sizes[fp]
        # a different, deterministic random stream for each append to the same corpus
        self.rng = random.Random(f"{self.seed}:{total_bytes}:{total_lines}")
        r = self.rng
        mains = [f for f in files if os.sep + "subagents" + os.sep not in f]
        biggest = max(mains, key=lambda f: sizes[f])
        others = [f for f in mains if f != biggest]
        k = max(0, round(0.10 * len(files)) - 1)
        chosen = [biggest] + r.sample(others, min(k, len(others)))
        want = max(1, math.ceil(total_lines * a.append_percent / 100.0))
        wsum = sum(sizes[f] for f in chosen)
        t0 = time.time()
        self.appended_files = 0
        for fp in chosen:
            # spread the remaining lines proportionally to file size (overshoot of one file
            # is taken off the following ones)
            quota = max(1, round((want - self.stats.lines) * sizes[fp] / wsum))
            wsum -= sizes[fp]
            st = self.restore_state(fp)
            if st is None:
                print(f"warning: could not find session state in {fp}; skipped", file=sys.stderr)
                continue
            with open(fp, "rb") as f:
                f.seek(max(0, sizes[fp] - 1))
                last = f.read(1)
            s = Session(
                self,
                fp,
                session_id=st["sessionId"],
                cwd=st["cwd"],
                version=st["version"],
                branch=st.get("gitBranch", "main"),
                entrypoint=st.get("entrypoint", "cli"),
                model=st["model"],
                cache_mode=st["cache_mode"],
                clock=st["clock"] + r.uniform(120, 4 * 3600),
                line_budget=quota,
                parent_uuid=st["uuid"],
                ctx=st["ctx"],
                slug=st.get("slug"),
                allow_agents=False,
                allow_huge=quota > 3000,
                append=True,
            )
            if last and last != b"\n":
                s.fh.write(b"\n")
            while not s.full():
                s.turn()
            s.close()
            self.appended_files += 1
        self.gen_time = time.time() - t0
        self.total_lines_before = total_lines
        self.total_bytes_before = total_bytes
        if os.path.exists(self.manifest_path()):
            self.write_manifest(created=False)
            man = json.load(open(self.manifest_path()))
            man["appends"].append(
                {
                    "percent": a.append_percent,
                    "files": self.appended_files,
                    "lines": self.stats.lines,
                    "bytes": self.stats.bytes,
                    "responses": self.stats.responses,
                }
            )
            with open(self.manifest_path(), "w") as f:
                json.dump(man, f, indent=1)
        else:
            print(f"warning: {self.manifest_path()} not found; ground truth not updated", file=sys.stderr)

    def restore_state(self, fp: str) -> dict | None:
        """Read the end of a session file to continue it (sessionId, last uuid, time, model...)."""
        size = os.path.getsize(fp)
        readn = 1 << 20
        while True:
            with open(fp, "rb") as f:
                f.seek(max(0, size - readn))
                data = f.read()
            lines = data.split(b"\n")
            if size > readn:
                lines = lines[1:]  # first one is partial
            st: dict = {}
            for raw in reversed(lines):
                if not raw.strip():
                    continue
                try:
                    o = json.loads(raw)
                except ValueError:
                    continue
                if "uuid" in st and "model" in st:
                    break
                if (
                    "uuid" not in st
                    and o.get("uuid")
                    and o.get("timestamp")
                    and o.get("sessionId")
                    and o.get("cwd")
                ):
                    st.update(
                        uuid=o["uuid"],
                        clock=parse_ts(o["timestamp"]),
                        sessionId=o["sessionId"],
                        cwd=o["cwd"],
                        version=o.get("version", VERSIONS[-1]),
                        gitBranch=o.get("gitBranch", "main"),
                        entrypoint=o.get("entrypoint", "cli"),
                        slug=o.get("slug"),
                    )
                if "model" not in st and o.get("type") == "assistant":
                    msg = o.get("message") or {}
                    u = msg.get("usage") or {}
                    if msg.get("model") and msg["model"] != "<synthetic>" and u:
                        st["model"] = msg["model"]
                        st["ctx"] = (
                            u.get("input_tokens", 0)
                            + u.get("cache_read_input_tokens", 0)
                            + u.get("cache_creation_input_tokens", 0)
                        )
                        cc = u.get("cache_creation") or {}
                        h1, m5 = (
                            cc.get("ephemeral_1h_input_tokens", 0),
                            cc.get("ephemeral_5m_input_tokens", 0),
                        )
                        st["cache_mode"] = "1h" if h1 and not m5 else "5m" if m5 and not h1 else "mixed"
            if "uuid" in st and "model" in st:
                return st
            if readn >= size or readn >= (64 << 20):
                if "uuid" in st:
                    st.setdefault("model", "claude-sonnet-4-6")
                    st.setdefault("ctx", 0)
                    st.setdefault("cache_mode", "1h")
                    return st
                return None
            readn *= 4


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate a synthetic Claude Code transcript corpus (see module docstring)."
    )
    ap.add_argument("out_dir", help="output dir (becomes a Claude config dir with projects/)")
    ap.add_argument(
        "--size",
        type=parse_size,
        default=None,
        help="total corpus size incl. --big-file, e.g. 1GB, 200MB (decimal units)",
    )
    ap.add_argument(
        "--big-file",
        type=parse_size,
        default=0,
        help="also write ONE session file of this size (counted in --size)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=90, help="time span of the corpus (default 90)")
    ap.add_argument(
        "--end-date",
        default="2026-06-30",
        help="last day of the span, YYYY-MM-DD UTC (default 2026-06-30; fixed for reproducibility)",
    )
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument(
        "--append-percent",
        type=float,
        default=None,
        metavar="P",
        help="append P%% new lines to ~10%% of the existing session files instead",
    )
    a = ap.parse_args(argv)
    if a.append_percent is None and a.size is None:
        ap.error("--size is required (or --append-percent)")
    if a.append_percent is None and (a.big_file or 0) > a.size:
        ap.error("--big-file must not exceed --size (--size is the total corpus size)")
    if a.append_percent is not None and a.append_percent <= 0:
        ap.error("--append-percent must be > 0")
    g = Generator(a)
    if a.append_percent is not None:
        g.append()
        st = g.stats
        print(
            f"appended {st.lines:,} lines ({human(st.bytes)}, {st.responses:,} new responses) "
            f"to {g.appended_files} files; corpus had {g.total_lines_before:,} lines "
            f"({human(g.total_bytes_before)}) -> +{100.0 * st.lines / max(1, g.total_lines_before):.2f}% "
            f"lines in {g.gen_time:.1f}s",
            file=sys.stderr,
        )
        return 0
    g.generate()
    st = g.stats
    rate = st.bytes / max(1e-9, g.gen_time) / 1e6
    print(
        f"wrote {st.files:,} files ({st.files - st.subagent_files:,} sessions, "
        f"{st.subagent_files:,} subagent files) to {a.out_dir}",
        file=sys.stderr,
    )
    print(
        f"  bytes:   {st.bytes:,} ({human(st.bytes)}; target {human(a.size)}, "
        f"{100.0 * (st.bytes - a.size) / a.size:+.1f}%)",
        file=sys.stderr,
    )
    if getattr(g, "big_path", None):
        print(
            f"  big file: {os.path.relpath(g.big_path, a.out_dir)} ({human(os.path.getsize(g.big_path))})",
            file=sys.stderr,
        )
    print(f"  lines:   {st.lines:,}", file=sys.stderr)
    print(
        f"  unique responses: {st.responses:,} (+{st.replayed:,} replayed in resumed sessions, "
        f"{st.synthetic:,} <synthetic> error lines, {st.compactions:,} compactions, "
        f"{st.big_lines:,} lines of 200 KB+)",
        file=sys.stderr,
    )
    t = st.tokens
    print(
        f"  tokens (deduped): input {t['input_tokens']:,}  output {t['output_tokens']:,}  "
        f"cache_read {t['cache_read_tokens']:,}  cache_write {t['cache_write_tokens']:,}",
        file=sys.stderr,
    )
    print(
        f"  time: {g.gen_time:.1f}s ({rate:.1f} MB/s) + {g.pool_time:.1f}s setup; "
        f"ground truth in {os.path.join(a.out_dir, MANIFEST)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
