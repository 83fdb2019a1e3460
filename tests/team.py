"""A crafted team of synthetic Claude Code logs, for tests of the team reports.

``Task`` is a compact spec of one task (one human prompt and the agent loop after it);
``write_logs`` turns a list of them into Claude Code projects folders, one per
(user, machine), and ``ingest_team`` ingests them with ``PRICES_TOML``. Everything is
deterministic: the same specs give the same bytes (ids are uuid5 / SHA-1 of labels).

Token accounting is chosen so that costs are exact: every call has input 0, output 0,
cache writes 0 and cache reads ``read`` (or ``reads[k]``), so a task's tokens are
``sum(reads)`` and its cost ``sum(reads) x`` the model's cache-read price:

    team-large  $1.00 per million cache-read tokens (input 10, output 50, write 12.5)
    team-small  $0.10 per million cache-read tokens (input 1, output 5, write 1.25)

Endings (each checked against ``taskcost tasks`` by tests/test_team_fixture.py):

    delivered      tools (Edit; a Read first when there are two or more), a Bash
                   ``git commit -m`` with a successful result, then a text answer
                   (end_turn)                      -> completed / delivered / high
    final_answer   tools, then a text answer       -> completed / final_answer / medium
    interrupted    tool calls, then ``[Request interrupted by user]``
                                                   -> abandoned / interrupted / high
    mid_loop       tool calls (the last one's result written), then nothing; the
                   session's last task
                                                   -> abandoned / session_ended_mid_loop / medium
    conflicting    tools, a successful ``git commit``, then an interrupt
                                                   -> unknown / conflicting / None

``edits=False``: the tool calls are Grep and Read only (no Edit, no commit, no tests).

TEAM: five people, 65 tasks, 2026-10-05 .. 2026-11-19 (ISO weeks 2026-W41 .. W47).
Teams: ana, ben -> platform; chen, dana, eli -> payments. dana logs as "dana" on
dana-laptop and as "dana@example.com" on ci-runner (merged by TEAM_CONFIG_TOML).

    person  tokens      spend $  tasks  completed  abandoned  unknown  token rank  completed rank
    ana      3,460,000     1.48     14         11          2        1           5               2
    ben      5,600,000     1.64     15         13          2        0           4               1
    chen    21,700,000    16.84     12          5          5        2           1               5
    dana     8,800,000     4.75     13          9          3        1           3               3
    eli      9,700,000     8.71     11          7          3        1           2               4
    total   49,260,000    33.42     65         45         15        5

Models (decided = completed + abandoned; conflicting tasks are unknown, not decided):

    team-large  30 decided: 27 completed, 3 abandoned  -> 90 %   (+ 4 unknown)
    team-small  30 decided: 18 completed, 12 abandoned -> 60 %   (+ 1 unknown)

Special cases:

- runaway context: chen, 2026-11-12 (W46), team-large, 50 calls, reads 4,000 x k for
  k = 1..50 (context 4,000 -> 200,000), 5,100,000 tokens, $5.10, interrupted.
- heavy session with no edit, commit or test: chen, session "c3", 2026-10-22 (W43), one
  task, team-large, 8 calls x 800,000, $6.40, edits=False, final_answer. It is the
  only edits=False task of TEAM.
- quota spike: eli has 400,000 tokens on each of Oct 6, 14 and 21 (1,200,000 in Oct 1-28:
  a daily average of 42,857 over 28 days, 400,000 over active days) and 2,400,000 on each
  of Oct 29, 30 and 31 (7,200,000 in total): 6x the busiest earlier day, 56x the
  calendar-day average.
- W47 (Nov 16-22) has 7 abandoned tasks, all team-small but eli's, costs all different:
  eli $1.00, chen $0.30, dana $0.20 (ci-runner), dana $0.14, ben $0.09, ana $0.06,
  chen $0.04 (EXPECTED_TOP_ABANDONED_W47 lists the first five).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from builders import assistant, chain, tool_result, user

Ending = Literal["delivered", "final_answer", "interrupted", "mid_loop", "conflicting"]

LARGE = "team-large"
SMALL = "team-small"

PRICES_TOML = """\
# made-up models with round prices (USD per million tokens)
[[price]]
model = "team-large"
input_mtok = 10.0
output_mtok = 50.0
cache_read_mtok = 1.0
cache_write_mtok = 12.5

