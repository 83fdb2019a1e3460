"""``events``: one row per conversation event needed to rebuild tasks.

Grain: one event of one session. A transcript line yields zero or more events (a user
line with three tool results yields three). Events keep no text except
``prompt_preview`` (the first 200 characters of a human, queued or agent prompt, or of
a slash command): logs hold prompts and code, the warehouse holds counts.

``kind`` is one of:

| kind | meaning |
|---|---|
| `human_prompt` | a prompt typed by a person (main conversation) |
| `command` | a slash command the user ran (`detail` = command name) |
| `queued_prompt` | a prompt typed while the agent was working (Claude Code: a queued command, or typed text delivered with tool results); it steers the running task |
| `agent_prompt` | the dispatch prompt that starts a subagent (sidechain) conversation |
| `meta_user` | injected user content, not typed: `detail` = `is_meta`, `local_command_output`, `task_notification` (also when queued), `compact_summary`, `hook`, `system_reminder`, `origin:<kind>` or `queued:<mode>` |
| `tool_call` | the model called a tool (`tool_name`, `tool_use_id`, `message_id`; shell tools: `detail` = what the command delivers, `git_commit`, `git_push`, `pr_create` or `test`, see `taskcost.ingest._delivery`) |
| `tool_result` | a tool returned (`tool_use_id`, `is_error`; `detail` = `agent:<id>` when a Task/Agent call names the subagent it ran) |
| `tool_rejection` | the user refused a tool call (`tool_use_id`) |
| `interrupt` | the user interrupted: Claude Code `detail` = `during_tool_use` or `during_response`; Codex `turn_aborted` with `detail` = its reason (`interrupted`, `replaced`, `review_ended`) |
| `compaction` | the context was compacted (`pre/post_compaction_tokens`, `compaction_trigger`) |
| `api_error` | a call failed (`error_kind`, `error_status`); no cost |
| `turn_start` | the agent started working on a prompt (Codex `task_started`; `prompt_id` = its turn id) |
| `turn_end` | the model ended its turn (`stop_reason` = `end_turn`, `max_tokens`, `stop_sequence`, `refusal`, `pause_turn`; Codex `task_complete`: `task_complete`) |
| `command_end` | a shell command the agent ran finished (`exit_code`, `is_error` = exit code not 0, `detail` as for `tool_call`; Codex `exec_command_end`) |
| `patch_applied` | the agent applied a patch to files (`is_error` = it failed; Codex `patch_apply_end`) |
"""

from __future__ import annotations

import pyarrow as pa

from taskcost.schemas._field import field
from taskcost.schemas.requests import TS

EVENT_KINDS = (
    "human_prompt",
    "command",
    "queued_prompt",
    "agent_prompt",
    "meta_user",
    "tool_call",
    "tool_result",
    "tool_rejection",
    "interrupt",
    "compaction",
    "api_error",
    "turn_start",
    "turn_end",
    "command_end",
    "patch_applied",
)

EVENTS = pa.schema(
    [
        field("source", pa.string(), False, "registry name of the log source"),
        field("user", pa.string(), False, "who ran the agent (see requests.user)"),
        field("machine", pa.string(), False, "where it ran (see requests.machine)"),
        field("session_id", pa.string(), False, "session of the event (subagents: the parent's)"),
        field("agent_id", pa.string(), True, "subagent id; null on the main conversation"),
        field("is_sidechain", pa.bool_(), False, "true for subagent / side-conversation events"),
        field(
            "event_key",
            pa.string(),
            False,
            "dedupe key, stable across re-ingests and files: the line uuid (or the tool-use "
            "or message id) and the kind; a replayed line keeps its key",
        ),
        field("kind", pa.string(), False, "what happened; see the table above"),
        field("ts", TS, False, "time of the line, UTC"),
        field("uuid", pa.string(), True, "id of the transcript line"),
        field("parent_uuid", pa.string(), True, "previous line in the conversation DAG"),
        field(
            "logical_parent_uuid",
            pa.string(),
            True,
            "for compactions: the last line before the compaction",
        ),
        field(
            "prompt_id",
            pa.string(),
            True,
            "task the event belongs to (see requests.prompt_id): Claude Code task key, Codex "
            "turn id, OpenTelemetry `prompt.id`",
        ),
        field("message_id", pa.string(), True, "for model-side events: the response id"),
        field("tool_name", pa.string(), True, "for tool_call: the tool (`Bash`, `Edit`, `Task`, …)"),
        field("tool_use_id", pa.string(), True, "for tool events: the tool-use id"),
        field(
            "is_error",
            pa.bool_(),
            True,
            "for tool_result, command_end, patch_applied: it failed; null when the log does not say",
        ),
        field("exit_code", pa.int64(), True, "for command_end: the command's exit code"),
        field("stop_reason", pa.string(), True, "for turn_end: the model's stop reason"),
        field(
            "error_kind",
            pa.string(),
            True,
            "for api_error: `rate_limit`, `authentication_failed`, `server_error`, "
            "`overloaded`, `context_overflow`, `invalid_request` or `unknown`",
        ),
        field("error_status", pa.int64(), True, "for api_error: HTTP status, when logged"),
        field("detail", pa.string(), True, "sub-kind; see the table above"),
        field("pre_compaction_tokens", pa.int64(), True, "for compaction: context size before"),
        field("post_compaction_tokens", pa.int64(), True, "for compaction: context size after"),
        field("compaction_trigger", pa.string(), True, "for compaction: `auto` or `manual`"),
        field(
            "prompt_preview",
            pa.string(),
            True,
            "first 200 characters of a human, queued or agent prompt or a command; the only "
            "text taskcost keeps",
        ),
        field("cwd", pa.string(), True, "working directory, as logged"),
        field("project", pa.string(), True, "last component of cwd"),
        field("git_branch", pa.string(), True, "git branch, as logged"),
        field("cli_version", pa.string(), True, "version of the agent CLI"),
        field("source_file", pa.string(), False, "absolute path of the file"),
        field("line_no", pa.int64(), False, "1-based line number in source_file"),
    ]
)
