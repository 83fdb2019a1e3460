"""Small builders of Claude Code transcript lines for tests that need to vary them."""

from __future__ import annotations

import itertools
from typing import Any

_n = itertools.count(1)
SESSION = "5b0f5c1e-1d2a-4d7e-9a53-0c6f2f3e9b11"
CWD = "/home/tester/src/shop_api"


def _uuid() -> str:
    return f"00000000-0000-4000-8000-{next(_n):012d}"


def envelope(kind: str, ts: str, **extra: Any) -> dict[str, Any]:
    return {
        "parentUuid": extra.pop("parentUuid", None),
        "isSidechain": extra.pop("isSidechain", False),
        "userType": "external",
        "cwd": extra.pop("cwd", CWD),
        "sessionId": extra.pop("sessionId", SESSION),
        "version": extra.pop("version", "2.1.170"),
        "gitBranch": extra.pop("gitBranch", "main"),
        "type": kind,
        "uuid": extra.pop("uuid", None) or _uuid(),
        "timestamp": ts,
        **extra,
    }


def assistant(
    msg: str,
    ts: str,
    *,
    req: str | None = "req_default",
    model: str = "claude-sonnet-4-6",
    inp: int = 3,
    read: int = 1000,
    w5: int = 0,
    w1: int = 100,
    out: int = 50,
    stop: str | None = "end_turn",
    block: dict[str, Any] | None = None,
    split: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": inp,
        "cache_creation_input_tokens": w5 + w1,
        "cache_read_input_tokens": read,
        "output_tokens": out,
        "service_tier": "standard",
    }
    if split:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
    line = envelope(
        "assistant",
        ts,
        message={
            "id": msg,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [block or {"type": "text", "text": "done"}],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        },
        **extra,
    )
    if req is not None:
        line["requestId"] = req
    return line


def user(text: str | list[dict[str, Any]], ts: str, **extra: Any) -> dict[str, Any]:
    return envelope("user", ts, message={"role": "user", "content": text}, **extra)


def tool_result(
    tool_use_id: str, ts: str, *, is_error: bool = False, content: str = "ok", **extra: Any
) -> dict[str, Any]:
    block = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content, "is_error": is_error}
    return user([block], ts, **extra)


def chain(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``lines`` linked as Claude Code writes them: each line's parent is the line before."""
    for prev, line in zip(lines, lines[1:], strict=False):
        line["parentUuid"] = prev["uuid"]
    return lines