[[price]]
model = "team-small"
input_mtok = 1.0
output_mtok = 5.0
cache_read_mtok = 0.1
cache_write_mtok = 1.25
"""

# USD per cache-read token, exact
CACHE_READ_PRICE = {LARGE: Fraction(1, 10**6), SMALL: Fraction(1, 10**7)}

TEAM_CONFIG_TOML = """\
[people.ana]
team = "platform"

[people.ben]
team = "platform"

[people.chen]
team = "payments"

[people.dana]
aliases = ["dana@example.com", "machine:ci-runner"]
team = "payments"

[people.eli]
team = "payments"
"""

# (outcome, reason, confidence) that docs/tasks.md section 2 gives each ending
OUTCOMES: dict[str, tuple[str, str, str | None]] = {
    "delivered": ("completed", "delivered", "high"),
    "final_answer": ("completed", "final_answer", "medium"),
    "interrupted": ("abandoned", "interrupted", "high"),
    "mid_loop": ("abandoned", "session_ended_mid_loop", "medium"),
    "conflicting": ("unknown", "conflicting", None),
}


@dataclass(frozen=True)
class Task:
    """One task: a human prompt and ``calls`` main-conversation model calls."""

    person: str
    user: str
    machine: str
    session: str  # a short label; the session id is a uuid5 of (user, machine, label)
    start: str  # the prompt's UTC instant, "2026-10-05T09:00:00Z"
    model: str
    calls: int
    read: int  # cache-read tokens of every call (ignored when ``reads`` is given)
    ending: Ending
    edits: bool = True
    project: str = "shop_api"
    prompt: str = ""  # empty: "<session> #<n>: ..." made up from the labels
    reads: tuple[int, ...] | None = None  # per-call cache reads (context growth)

    @property
    def call_reads(self) -> tuple[int, ...]:
        return self.reads if self.reads is not None else (self.read,) * self.calls

    @property
    def tokens(self) -> int:
        """Input + cache read + cache write + output: here, the cache reads."""
        return sum(self.call_reads)

    @property
    def exact_cost(self) -> Fraction:
        return self.tokens * CACHE_READ_PRICE[self.model]

    @property
    def cost(self) -> float:
        return float(self.exact_cost)

    @property
    def outcome(self) -> tuple[str, str, str | None]:
        """(outcome, outcome_reason, outcome_confidence) taskcost must give this task."""
        return OUTCOMES[self.ending]

    @property
    def session_id(self) -> str:
        return session_id(self.user, self.machine, self.session)

    @property
    def cwd(self) -> str:
        return f"/home/{self.user}/src/{self.project}"


_NS = uuid.UUID("6f1c1e0a-8d4b-4c59-9a7e-3b2d5f0e7c11")


def session_id(user_name: str, machine: str, label: str) -> str:
    return str(uuid.uuid5(_NS, f"session:{user_name}@{machine}:{label}"))


def _hex(*parts: object, n: int = 24) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:n]


def _instant(start: str) -> int:
    """Unix seconds of an instant "YYYY-MM-DDTHH:MM:SSZ" (UTC only)."""
    m = re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", start)
    if not m:
        raise ValueError(f"start must look like 2026-10-05T09:00:00Z, not {start!r}")
    t = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return int(t.timestamp())


def _ts(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _slug(cwd: str) -> str:
    """Claude Code's projects folder name for a working directory."""
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def duration(task: Task) -> int:
    """Seconds from the prompt to the task's last line (call k at +2k+1, its tool result at
    +2k+2, the interrupt 1 s after the last line)."""
    return 2 * task.calls + (1 if task.ending in ("interrupted", "conflicting") else 0)


_REVERT = re.compile(r"^\s*(please\s+)?(undo|revert|roll ?back)\b", re.I)


def _check(task: Task) -> None:
    if task.model not in CACHE_READ_PRICE:
        raise ValueError(f"unknown model {task.model!r}")
    if task.reads is not None and len(task.reads) != task.calls:
        raise ValueError(f"{task.session}: {len(task.reads)} reads for {task.calls} calls")
    if min(task.call_reads, default=0) < 0:
        raise ValueError(f"{task.session}: negative reads")
    if task.ending not in OUTCOMES:
        raise ValueError(f"unknown ending {task.ending!r}")
    if not task.edits and task.ending in ("delivered", "conflicting"):
        raise ValueError(f"{task.session}: {task.ending} commits, so it needs edits=True")
    # enough calls for the shape: an Edit (edits=True), a commit, a final answer
    least = {"delivered": 3, "final_answer": 2, "interrupted": 1, "mid_loop": 1, "conflicting": 2}
    if task.calls < least[task.ending]:
        raise ValueError(f"{task.session}: {task.ending} needs at least {least[task.ending]} calls")
    if _REVERT.match(task.prompt):
        raise ValueError(f"{task.session}: a prompt asking to undo would revert the task before")


