"""What the sources of Anthropic calls share (Claude Code transcripts, API logs,
OpenTelemetry, LiteLLM): the ``usage`` parts and how cache writes split by time to
live, and the kind of a failed call."""

from __future__ import annotations

import re
from typing import Any

from msgspec import Struct


class CacheCreation(Struct, gc=False):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class ServerToolUse(Struct, gc=False):
    web_search_requests: int | None = None


def cache_writes(total: int, split: CacheCreation | None) -> tuple[int, int]:
    """(5-minute, 1-hour) cache writes of a response that wrote ``total`` tokens
    (``cache_creation_input_tokens``). The 1-hour part comes from the ``cache_creation``
    split; without a split, every write counts as a 5-minute write (the cheaper rate;
    versions without the split only wrote 5-minute entries)."""
    if split is None or (split.ephemeral_1h_input_tokens is None and split.ephemeral_5m_input_tokens is None):
        return total, 0
    if not total:
        return split.ephemeral_5m_input_tokens or 0, split.ephemeral_1h_input_tokens or 0
    w1h = min(split.ephemeral_1h_input_tokens or 0, total)
    return total - w1h, w1h


def error_kind(error: Any, status: int | None, text: str) -> str:
    """The ``error_kind`` of a failed Anthropic call, from its error type (Claude Code's
    ``error`` field), HTTP status and message text (see the events schema)."""
    if isinstance(error, str) and error:
        e = error.lower()
        for kind in ("rate_limit", "authentication", "overloaded", "server_error", "invalid_request"):
            if kind in e:
                return "authentication_failed" if kind == "authentication" else kind
    t = text.lower()
    if status == 429 or "rate limit" in t or "rate_limit" in t or "usage limit" in t:
        return "rate_limit"
    if status in (401, 403) or "not logged in" in t or "/login" in t or "authentication" in t:
        return "authentication_failed"
    if status == 529 or "overloaded" in t:
        return "overloaded"
    if "prompt is too long" in t or "context window" in t or "context length" in t:
        return "context_overflow"
    if (status is not None and status >= 500) or re.search(r"api error: 5\d\d", t):
        return "server_error"
    if status == 400 or "invalid_request" in t:
        return "invalid_request"
    if isinstance(error, str) and error:
        return error
    return "unknown"
