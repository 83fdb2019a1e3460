"""Canonical tables: column names, types, nullability and meaning, in one place.

pyarrow schemas are the single source of truth; every field carries a ``doc`` in its
metadata and every schema carries ``schema_version``. Ingest stages its rows in these
shapes (``staging``), the warehouse writes its Parquet in exactly these columns and types
(a test reads every file back against them), and it refuses a warehouse whose manifest
has another schema version.

The schemas themselves (``TABLES`` and the helpers) load pyarrow, so they are imported on
first use: commands that only read the manifest stay fast.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 3

_LAZY = ("COMPUTED", "EVENT_KINDS", "PER_CHUNK", "SLOT_TABLES", "TABLES", "describe", "markdown", "staging")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from taskcost.schemas import _tables

        return getattr(_tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SCHEMA_VERSION", *_LAZY]