def _task_lines(task: Task, sid: str, index: int, ids: Any) -> list[dict[str, Any]]:
    """The lines of one task (not yet chained)."""
    t0 = _instant(task.start)
    common = {"cwd": task.cwd, "sessionId": sid}
    prompt_id = str(uuid.uuid5(_NS, f"{sid}:prompt:{index}"))
    text = task.prompt or f"{task.session} #{index + 1}: work through the next ticket of {task.project}."
    lines = [
        user(
            [{"type": "text", "text": text}],
            _ts(t0),
            uuid=next(ids),
            promptId=prompt_id,
            permissionMode="default",
            **common,
        )
    ]
    reads = task.call_reads
    commit = task.ending in ("delivered", "conflicting")
    answer = task.ending in ("delivered", "final_answer")
    # call kinds: tool calls, then the commit, then the final answer
    n_tools = task.calls - int(commit) - int(answer)
    kinds: list[str] = []
    for k in range(n_tools):
        if task.edits:
            kinds.append("Read" if k == 0 and n_tools >= 2 else "Edit")
        else:
            kinds.append("Grep" if k % 2 == 0 else "Read")
    kinds += ["commit"] * commit + ["answer"] * answer
    for k, (kind, read) in enumerate(zip(kinds, reads, strict=True)):
        at = t0 + 2 * k + 1
        key = _hex(sid, index, k)
        msg, req, tool_id = f"msg_team{key}", f"req_team{key}", f"toolu_team{key}"
        path = f"{task.cwd}/app/module_{k}.py"
        block: dict[str, Any]
        result = "ok"
        if kind == "answer":
            block = {"type": "text", "text": "Done."}
        elif kind == "commit":
            command = f'git commit -m "{task.session} #{index + 1}"'
            block = {"type": "tool_use", "id": tool_id, "name": "Bash", "input": {"command": command}}
            result = f"[main {key[:7]}] {task.session} #{index + 1}\n 1 file changed, 2 insertions(+)"
        elif kind == "Edit":
            edit = {"file_path": path, "old_string": "x = 1", "new_string": "x = 2"}
            block = {"type": "tool_use", "id": tool_id, "name": "Edit", "input": edit}
            result = f"The file {path} has been updated successfully."
        elif kind == "Read":
            block = {"type": "tool_use", "id": tool_id, "name": "Read", "input": {"file_path": path}}
            result = "     1\tx = 1\n"
        else:
            block = {"type": "tool_use", "id": tool_id, "name": "Grep", "input": {"pattern": "x ="}}
            result = f"{path}:1:x = 1"
        lines.append(
            assistant(
                msg,
                _ts(at),
                req=req,
                model=task.model,
                inp=0,
                read=read,
                w5=0,
                w1=0,
                out=0,
                stop="end_turn" if kind == "answer" else "tool_use",
                block=block,
                uuid=next(ids),
                **common,
            )
        )
        if kind != "answer":
            lines.append(
                tool_result(
                    tool_id, _ts(at + 1), content=result, uuid=next(ids), promptId=prompt_id, **common
                )
            )
    if task.ending in ("interrupted", "conflicting"):
        lines.append(
            user(
                [{"type": "text", "text": "[Request interrupted by user]"}],
                _ts(t0 + duration(task)),
                uuid=next(ids),
                promptId=prompt_id,
                **common,
            )
        )
    return lines


def sessions(tasks: Sequence[Task]) -> dict[tuple[str, str, str], list[Task]]:
    """Tasks by (user, machine, session label), in list order, checked: starts in order,
    each task over well before the next starts (60 s), one person and project per session,
    mid_loop only as a session's last task."""
    out: dict[tuple[str, str, str], list[Task]] = {}
    for task in tasks:
        _check(task)
        out.setdefault((task.user, task.machine, task.session), []).append(task)
    people: dict[tuple[str, str], str] = {}
    for key, group in out.items():
        if len({(t.person, t.project) for t in group}) > 1:
            raise ValueError(f"session {key}: tasks of more than one person or project")
        if people.setdefault(key[:2], group[0].person) != group[0].person:
            raise ValueError(f"{key[0]}@{key[1]} belongs to more than one person")
        for a, b in zip(group, group[1:], strict=False):
            if _instant(a.start) + duration(a) + 60 > _instant(b.start):
                raise ValueError(f"session {key}: {b.start} starts before {a.start} is well over")
        for t in group[:-1]:
            if t.ending == "mid_loop":
                raise ValueError(f"session {key}: mid_loop task at {t.start} is not the session's last")
    return out


