"""Claude Code session transcripts.

Where the files live
    ``<config>/projects/<project-slug>/<session-id>.jsonl`` for each config dir: every
    comma-separated entry of ``CLAUDE_CONFIG_DIR``, plus ``~/.config/claude`` and
    ``~/.claude`` (all that exist; the same file under two roots is read twice and
    deduplicated). Folders are searched recursively for ``*.jsonl``, which picks up
    subagent transcripts in every layout: ``<session>/subagents/agent-<id>.jsonl``
    (2.1.2+), sibling ``agent-<id>.jsonl`` files (late 2.0.x) and sidechain lines inline
    in the session file (older). Claude Code deletes transcripts after 30 days by default
    (``cleanupPeriodDays``); ingest regularly to keep the history.

Records used
    ``assistant`` lines (one per content block of a response) give requests, tool calls,
    turn ends and API errors; ``user`` lines give prompts, commands, tool results,
    rejections and interrupts; ``system``/``compact_boundary`` gives compactions;
    ``attachment``/``queued_command`` gives prompts queued while the agent worked. Known
    metadata lines (``summary``, ``file-history-snapshot``, ``queue-operation``,
    ``progress``, ``ai-title``, ``last-prompt``, …) are read and ignored. A line of a type
    not in ``KNOWN_TYPES`` is counted as ``unknown_line_type``.

Token mapping
    ``message.usage`` is per response and already in our semantics: ``input_tokens`` is
    uncached input, ``cache_read_input_tokens`` → ``cache_read_tokens``,
    ``cache_creation.ephemeral_5m/1h_input_tokens`` → ``cache_write_5m/1h_tokens``. When
    the 5m/1h split is absent, all of ``cache_creation_input_tokens`` counts as 5-minute
    writes (the cheaper rate; older versions only wrote 5-minute entries).
    ``output_tokens`` includes thinking; Claude Code does not report reasoning apart, so
    ``reasoning_tokens`` is null. ``server_tool_use.web_search_requests`` is kept (billed
    per search). ``usage.iterations`` repeats the top level and is not added. ``costUSD``
    (versions ≤ 1.0.8) is kept as ``reported_cost_usd``. A count or cost outside its range
    (``taskcost.schemas.bounds``: 0..10^8 tokens per response) makes the line unusable
    (skipped as ``out_of_range``).

Dedupe
    A response is written once per content block, replayed into a new file on resume,
    repeated by ``/btw`` side questions (sidechain, same ``message.id``, new
    ``requestId``) and may sit under two config roots. The key is
    ``message.id:requestId`` (``requestId`` empty for third-party back ends, which omit
    it). Among rows with the same ``message.id``: if any is on the main chain, sidechain
    rows are copies and dropped, and one row per ``requestId`` is kept; if all are
    sidechain rows, one row is kept. The kept row is the most complete copy: final usage
    (some line has a ``stop_reason``) over placeholder usage, then the larger token total.
    Among equal copies (history replayed into a resumed or forked session) the copy in
    the session that started first is kept (its earliest request or event), then the
    smaller session id, file and line. The rule is a total order on the copies, so the
    result does not depend on the order files are ingested in (a property test checks
    this). Events are deduplicated on the line's uuid (or tool-use / message id) by the
    same session rule.

Placeholder usage
    Versions 2.1.14-2.1.96 wrote the ``message_start`` snapshot on block lines:
    ``stop_reason`` null and ``output_tokens`` of 1-30. Where some copy of a response has
    a ``stop_reason`` its usage is final and kept; where none has, the request is kept
    with ``usage_quality = placeholder`` (input and cache counts are right, output is
    undercounted, and reports can say so).

Not billed
    ``<synthetic>`` assistant lines (API errors, "Not logged in", usage-limit notices) are
    written locally with zero usage: they become ``api_error`` events, never requests.

Tasks
    Every line belongs to the task of its parent line (``parentUuid``; a compaction
    boundary continues from ``logicalParentUuid``), and a human prompt or typed command
    opens a new one: ``prompt_id`` on requests and events is that prompt's ``promptId``,
    or its uuid when it has none (docs/tasks.md). A line whose parent is in an earlier
    chunk of a split file takes the task open at the end of that chunk. Subagent lines
    keep a ``promptId`` they log, else none (``analyze`` links them). Shell tool calls
    record what they deliver (``detail``: commit, push, pull request, test run; see
    ``_delivery``); a Task/Agent tool result records the subagent it ran
    (``detail = agent:<id>``).

Known gaps
    The compaction call itself is not written to the trunk transcript (its cost is only
    visible in OpenTelemetry or the Admin API).
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import Any

import msgspec
from msgspec import Raw, Struct

from taskcost.ingest._anthropic import CacheCreation, ServerToolUse, cache_writes, error_kind
from taskcost.ingest._base import (
    Chunk,
    ChunkResult,
    Rows,
    Skips,
    parse_lines,
    project_of,
)
from taskcost.ingest._delivery import delivery_kind

NAME = "claude_code"

KNOWN_TYPES = frozenset(
    {
        "assistant",
        "user",
        "system",
        "attachment",
        "summary",
        "file-history-snapshot",
        "queue-operation",
        "progress",
        "permission-mode",
        "ai-title",
        "custom-title",
        "last-prompt",
        "pr-link",
        "agent-setting",
        "agent-name",
        "cost-state",
        "tag",
        "mode",
    }
)

PREVIEW_CHARS = 200
_CARRIED = "\0carried"  # task_of: the line's task is the one carried into the chunk
SHELL_TOOLS = frozenset({"Bash", "PowerShell"})
INTERRUPT_MARKERS = (
    "[Request interrupted by user for tool use]",
    "[Request interrupted by user]",
    "[Interrupted by the user]",
)
REJECTION_PREFIX = "The user doesn't want to proceed with this tool use"
TERMINAL_STOP_REASONS = frozenset({"end_turn", "max_tokens", "stop_sequence", "refusal", "pause_turn"})
# Injected user text, by its opening tag (formats.md 1.5). Checked after isMeta.
INJECTED_PREFIXES = (
    ("<local-command-stdout>", "local_command_output"),
    ("<local-command-stderr>", "local_command_output"),
    ("<local-command-caveat>", "is_meta"),
    ("<bash-stdout>", "local_command_output"),
    ("<bash-stderr>", "local_command_output"),
    ("<task-notification>", "task_notification"),
    ("<system-reminder>", "system_reminder"),
    ("<user-prompt-submit-hook>", "hook"),
)
COMMAND_NAME = re.compile(r"<command-name>\s*/?([^<\s]*)\s*</command-name>")
COMMAND_ARGS = re.compile(r"<command-args>(.*?)</command-args>", re.S)


# --- line shapes (msgspec skips every field not declared here, without allocating) ---


class Usage(Struct, gc=False):
    input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUse | None = None
    service_tier: str | None = None
    speed: str | None = None


class Block(Struct, gc=False):
    """A content block of a user or assistant message. The large fields (text, tool
    results) stay raw JSON, sliced without copying, and are decoded only when needed."""

    type: str | None = None
    id: str | None = None  # tool_use
    name: str | None = None  # tool_use
    tool_use_id: str | None = None  # tool_result
    is_error: bool | None = None  # tool_result
    text: Raw = Raw(b"null")
    content: Raw = Raw(b"null")  # tool_result
    input: Raw = Raw(b"null")  # tool_use


class Message(Struct, gc=False):
    id: str | None = None
    model: str | None = None
    stop_reason: str | None = None
    usage: Usage | None = None
    content: str | list[Block] | None = None


class CompactMetadata(Struct, gc=False):
    trigger: str | None = None
    preTokens: int | None = None
    postTokens: int | None = None


class Attachment(Struct, gc=False):
    type: str | None = None
    commandMode: str | None = None
    prompt: Raw = Raw(b"null")


class Origin(Struct, gc=False):
    kind: str | None = None


class Line(Struct, gc=False):
    type: str | None = None
    subtype: str | None = None
    uuid: str | None = None
    parentUuid: str | None = None
    logicalParentUuid: str | None = None
    sessionId: str | None = None
    timestamp: datetime | None = None
    requestId: str | None = None
    isSidechain: bool | None = None
    agentId: str | None = None
    promptId: str | None = None
    cwd: str | None = None
    gitBranch: str | None = None
    version: str | None = None
    isMeta: bool | None = None
    isCompactSummary: bool | None = None
    isApiErrorMessage: bool | None = None
    error: Any = None
    apiErrorStatus: int | None = None
    costUSD: float | None = None
    message: Message | None = None
    compactMetadata: CompactMetadata | None = None
    attachment: Attachment | None = None
    origin: Origin | None = None
    toolUseResult: Raw = Raw(b"null")


class TextBlock(Struct, gc=False):
    type: str | None = None
    text: str | None = None


class ShellInput(Struct, gc=False):
    command: str | None = None
    run_in_background: bool | None = None


class AgentResult(Struct, gc=False):
    agentId: str | None = None


_line = msgspec.json.Decoder(Line)
_shell_input = msgspec.json.Decoder(ShellInput)
_agent_result = msgspec.json.Decoder(AgentResult)
_text_blocks = msgspec.json.Decoder(list[TextBlock])
_any = msgspec.json.Decoder()


def _raw_text(raw: Raw) -> str:
    """Text of a Raw JSON value that is a string or a list of text blocks."""
    data = bytes(raw)
    if data.startswith(b'"'):
        return _any.decode(data)
    if data.startswith(b"["):
        try:
            return "\n".join(b.text for b in _text_blocks.decode(data) if b.text)
        except (msgspec.ValidationError, RecursionError):
            return ""
    return ""


def _delivery(b: Block) -> str | None:
    """What a shell tool call delivers (``_delivery.delivery_kind``); the command is not kept."""
    if not bytes(b.input).startswith(b"{"):
        return None
    try:
        shell = _shell_input.decode(b.input)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None
    if not shell.command or shell.run_in_background:  # a background run returns at once
        return None
    return delivery_kind(shell.command)


def _spawned_agent(raw: Raw) -> str | None:
    """``agent:<id>`` when a tool result names the subagent it ran (Task/Agent tools)."""
    data = bytes(raw)
    if not data.startswith(b"{") or b'"agentId"' not in data:
        return None
    try:
        agent = _agent_result.decode(data).agentId
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None
    return f"agent:{agent}" if agent else None


def _content_text(content: str | list[Block] | None) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(_raw_text(b.text) for b in content or () if b.type == "text")


class _ChunkParser:
    """Parses one chunk; keeps column rows as tuples (fast) and builds Arrow at the end."""

    def __init__(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> None:
        self.chunk = chunk
        self.task_of: dict[str, str | None] = {}  # line uuid -> task key (or _CARRIED)
        self.key: str | None = None  # task key of the line being parsed
        self.carry = False  # ... it descends from a line before this chunk
        self.end_state: dict[str, Any] = {}
        self.mid_file = chunk.start > 0
        self.fallback_session = os.path.splitext(os.path.basename(chunk.path))[0]
        self.rows = rows
        self.requests = rows.requests
        self.events = rows.events
        self.skips = Skips()

    # one event row, in the order of schemas.staging("events")
    def event(
        self,
        ln: Line,
        i: int,
        kind: str,
        key: str | None,
        *,
        message_id: str | None = None,
        tool_name: str | None = None,
        tool_use_id: str | None = None,
        is_error: bool | None = None,
        stop_reason: str | None = None,
        error_kind: str | None = None,
        error_status: int | None = None,
        detail: str | None = None,
        pre: int | None = None,
        post: int | None = None,
        trigger: str | None = None,
        preview: str | None = None,
    ) -> None:
        session = ln.sessionId or self.fallback_session
        if key is None:  # a line without a uuid: rare, and only in old formats
            key = f"{session}@{ln.timestamp.isoformat() if ln.timestamp else i}"
        self.events.append(
            (
                session,
                ln.agentId,
                bool(ln.isSidechain),
                f"{key}|{kind}",
                kind,
                ln.timestamp,
                ln.uuid,
                ln.parentUuid,
                ln.logicalParentUuid,
                self.key,
                message_id,
                tool_name,
                tool_use_id,
                is_error,
                None,  # exit_code: Claude Code logs command output, not exit codes
                stop_reason,
                error_kind,
                error_status,
                detail,
                pre,
                post,
                trigger,
                preview,
                ln.cwd,
                project_of(ln.cwd),
                ln.gitBranch,
                ln.version,
                self.chunk.chunk_id,
                i,
                self.carry,
                None,  # user_hint
            )
        )

    def parse(self) -> ChunkResult:
        rng = parse_lines(self.chunk, _line, self.skips, self.rows, self.line)
        return ChunkResult(
            chunk_id=self.chunk.chunk_id,
            lines=rng.lines,
            consumed_to=rng.consumed_to,
            end_state=self.end_state,
            skips=self.skips,
        )

    def line(self, ln: Line, i: int) -> None:
        self.locate(ln)
        t = ln.type
        if t == "assistant":
            self.assistant(ln, i)
        elif t == "user":
            self.user(ln, i)
        elif t == "system":
            if ln.subtype == "compact_boundary":
                self.compaction(ln, i)
        elif t == "attachment":
            if ln.attachment is not None and ln.attachment.type == "queued_command":
                self.queued(ln, i)
        elif t not in KNOWN_TYPES:
            self.skips.add("unknown_line_type", i, f"type {t!r}")
        if ln.uuid is not None:
            self.task_of[ln.uuid] = _CARRIED if self.carry else self.key
            if not ln.isSidechain:
                self.end_state = {} if self.carry else {"prompt_id": self.key}

    def locate(self, ln: Line) -> None:
        """The task of a line is its parent's (a compaction boundary's: the line before the
        compaction), found by following parentUuid, not file order; a human prompt or
        command then opens its own (``start_task``). A parent not in this chunk: in a piece
        that starts mid-file (a split file, an appended read) the key is the one carried
        into the chunk (``carry``: the task open at the end of the previous piece); at the
        start of a file the parent was never logged and the key is left to ``analyze``.
        A logged ``promptId`` fills a key the chain cannot give."""
        parent = ln.parentUuid or ln.logicalParentUuid
        if parent is None:
            key, carry = None, False
        elif parent in self.task_of:
            key = self.task_of[parent]
            carry = key is _CARRIED
            if carry:
                key = None
        else:
            key, carry = None, self.mid_file
        if key is None and ln.promptId is not None:
            key, carry = ln.promptId, False
        self.key, self.carry = key, carry

    def start_task(self, ln: Line) -> None:
        self.key, self.carry = ln.promptId or ln.uuid, False

    def usable(self, ln: Line, i: int) -> bool:
        if ln.timestamp is None:
            self.skips.add("missing_field", i, f"{ln.type} line without timestamp")
            return False
        return True

    # --- assistant ---

    def assistant(self, ln: Line, i: int) -> None:
        msg = ln.message
        if msg is None:
            self.skips.add("missing_field", i, "assistant line without message")
            return
        if not self.usable(ln, i):
            return
        if ln.isApiErrorMessage or msg.model == "<synthetic>":
            if ln.isApiErrorMessage or ln.error is not None:
                text = _content_text(msg.content)
                kind = error_kind(ln.error, ln.apiErrorStatus, text)
                self.event(
                    ln,
                    i,
                    "api_error",
                    ln.uuid or msg.id,
                    message_id=msg.id,
                    error_kind=kind,
                    error_status=ln.apiErrorStatus,
                )
            return
        u = msg.usage
        if msg.id is None or u is None:
            what = "message.id" if msg.id is None else "message.usage"
            self.skips.add("missing_field", i, f"assistant line without {what}")
            return
        inp = u.input_tokens or 0
        read = u.cache_read_input_tokens or 0
        write = u.cache_creation_input_tokens or 0
        w5m, w1h = cache_writes(write, u.cache_creation)
        out = u.output_tokens or 0
        web = u.server_tool_use.web_search_requests or 0 if u.server_tool_use else 0
        req_id = ln.requestId or None
        session = ln.sessionId or self.fallback_session
        self.requests.append(
            (
                None,  # provider: Claude Code does not say; inferred from the model
                project_of(ln.cwd),
                ln.cwd,
                ln.gitBranch,
                session,
                ln.agentId,
                bool(ln.isSidechain),
                self.key,
                f"{msg.id}:{req_id or ''}",
                msg.id,
                req_id,
                ln.timestamp,
                msg.model,
                u.service_tier,
                u.speed,
                inp,
                read,
                w5m,
                w1h,
                out,
                None,  # reasoning_tokens: not reported apart by Claude Code
                web,
                inp + read + w5m + w1h,
                ln.costUSD,
                "final" if msg.stop_reason is not None else "placeholder",
                ln.version,
                self.chunk.chunk_id,
                i,
                self.carry,
                None,  # user_hint: the run's --user
            )
        )
        if isinstance(msg.content, list):
            for n, b in enumerate(msg.content):
                if b.type == "tool_use":
                    self.event(
                        ln,
                        i,
                        "tool_call",
                        b.id or f"{ln.uuid or msg.id}#{n}",
                        message_id=msg.id,
                        tool_name=b.name,
                        tool_use_id=b.id,
                        detail=_delivery(b) if b.name in SHELL_TOOLS else None,
                    )
        if msg.stop_reason in TERMINAL_STOP_REASONS:
            self.event(ln, i, "turn_end", msg.id, message_id=msg.id, stop_reason=msg.stop_reason)

    # --- user ---

    def user(self, ln: Line, i: int) -> None:
        msg = ln.message
        if msg is None:
            self.skips.add("missing_field", i, "user line without message")
            return
        if not self.usable(ln, i):
            return
        content = msg.content
        texts: list[str] = []
        images = results = 0
        if isinstance(content, str):
            texts.append(content)
        elif content:
            for n, b in enumerate(content):
                if b.type == "tool_result":
                    self.tool_result(ln, i, n, b)
                    results += 1
                elif b.type == "text":
                    text = _raw_text(b.text)
                    if text:
                        texts.append(text)
                elif b.type in ("image", "document"):
                    images += 1
        if texts or images:
            self.user_text(ln, i, "\n".join(texts), images, steering=results > 0)

    def tool_result(self, ln: Line, i: int, n: int, b: Block) -> None:
        kind = "tool_result"
        if b.is_error and _raw_text(b.content).startswith(REJECTION_PREFIX):
            kind = "tool_rejection"
        self.event(
            ln,
            i,
            kind,
            b.tool_use_id or (ln.uuid and f"{ln.uuid}#{n}"),
            tool_use_id=b.tool_use_id,
            is_error=bool(b.is_error),
            detail=_spawned_agent(ln.toolUseResult),
        )

    def user_text(self, ln: Line, i: int, text: str, images: int, *, steering: bool = False) -> None:
        """Classify typed-looking user text; ``steering``: it came with tool results (a
        message delivered into the running loop), so it cannot open a task."""
        key = ln.uuid
        stripped = text.strip()
        if ln.isCompactSummary:
            self.event(ln, i, "meta_user", key, detail="compact_summary")
            return
        for marker in INTERRUPT_MARKERS:
            if stripped.startswith(marker):
                detail = "during_tool_use" if "tool use" in marker else "during_response"
                self.event(ln, i, "interrupt", key, detail=detail)
                return
        if ln.isMeta:
            self.event(ln, i, "meta_user", key, detail="is_meta")
            return
        head = stripped[:400]
        if "<command-name>" in head:
            m = COMMAND_NAME.search(stripped)
            name = m.group(1) if m else ""
            args = COMMAND_ARGS.search(stripped)
            preview = f"/{name} {args.group(1).strip() if args else ''}".strip()
            if not ln.isSidechain:
                self.start_task(ln)
            self.event(ln, i, "command", key, detail=name, preview=preview[:PREVIEW_CHARS])
            return
        if stripped.startswith("<bash-input>"):
            body = stripped[len("<bash-input>") :].split("</bash-input>")[0]
            if not ln.isSidechain:
                self.start_task(ln)
            self.event(ln, i, "command", key, detail="!bash", preview=f"!{body}"[:PREVIEW_CHARS])
            return
        for prefix, detail in INJECTED_PREFIXES:
            if stripped.startswith(prefix):
                self.event(ln, i, "meta_user", key, detail=detail)
                return
        if ln.origin is not None and ln.origin.kind not in (None, "human"):
            self.event(ln, i, "meta_user", key, detail=f"origin:{ln.origin.kind}")
            return
        kind = "agent_prompt" if ln.isSidechain else "queued_prompt" if steering else "human_prompt"
        if kind == "human_prompt":
            self.start_task(ln)
        preview = stripped[:PREVIEW_CHARS] if stripped else "[image]" * min(images, 1)
        self.event(ln, i, kind, key, preview=preview)

    # --- system / attachment ---

    def compaction(self, ln: Line, i: int) -> None:
        if not self.usable(ln, i):
            return
        meta = ln.compactMetadata or CompactMetadata()
        self.event(
            ln,
            i,
            "compaction",
            ln.uuid,
            pre=meta.preTokens,
            post=meta.postTokens,
            trigger=meta.trigger,
        )

    def queued(self, ln: Line, i: int) -> None:
        """A prompt queued while the agent worked; background task notifications are
        queued the same way (``commandMode: task-notification``) and are not typed."""
        if not self.usable(ln, i):
            return
        assert ln.attachment is not None
        text = _raw_text(ln.attachment.prompt).strip()
        mode = ln.attachment.commandMode
        injected = next((d for p, d in INJECTED_PREFIXES if text.startswith(p)), None)
        if injected or mode not in (None, "prompt"):
            detail = injected or ("task_notification" if mode == "task-notification" else f"queued:{mode}")
            self.event(ln, i, "meta_user", ln.uuid, detail=detail)
            return
        self.event(ln, i, "queued_prompt", ln.uuid, preview=text[:PREVIEW_CHARS])


# --- the source object ---


class ClaudeCode:
    name = NAME
    description = "Claude Code session transcripts (~/.claude/projects)"
    splittable = True
    suffixes = (".jsonl",)

    def default_roots(self) -> list[str]:
        roots = []
        for entry in os.environ.get("CLAUDE_CONFIG_DIR", "").split(","):
            if entry.strip():
                roots.append(os.path.join(os.path.expanduser(entry.strip()), "projects"))
        home = os.path.expanduser("~")
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        roots.append(os.path.join(xdg, "claude", "projects"))
        roots.append(os.path.join(home, ".claude", "projects"))
        return roots

    def ignores(self, path: str) -> bool:
        """Files Claude Code keeps next to its transcripts that hold no usage: subagent
        ``*.meta.json`` sidecars and ``sessions-index.json``."""
        name = os.path.basename(path)
        return name.endswith(".meta.json") or name == "sessions-index.json"

    def sniff(self, line: bytes) -> bool | None:
        """Is a file whose first usable line is ``line`` a Claude Code transcript? A line that
        does not decode is undecided (None): it is counted when the file is read."""
        if not line.strip():
            return None
        try:
            ln = _line.decode(line)  # typed: large fields are skipped, not built
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None
        if ln.type in ("user", "assistant"):  # generic names: require the envelope too
            return bool(ln.sessionId or ln.uuid)
        return ln.type in KNOWN_TYPES

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        return _ChunkParser(chunk, state, rows).parse()


SOURCE = ClaudeCode()
