"""OpenAI Codex CLI rollout files.

Where the files live
    ``$CODEX_HOME`` (default ``~/.codex``): ``sessions/YYYY/MM/DD/rollout-*.jsonl`` (and the
    older flat ``sessions/rollout-*.jsonl``) and ``archived_sessions/``. Folders are searched
    recursively for ``*.jsonl``. When one run finds the same rollout (file name) under both
    ``<home>/sessions`` and ``<home>/archived_sessions``, the archived copy is not read: the
    active copy wins (were both read, the warehouse would still keep one copy of each
    request, as it does when they are read in different runs).

Records used
    ``session_meta`` gives the thread (``id``), its root session (``session_id``, for
    subagents), the working directory, the CLI version and the model provider;
    ``turn_context`` and ``thread_settings_applied`` give the model (and service tier) of
    the requests that follow; ``event_msg`` ``token_count`` gives usage; ``user_message``,
    ``task_started``, ``task_complete``, ``turn_aborted``, ``exec_command_end`` and
    ``patch_apply_end`` give events, as do the ``response_item`` tool calls and outputs and
    ``compacted`` lines. ``world_state`` and ``token_usage_record`` lines are known and
    not used (the latter appeared in late 2026 builds; no sample was available to verify
    it, and ``token_count`` is still written alongside it). An envelope type not in
    ``KNOWN_TYPES`` is counted as ``unknown_line_type``.

Usage: deltas of the cumulative total
    ``token_count.info.total_token_usage`` is the thread's running total in the current
    process. Each request's usage is the component-wise difference from the previous
    total in the same file, never a sum of ``last_token_usage``: Codex re-emits
    ``token_count`` with an unchanged total (0.104 and 0.114 do it for almost every
    request), and such a re-emission counts once. A total lower than the previous one in
    any component starts a new accumulator (a resumed session in a new process): the
    delta is the total itself. ``info: null`` (rate limits only) and an all-zero delta
    (the event after a compaction) are not requests. ``last_token_usage`` is used only
    for events with no total. A total with a count below 0 or above 10^13, or a change
    of more than ``MAX_TOKENS`` (``taskcost.schemas.bounds``) in one request, cannot be
    real: the line is skipped (``out_of_range``) and the running total stays as it was,
    so the next total is measured from the last good one.

Token mapping
    Codex input includes cached input and output includes reasoning (formats.md §0), so
    ``input_tokens`` = input - cached, ``cache_read_tokens`` = cached (clipped to input),
    ``output_tokens`` = output, ``reasoning_tokens`` = reasoning (a part of output; priced
    at the output rate). Codex reports no cache writes. ``context_tokens`` = input
    (cached included): the prompt sent.

Model, provider, tier
    The model of a request is the one of the latest ``turn_context`` (or
    ``thread_settings_applied``) before it, so a model change mid-session is attributed
    per request. A request before any model is known keeps a null model and is shown as
    unpriced (ccusage guesses ``gpt-5``; we do not guess a price). ``model_provider``
    becomes ``provider``; a custom provider id is priced only if genai-prices knows it.
    ``service_tier`` ``fast``/``priority`` is priced as OpenAI's priority tier, ``flex``
    as flex; ``default`` is the standard tier.

Sessions, subagents, forks
    ``session_id`` is the thread id; a subagent thread (``source.subagent`` or
    ``thread_source: subagent``) is filed under its root session (``session_meta.session_id``
    or the parent thread) with ``agent_id`` = its own thread id and ``is_sidechain``. A
    forked or subagent rollout starts with two ``session_meta`` lines (the child's, then
    the parent's) followed by the parent's history, written in one burst when the child is
    created. The lines of that burst (those whose timestamp falls in the same second as
    the parent's ``session_meta`` line) are the parent's: their ``token_count`` totals set
    the starting point for the child's deltas and yield no requests, and their events are
    not repeated. This is ccusage's rule too; no real fork file was available to check it.

Dedupe
    ``request_key`` = ``codex:<thread>:<cumulative input, cached, output, reasoning>``:
    the same request read twice (a file read again, an archived copy) has the same key,
    and cumulative totals never repeat within a thread. Events are keyed by the call id,
    turn id or thread and time.

Prompts (tasks)
    ``prompt_id`` is the turn id (``task_started`` / ``turn_context``); rollouts older than
    turn ids get ``<thread>@<time of the user message>``. ``exec_command_end`` records
    what the command delivers (``detail``: commit, push, pull request, test run; see
    ``_delivery``) next to its exit code.

Legacy rollouts
    Mid-2025 files (a bare ``{id, timestamp, instructions}`` header line, ``record_type``
    markers and unwrapped response items) hold no token counts: their prompts and tool
    calls become events, and they add no requests.

Known gaps
    The compaction request's own tokens do not move ``total_token_usage`` (checked on a
    real 0.104 file), so they are not counted; nor is anything Codex does not log. Web
    searches are logged as tool calls, not billed per search. ChatGPT-plan users pay a
    subscription: their cost is what the same tokens would cost on the API. The fork
    replay rule and ``token_usage_record`` are unverified on real files (see above).
    Files are parsed whole, in order, by one worker (``splittable = False``): a request's
    delta depends on every line before it. A file that grows is read from its last
    committed offset with the carried state (thread, model, turn, last total).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import msgspec
from msgspec import Raw, Struct

from taskcost.ingest._base import Chunk, ChunkResult, Rows, Skips, parse_lines, project_of
from taskcost.ingest._delivery import delivery_kind, shell_script
from taskcost.schemas.bounds import MAX_TOKENS

NAME = "codex"
KNOWN_TYPES = frozenset(
    {
        "session_meta",
        "response_item",
        "turn_context",
        "event_msg",
        "compacted",
        "world_state",
        "token_usage_record",
    }
)
TOOL_CALLS = {
    "function_call": None,
    "custom_tool_call": None,
    "local_shell_call": "local_shell",
    "web_search_call": "web_search",
}
TOOL_OUTPUTS = frozenset({"function_call_output", "custom_tool_call_output"})
TIERS = {"fast": "priority", "priority": "priority", "flex": "flex"}
# injected user messages, not typed by a person (formats.md 2.5)
INJECTED = (
    ("<environment_context>", "environment_context"),
    ("<user_instructions>", "user_instructions"),
    ("# AGENTS.md", "user_instructions"),
    ("<turn_aborted>", "turn_aborted_notice"),
)
PREVIEW_CHARS = 200
MAX_TOTAL = 10**13  # a thread's running totals stay far below (the per-request bound: MAX_TOKENS)


class Usage(Struct, gc=False):
    input_tokens: int | None = None
    cached_input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_output_tokens: int | None = None


class Info(Struct, gc=False):
    total_token_usage: Usage | None = None
    last_token_usage: Usage | None = None
    model_context_window: int | None = None


class Git(Struct, gc=False):
    branch: str | None = None


class ThreadSettings(Struct, gc=False):
    model: str | None = None
    model_provider_id: str | None = None
    service_tier: str | None = None


class Payload(Struct, gc=False):
    """The fields taskcost reads from any payload (msgspec skips the rest unbuilt)."""

    type: str | None = None
    # session_meta
    id: str | None = None
    session_id: str | None = None
    parent_thread_id: str | None = None
    forked_from_id: str | None = None
    cwd: str | None = None
    cli_version: str | None = None
    model_provider: str | None = None
    source: Any = None  # "cli" | {"subagent": {...}}
    thread_source: str | None = None
    git: Git | None = None
    # turn_context / task events
    turn_id: str | None = None
    model: str | None = None
    service_tier: str | None = None
    thread_settings: ThreadSettings | None = None
    # event_msg
    info: Info | None = None
    message: Raw = Raw(b"null")  # user_message text (a string); compacted summary
    images: Raw = Raw(b"null")
    local_images: Raw = Raw(b"null")
    reason: str | None = None
    exit_code: int | None = None
    command: Raw = Raw(b"null")  # exec_command_end: argv
    success: bool | None = None
    # response_item
    role: str | None = None
    name: str | None = None
    call_id: str | None = None
    content: Raw = Raw(b"null")


class Line(Struct, gc=False):
    timestamp: datetime | None = None
    type: str | None = None
    payload: Payload | None = None
    record_type: str | None = None
    # legacy rollouts: the header and unwrapped items sit at the top level
    id: str | None = None
    instructions: Raw = Raw(b"")
    role: str | None = None
    name: str | None = None
    call_id: str | None = None
    content: Raw = Raw(b"null")


class TextPart(Struct, gc=False):
    type: str | None = None
    text: str | None = None


_line = msgspec.json.Decoder(Line)
_any = msgspec.json.Decoder()
_parts = msgspec.json.Decoder(list[TextPart])
_argv = msgspec.json.Decoder(list[str])


def _text(raw: Raw) -> str:
    data = bytes(raw)
    if data.startswith(b'"'):
        return _any.decode(data)
    if data.startswith(b"["):
        try:
            return "\n".join(p.text for p in _parts.decode(data) if p.text)
        except (msgspec.ValidationError, RecursionError):
            return ""
    return ""


def _delivery(raw: Raw) -> str | None:
    """What an executed command delivers (``_delivery.delivery_kind``); not kept itself."""
    data = bytes(raw)
    if not data.startswith(b"["):
        return None
    try:
        argv = _argv.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None
    return delivery_kind(shell_script(argv))


def _has_items(raw: Raw) -> bool:
    """Whether a raw JSON value is a non-empty list."""
    data = bytes(raw)
    return data.startswith(b"[") and data.replace(b" ", b"") != b"[]"


def _usage(u: Usage) -> tuple[int, int, int, int]:
    return (
        u.input_tokens or 0,
        u.cached_input_tokens or 0,
        u.output_tokens or 0,
        u.reasoning_output_tokens or 0,
    )


def _subagent_parent(p: Payload) -> str | None:
    """The thread a subagent was spawned from, if this thread is a subagent."""
    src = p.source
    if isinstance(src, dict) and "subagent" in src:
        spawn = src["subagent"].get("thread_spawn") if isinstance(src["subagent"], dict) else None
        parent = spawn.get("parent_thread_id") if isinstance(spawn, dict) else None
        return p.session_id if p.session_id and p.session_id != p.id else parent or p.parent_thread_id or ""
    if p.thread_source == "subagent":
        return p.session_id if p.session_id and p.session_id != p.id else p.parent_thread_id or ""
    return None


class _ChunkParser:
    def __init__(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> None:
        self.chunk = chunk
        self.rows = rows
        self.skips = Skips()
        self.st = dict(state)
        self.st.setdefault("thread", os.path.splitext(os.path.basename(chunk.path))[0])
        self.st.setdefault("session", self.st["thread"])

    # --- rows ---

    def event(self, ts: datetime, i: int, kind: str, key: str, **values: Any) -> None:
        st = self.st
        self.rows.event(
            session_id=st["session"],
            agent_id=st.get("agent"),
            is_sidechain=bool(st.get("agent")),
            event_key=f"codex:{st['thread']}:{key}|{kind}",
            kind=kind,
            ts=ts,
            prompt_id=st.get("turn"),
            cwd=st.get("cwd"),
            project=project_of(st.get("cwd")),
            git_branch=st.get("branch"),
            cli_version=st.get("version"),
            chunk_id=self.chunk.chunk_id,
            line_in_chunk=i,
            **values,
        )

    # --- the loop ---

    def parse(self) -> ChunkResult:
        rng = parse_lines(self.chunk, _line, self.skips, self.rows, self.line)
        return ChunkResult(self.chunk.chunk_id, rng.lines, rng.consumed_to, self.st, self.skips)

    def line(self, ln: Line, i: int) -> None:
        t = ln.type
        if t is None or (t not in KNOWN_TYPES and self.st.get("legacy")):
            self.legacy(ln, i)
            return
        if t not in KNOWN_TYPES:
            self.skips.add("unknown_line_type", i, f"type {t!r}")
            return
        p = ln.payload
        if p is None:
            self.skips.add("missing_field", i, f"{t} line without payload")
            return
        if t == "session_meta":
            self.session_meta(ln, p, i)
            return
        ts = ln.timestamp
        if ts is None:
            self.skips.add("missing_field", i, f"{t} line without timestamp")
            return
        if self.st.get("replay"):
            if ts.replace(microsecond=0).isoformat() == self.st["replay"]:
                if t == "event_msg" and p.type == "token_count" and p.info and p.info.total_token_usage:
                    self.st["total"] = list(_usage(p.info.total_token_usage))
                return
            del self.st["replay"]
        if t == "turn_context":
            self.turn_context(p)
        elif t == "event_msg":
            self.event_msg(ln, p, ts, i)
        elif t == "response_item":
            self.response_item(p, ts, i)
        elif t == "compacted":
            self.event(ts, i, "compaction", ts.isoformat(), pre_compaction_tokens=self.st.get("context"))

    # --- identity and context ---

    def session_meta(self, ln: Line, p: Payload, i: int) -> None:
        st = self.st
        if st.get("meta") and p.id and p.id != st["thread"]:
            # a fork's or subagent's copy of its parent's history follows (module doc)
            if ln.timestamp is not None:
                st["replay"] = ln.timestamp.replace(microsecond=0).isoformat()
            return
        if st.get("meta"):
            return
        if not p.id:
            self.skips.add("missing_field", i, "session_meta without id")
            return
        st["meta"] = True
        st["thread"] = p.id
        parent = _subagent_parent(p)
        if parent is not None:
            st["session"] = parent or p.id
            st["agent"] = p.id
        else:
            st["session"] = p.id
        st["cwd"] = p.cwd
        st["version"] = p.cli_version
        st["provider"] = p.model_provider
        if p.git is not None:
            st["branch"] = p.git.branch

    def turn_context(self, p: Payload) -> None:
        st = self.st
        if p.model:
            st["model"] = p.model
        if p.cwd:
            st["cwd"] = p.cwd
        if p.turn_id:
            st["turn"] = p.turn_id
            st["turn_ids"] = True
        if p.service_tier is not None:
            st["tier"] = TIERS.get(p.service_tier)

    # --- event_msg ---

    def event_msg(self, ln: Line, p: Payload, ts: datetime, i: int) -> None:
        kind = p.type
        st = self.st
        if kind == "token_count":
            self.token_count(p, ts, i)
        elif kind == "user_message":
            text = _text(p.message).strip()  # decoded before the turn moves (parse_lines)
            if not st.get("turn_ids"):
                st["turn"] = f"{st['thread']}@{ts.isoformat()}"
            self.user_message(p, ts, i, text)
        elif kind == "task_started":
            if p.turn_id:
                st["turn"] = p.turn_id
                st["turn_ids"] = True
            self.event(ts, i, "turn_start", p.turn_id or ts.isoformat())
        elif kind == "task_complete":
            self.event(ts, i, "turn_end", p.turn_id or ts.isoformat(), stop_reason="task_complete")
        elif kind == "turn_aborted":
            self.event(ts, i, "interrupt", p.turn_id or ts.isoformat(), detail=p.reason or "unknown")
        elif kind == "exec_command_end":
            code = p.exit_code
            self.event(
                ts,
                i,
                "command_end",
                p.call_id or ts.isoformat(),
                tool_use_id=p.call_id,
                exit_code=code,
                is_error=None if code is None else code != 0,
                detail=_delivery(p.command),
            )
        elif kind == "patch_apply_end":
            self.event(
                ts,
                i,
                "patch_applied",
                p.call_id or ts.isoformat(),
                tool_use_id=p.call_id,
                is_error=None if p.success is None else not p.success,
            )
        elif kind == "thread_settings_applied" and p.thread_settings is not None:
            s = p.thread_settings
            if s.model:
                st["model"] = s.model
            if s.model_provider_id:
                st["provider"] = s.model_provider_id
            if s.service_tier is not None:
                st["tier"] = TIERS.get(s.service_tier)

    def user_message(self, p: Payload, ts: datetime, i: int, text: str) -> None:
        key = ts.isoformat()
        for prefix, detail in INJECTED:
            if text.startswith(prefix):
                self.event(ts, i, "meta_user", key, detail=detail)
                return
        images = _has_items(p.images) or _has_items(p.local_images)
        preview = text[:PREVIEW_CHARS] if text else ("[image]" if images else "")
        kind = "agent_prompt" if self.st.get("agent") else "human_prompt"
        self.event(ts, i, kind, key, prompt_preview=preview)

    def token_count(self, p: Payload, ts: datetime, i: int) -> None:
        """One request from a change of the running total. A total or a delta out of range
        rejects the line and leaves the accumulator as it was: the next total is measured
        from the last good one, as if the bad line were not in the file."""
        info = p.info
        if info is None:  # rate limits only
            return
        st = self.st
        total, last = info.total_token_usage, info.last_token_usage
        if total is not None:
            cur = _usage(total)
            prev = st.get("total")
            if prev is not None and list(cur) == prev:
                return  # re-emitted: counted once
            if min(cur) < 0 or max(cur) > MAX_TOTAL:
                self.skips.add("out_of_range", i, f"token_count total_token_usage {list(cur)}")
                return
            if prev is None or any(c < q for c, q in zip(cur, prev, strict=True)):
                delta = cur  # a new accumulator
            else:
                delta = tuple(c - q for c, q in zip(cur, prev, strict=True))
            if max(delta) > MAX_TOKENS:
                self.skips.add("out_of_range", i, f"token_count: {max(delta):,} tokens in one request")
                return
            st["total"] = list(cur)
            key = "{}:{}:{}:{}".format(*cur)
        elif last is not None:
            delta = _usage(last)
            key = "{}:{}:{}:{}@".format(*delta) + ts.isoformat()
        else:
            return
        if last is not None and 0 <= (last.input_tokens or 0) <= MAX_TOKENS:
            st["context"] = last.input_tokens
        if not any(delta):
            return
        inp, cached, out, reasoning = delta
        read = min(cached, inp)
        self.rows.request(
            provider=st.get("provider"),
            project=project_of(st.get("cwd")),
            cwd=st.get("cwd"),
            git_branch=st.get("branch"),
            session_id=st["session"],
            agent_id=st.get("agent"),
            is_sidechain=bool(st.get("agent")),
            prompt_id=st.get("turn"),
            request_key=f"codex:{st['thread']}:{key}",
            ts=ts,
            model=st.get("model"),
            service_tier=st.get("tier"),
            input_tokens=inp - read,
            cache_read_tokens=read,
            output_tokens=out,
            reasoning_tokens=min(reasoning, out),
            context_tokens=inp,
            cli_version=st.get("version"),
            chunk_id=self.chunk.chunk_id,
            line_in_chunk=i,
        )

    # --- response_item ---

    def response_item(self, p: Payload, ts: datetime, i: int) -> None:
        t = p.type
        if t in TOOL_CALLS:
            key = p.call_id or f"{ts.isoformat()}#{t}"
            self.event(ts, i, "tool_call", key, tool_name=p.name or TOOL_CALLS[t], tool_use_id=p.call_id)
        elif t in TOOL_OUTPUTS:
            key = p.call_id or f"{ts.isoformat()}#{t}"
            self.event(ts, i, "tool_result", key, tool_use_id=p.call_id)

    # --- legacy rollouts ---

    def legacy(self, ln: Line, i: int) -> None:
        st = self.st
        if ln.record_type is not None:
            return
        if ln.id is not None and ln.timestamp is not None and len(ln.instructions):
            if not st.get("meta"):
                st["meta"], st["thread"], st["session"] = True, ln.id, ln.id
                st["legacy"], st["legacy_ts"] = True, ln.timestamp.isoformat()
            return
        ts = ln.timestamp or (datetime.fromisoformat(st["legacy_ts"]) if st.get("legacy_ts") else None)
        if ts is None:
            self.skips.add("missing_field", i, "line without type or timestamp")
            return
        p = Payload(role=ln.role, name=ln.name, call_id=ln.call_id, content=ln.content)
        if ln.role == "user":
            text = _text(ln.content)
            st["turn"] = f"{st['thread']}@{ts.isoformat()}#{i}"
            self.user_message(p, ts, i, text.strip())
        elif ln.type in TOOL_CALLS:
            key = ln.call_id or f"{ts.isoformat()}#{i}"
            self.event(
                ts, i, "tool_call", key, tool_name=ln.name or TOOL_CALLS[ln.type], tool_use_id=ln.call_id
            )
        elif ln.type in TOOL_OUTPUTS:
            self.event(ts, i, "tool_result", ln.call_id or f"{ts.isoformat()}#{i}", tool_use_id=ln.call_id)


# --- the source object ---


class Codex:
    name = NAME
    description = "OpenAI Codex CLI rollouts (~/.codex/sessions, archived_sessions)"
    splittable = False
    suffixes = (".jsonl",)

    def home(self) -> str:
        return os.path.expanduser(os.environ.get("CODEX_HOME") or "~/.codex")

    def default_roots(self) -> list[str]:
        home = self.home()
        return [os.path.join(home, "sessions"), os.path.join(home, "archived_sessions")]

    def shadowed(self, files: list[str]) -> set[str]:
        """Archived rollouts whose active copy (same file name under the sibling
        ``sessions`` folder of the same Codex home) is in ``files``: not read."""
        active = set()
        for path in files:
            home = _home_of(path, "sessions")
            if home is not None:
                active.add((home, os.path.basename(path)))
        return {p for p in files if (_home_of(p, "archived_sessions"), os.path.basename(p)) in active}

    def sniff(self, line: bytes) -> bool | None:
        if not line.strip():
            return None
        try:
            ln = _line.decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None
        if ln.type is not None:
            return ln.type in KNOWN_TYPES and ln.payload is not None
        if ln.record_type is not None:
            return None
        # legacy header: {id, timestamp, instructions, ...}
        return ln.id is not None and ln.timestamp is not None and len(ln.instructions) > 0

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        return _ChunkParser(chunk, state, rows).parse()


def _home_of(path: str, folder: str) -> str | None:
    """The Codex home of a file under ``<home>/<folder>/``, else None."""
    parts = path.split(os.sep)[:-1]
    if folder not in parts:
        return None
    k = len(parts) - 1 - parts[::-1].index(folder)
    return os.sep.join(parts[:k])


SOURCE = Codex()