def write_logs(tasks: Sequence[Task], root: Path) -> dict[tuple[str, str], Path]:
    """Write ``tasks`` as Claude Code transcripts: for each (user, machine) a projects folder
    ``<root>/<user>@<machine>/projects/<slug of cwd>/<session uuid>.jsonl``. Returns the
    projects folder of each (user, machine)."""
    folders: dict[tuple[str, str], Path] = {}
    for (user_name, machine, _label), group in sessions(tasks).items():
        sid = group[0].session_id
        ids = (str(uuid.uuid5(_NS, f"{sid}:line:{n}")) for n in range(10**9))
        lines: list[dict[str, Any]] = []
        for index, task in enumerate(group):
            lines += _task_lines(task, sid, index, ids)
        chain(lines)
        projects = root / f"{user_name}@{machine}" / "projects"
        folders[(user_name, machine)] = projects
        path = projects / _slug(group[0].cwd) / f"{sid}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(ln, separators=(",", ":")) + "\n" for ln in lines))
    return folders


# ---------------------------------------------------------------------------------------
# TEAM

_WHO = {
    "ana": ("ana", "ana", "ana-desktop"),
    "ben": ("ben", "ben", "ben-mbp"),
    "chen": ("chen", "chen", "chen-thinkpad"),
    "dana": ("dana", "dana", "dana-laptop"),
    "dana-ci": ("dana", "dana@example.com", "ci-runner"),
    "eli": ("eli", "eli", "eli-workstation"),
}
_PROJECT = {"ana": "infra_tools", "ben": "infra_tools", "chen": "shop_api", "dana": "shop_api"}


def _t(
    who: str, session: str, start: str, model: str, calls: int, read: int, ending: Ending, **kw: Any
) -> Task:
    person, user_name, machine = _WHO[who]
    kw.setdefault("project", _PROJECT.get(person, "shop_api"))
    return Task(person, user_name, machine, session, start, model, calls, read, ending, **kw)


L, S = LARGE, SMALL
RUNAWAY_READS = tuple(4_000 * k for k in range(1, 51))  # 4,000 .. 200,000: 5,100,000 tokens

