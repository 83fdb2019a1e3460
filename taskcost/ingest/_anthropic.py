"""Anthropic ``usage`` parts shared by the sources that log them (Claude Code
transcripts, API logs): their shapes, and how cache writes split by time to live."""

from __future__ import annotations

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