# fmt: off
TEAM: list[Task] = [
    # "W47": an abandoned task of 2026-W47 (EXPECTED_TOP_ABANDONED_W47)    tokens      $
    # ana (platform): the fewest tokens, second most completed.
    _t("ana", "a1", "2026-10-06T09:00:00Z", L, 4, 50_000, "delivered"),     # 200,000  0.200
    _t("ana", "a1", "2026-10-06T09:20:00Z", L, 3, 40_000, "final_answer"),  # 120,000  0.120
    _t("ana", "a2", "2026-10-13T09:00:00Z", S, 4, 100_000, "delivered"),    # 400,000  0.040
    _t("ana", "a2", "2026-10-13T09:20:00Z", S, 3, 100_000, "interrupted"),  # 300,000  0.030
    _t("ana", "a2", "2026-10-13T09:40:00Z", L, 5, 40_000, "delivered"),     # 200,000  0.200
    _t("ana", "a3", "2026-10-20T09:00:00Z", S, 4, 80_000, "final_answer"),  # 320,000  0.032
    _t("ana", "a3", "2026-10-20T09:20:00Z", S, 3, 60_000, "conflicting"),   # 180,000  0.018
    _t("ana", "a4", "2026-10-28T09:00:00Z", L, 6, 30_000, "delivered"),     # 180,000  0.180
    _t("ana", "a4", "2026-10-28T09:20:00Z", S, 5, 60_000, "delivered"),     # 300,000  0.030
    _t("ana", "a5", "2026-11-03T09:00:00Z", L, 4, 60_000, "final_answer"),  # 240,000  0.240
    _t("ana", "a5", "2026-11-03T09:20:00Z", S, 2, 50_000, "final_answer"),  # 100,000  0.010
    _t("ana", "a6", "2026-11-10T09:00:00Z", L, 4, 50_000, "delivered"),     # 200,000  0.200
    _t("ana", "a7", "2026-11-17T09:00:00Z", L, 3, 40_000, "final_answer"),  # 120,000  0.120
    _t("ana", "a7", "2026-11-17T09:20:00Z", S, 4, 150_000, "mid_loop"),     # 600,000  0.060  W47
    # ben (platform): the most completed, many small-model tasks.
    _t("ben", "b1", "2026-10-05T10:00:00Z", S, 4, 100_000, "delivered"),    # 400,000  0.040
    _t("ben", "b1", "2026-10-05T10:20:00Z", S, 3, 100_000, "final_answer"), # 300,000  0.030
    _t("ben", "b2", "2026-10-12T10:00:00Z", L, 4, 80_000, "delivered"),     # 320,000  0.320
    _t("ben", "b2", "2026-10-12T10:20:00Z", S, 4, 100_000, "delivered"),    # 400,000  0.040
    _t("ben", "b3", "2026-10-19T10:00:00Z", S, 5, 100_000, "delivered"),    # 500,000  0.050
    _t("ben", "b3", "2026-10-19T10:20:00Z", S, 2, 100_000, "interrupted"),  # 200,000  0.020
    _t("ben", "b3", "2026-10-19T10:40:00Z", S, 3, 100_000, "final_answer"), # 300,000  0.030
    _t("ben", "b4", "2026-10-26T10:00:00Z", L, 4, 80_000, "delivered"),     # 320,000  0.320
    _t("ben", "b4", "2026-10-26T10:20:00Z", S, 4, 100_000, "delivered"),    # 400,000  0.040
    _t("ben", "b5", "2026-11-02T10:00:00Z", S, 3, 100_000, "final_answer"), # 300,000  0.030
    _t("ben", "b5", "2026-11-02T10:20:00Z", L, 3, 80_000, "final_answer"),  # 240,000  0.240
    _t("ben", "b6", "2026-11-09T10:00:00Z", S, 4, 100_000, "delivered"),    # 400,000  0.040
    _t("ben", "b6", "2026-11-09T10:20:00Z", L, 4, 80_000, "delivered"),     # 320,000  0.320
    _t("ben", "b7", "2026-11-16T10:00:00Z", S, 3, 100_000, "delivered"),    # 300,000  0.030
    _t("ben", "b7", "2026-11-16T10:20:00Z", S, 3, 300_000, "interrupted"),  # 900,000  0.090  W47
    # chen (payments): the biggest burner, the fewest completed.
    _t("chen", "c1", "2026-10-07T11:00:00Z", L, 4, 200_000, "delivered"),   # 800,000  0.800
    _t("chen", "c1", "2026-10-07T11:20:00Z", S, 3, 200_000, "final_answer"),# 600,000  0.060
    _t("chen", "c2", "2026-10-15T11:00:00Z", L, 6, 200_000, "conflicting"), # 1,200,000 1.200
    _t("chen", "c2", "2026-10-15T11:20:00Z", L, 5, 200_000, "mid_loop"),    # 1,000,000 1.000
    # heavy session, no edit, commit or test
    _t("chen", "c3", "2026-10-22T11:00:00Z", L, 8, 800_000, "final_answer", edits=False),  # 6,400,000 6.400
    _t("chen", "c4", "2026-11-04T11:00:00Z", S, 4, 200_000, "delivered"),   # 800,000  0.080
    _t("chen", "c4", "2026-11-04T11:20:00Z", L, 5, 200_000, "conflicting"), # 1,000,000 1.000
    _t("chen", "c4", "2026-11-04T11:40:00Z", S, 3, 200_000, "interrupted"), # 600,000  0.060
    # runaway context: 50 calls, context 4,000 -> 200,000
    _t("chen", "c5", "2026-11-12T11:00:00Z", L, 50, 0, "interrupted", reads=RUNAWAY_READS),  # 5,100,000 5.100
    _t("chen", "c5", "2026-11-12T11:20:00Z", L, 4, 200_000, "final_answer"),# 800,000  0.800
    _t("chen", "c6", "2026-11-19T11:00:00Z", S, 2, 200_000, "interrupted"), # 400,000  0.040  W47
    _t("chen", "c6", "2026-11-19T11:20:00Z", S, 6, 500_000, "mid_loop"),    # 3,000,000 0.300 W47
    # dana (payments) on her laptop
    _t("dana", "d1", "2026-10-08T13:00:00Z", L, 5, 100_000, "delivered"),   # 500,000  0.500
    _t("dana", "d1", "2026-10-08T13:20:00Z", L, 4, 100_000, "final_answer"),# 400,000  0.400
    _t("dana", "d2", "2026-10-16T13:00:00Z", L, 6, 100_000, "delivered"),   # 600,000  0.600
    _t("dana", "d2", "2026-10-16T13:20:00Z", S, 4, 100_000, "delivered"),   # 400,000  0.040
    _t("dana", "d3", "2026-10-23T13:00:00Z", L, 4, 100_000, "conflicting"), # 400,000  0.400
    _t("dana", "d4", "2026-11-05T13:00:00Z", L, 5, 120_000, "delivered"),   # 600,000  0.600
    _t("dana", "d4", "2026-11-05T13:20:00Z", S, 3, 100_000, "interrupted"), # 300,000  0.030
    _t("dana", "d5", "2026-11-17T13:00:00Z", S, 4, 350_000, "interrupted"), # 1,400,000 0.140 W47
    _t("dana", "d5", "2026-11-17T13:20:00Z", L, 3, 100_000, "final_answer"),# 300,000  0.300
    # dana as dana@example.com on ci-runner
    _t("dana-ci", "ci1", "2026-10-27T13:00:00Z", L, 6, 150_000, "delivered"),    # 900,000 0.900
    _t("dana-ci", "ci1", "2026-10-27T13:20:00Z", S, 4, 100_000, "final_answer"), # 400,000 0.040
    _t("dana-ci", "ci2", "2026-11-10T13:00:00Z", L, 4, 150_000, "delivered"),    # 600,000 0.600
    _t("dana-ci", "ci3", "2026-11-18T13:00:00Z", S, 5, 400_000, "mid_loop"),     # 2,000,000 0.200 W47
    # eli (payments): a little in October, then a burst on Oct 29-31.
    _t("eli", "e1", "2026-10-06T14:00:00Z", S, 4, 100_000, "final_answer"), # 400,000  0.040
    _t("eli", "e2", "2026-10-14T14:00:00Z", L, 4, 100_000, "delivered"),    # 400,000  0.400
    _t("eli", "e3", "2026-10-21T14:00:00Z", S, 4, 100_000, "interrupted"),  # 400,000  0.040
    _t("eli", "e4", "2026-10-29T14:00:00Z", L, 8, 150_000, "delivered"),    # 1,200,000 1.200
    _t("eli", "e4", "2026-10-29T14:20:00Z", L, 8, 150_000, "final_answer"), # 1,200,000 1.200
    _t("eli", "e5", "2026-10-30T14:00:00Z", L, 8, 150_000, "delivered"),    # 1,200,000 1.200
    _t("eli", "e5", "2026-10-30T14:20:00Z", L, 8, 150_000, "conflicting"),  # 1,200,000 1.200
    _t("eli", "e6", "2026-10-31T14:00:00Z", L, 8, 150_000, "delivered"),    # 1,200,000 1.200
    _t("eli", "e6", "2026-10-31T14:20:00Z", L, 8, 150_000, "final_answer"), # 1,200,000 1.200
    _t("eli", "e7", "2026-11-11T14:00:00Z", S, 3, 100_000, "mid_loop"),     # 300,000  0.030
    _t("eli", "e8", "2026-11-18T14:00:00Z", L, 4, 250_000, "interrupted"),  # 1,000,000 1.000 W47
]
# fmt: on

# per person, dana's two user names merged; spend in USD (exact: sum of the rows above).
# By model (tokens large + small -> $ large + small):
#   ana    1,260,000 + 2,200,000 -> 1.26 + 0.22
#   ben    1,200,000 + 4,400,000 -> 1.20 + 0.44
#   chen  16,300,000 + 5,400,000 -> 16.30 + 0.54
#   dana   4,300,000 + 4,500,000 -> 4.30 + 0.45  (ci-runner: 1,500,000 + 2,400,000 -> 1.50 + 0.24)
#   eli    8,600,000 + 1,100,000 -> 8.60 + 0.11
EXPECTED_PEOPLE: dict[str, dict[str, Any]] = {
    "ana": {"team": "platform", "tokens": 3_460_000, "spend": 1.48, "tasks": 14,
            "completed": 11, "abandoned": 2, "unknown": 1},
    "ben": {"team": "platform", "tokens": 5_600_000, "spend": 1.64, "tasks": 15,
            "completed": 13, "abandoned": 2, "unknown": 0},
    "chen": {"team": "payments", "tokens": 21_700_000, "spend": 16.84, "tasks": 12,
             "completed": 5, "abandoned": 5, "unknown": 2},
    "dana": {"team": "payments", "tokens": 8_800_000, "spend": 4.75, "tasks": 13,
             "completed": 9, "abandoned": 3, "unknown": 1},
    "eli": {"team": "payments", "tokens": 9_700_000, "spend": 8.71, "tasks": 11,
            "completed": 7, "abandoned": 3, "unknown": 1},
}  # fmt: skip

# Rank by tokens (1 = most) and by completed tasks (1 = most), d = completed rank - token rank:
#   person  tokens      token rank  completed  completed rank   d   d^2
#   chen    21,700,000  1           5          5                4   16
#   eli      9,700,000  2           7          4                2    4
#   dana     8,800,000  3           9          3                0    0
#   ben      5,600,000  4           13         1               -3    9
#   ana      3,460,000  5           11         2               -3    9
#   sum d^2 = 38; rho = 1 - 6 * 38 / (5 * (25 - 1)) = 1 - 228 / 120 = -0.9
#   misordered (token rank != completed rank): chen, eli, ben, ana = 4
EXPECTED_RANKS = {"rho": -0.9, "misordered": 4}

# (person, cost) of the five costliest abandoned tasks that started in 2026-W47, costliest
# first (the 6th and 7th: ana 0.06, chen 0.04)
EXPECTED_TOP_ABANDONED_W47: list[tuple[str, float]] = [
    ("eli", 1.00),
    ("chen", 0.30),
    ("dana", 0.20),
    ("dana", 0.14),
    ("ben", 0.09),
]

# per model: decided tasks, completed, abandoned, unknown (conflicting)
EXPECTED_MODELS: dict[str, dict[str, int]] = {
    LARGE: {"decided": 30, "completed": 27, "abandoned": 3, "unknown": 4},
    SMALL: {"decided": 30, "completed": 18, "abandoned": 12, "unknown": 1},
}

# ---------------------------------------------------------------------------------------
# ECONOMICS: one person, every task 4 calls.
#   team-large: 10 tasks x 4 calls x 500,000 = 2,000,000 tokens = $2.00 each; 9 completed
#     (final_answer), 1 interrupted: $20.00, completion rate 90 %, $20.00 / 9 = $2.222 per
#     completed task.
#   team-small: 10 tasks x 4 calls x 1,250,000 = 5,000,000 tokens = $0.50 each; 6 completed
#     (final_answer), 4 interrupted: $5.00, completion rate 60 %, $5.00 / 6 = $0.8333 per
#     completed task.

_ECO_LARGE = ["final_answer"] * 4 + ["interrupted"] + ["final_answer"] * 5
_ECO_SMALL = ["final_answer", "interrupted"] * 4 + ["final_answer"] * 2

ECONOMICS: list[Task] = [
    Task("gus", "gus", "gus-laptop", f"l{i // 5}", f"2026-11-0{2 + i // 5}T09:{(i % 5) * 10:02d}:00Z",
         LARGE, 4, 500_000, ending)
    for i, ending in enumerate(_ECO_LARGE)
] + [
    Task("gus", "gus", "gus-laptop", f"s{i // 5}", f"2026-11-0{4 + i // 5}T14:{(i % 5) * 10:02d}:00Z",
         SMALL, 4, 1_250_000, ending)
    for i, ending in enumerate(_ECO_SMALL)
]  # fmt: skip


def ingest_team(tmp_path: Path, tasks: Sequence[Task] = TEAM) -> Path:
    """Write ``tasks`` and PRICES_TOML under ``tmp_path`` and ingest every
    (user, machine) folder with its ``--user`` and ``--machine``. Returns the prices file."""
    from conftest import invoke

    prices = tmp_path / "team_prices.toml"
    prices.write_text(PRICES_TOML)
    folders = write_logs(tasks, tmp_path / "team_logs")
    for (user_name, machine), folder in sorted(folders.items()):
        result = invoke(
            "--prices", str(prices), "ingest", "--user", user_name, "--machine", machine, str(folder)
        )
        assert result.exit_code == 0, result.stderr
    return prices
