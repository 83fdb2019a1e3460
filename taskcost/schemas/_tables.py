"""The canonical tables as pyarrow schemas, and helpers over them (see the package doc)."""

from __future__ import annotations

import pyarrow as pa

from taskcost.schemas import SCHEMA_VERSION
from taskcost.schemas.events import EVENT_KINDS, EVENTS
from taskcost.schemas.org import MEMBER_DAILY, ORG_COST, ORG_USAGE
from taskcost.schemas.prices import PRICES
from taskcost.schemas.requests import REQUESTS

TABLES: dict[str, pa.Schema] = {
    name: schema.with_metadata({"schema_version": str(SCHEMA_VERSION)})
    for name, schema in (
        ("requests", REQUESTS),
        ("events", EVENTS),
        ("prices", PRICES),
        ("org_usage", ORG_USAGE),
        ("org_cost", ORG_COST),
        ("member_daily", MEMBER_DAILY),
    )
}
#: Tables of time buckets from vendor exports: one row kept per ``slot_key``.
SLOT_TABLES = ("org_usage", "org_cost", "member_daily")


def describe(name: str) -> list[tuple[str, str, bool, str]]:
    """(column, type, nullable, doc) for each column of table ``name``."""
    return [
        (f.name, str(f.type), f.nullable, (f.metadata or {}).get(b"doc", b"").decode()) for f in TABLES[name]
    ]


def markdown(name: str) -> str:
    """The schema of table ``name`` as a Markdown table (used by the docs)."""
    lines = ["| column | type | null | meaning |", "|---|---|---|---|"]
    for col, type_, nullable, doc in describe(name):
        lines.append(f"| `{col}` | {type_} | {'yes' if nullable else 'no'} | {doc} |")
    return "\n".join(lines)


#: Columns the ingest runner knows per chunk (file) rather than per row; they are added
#: when staged rows are merged into the warehouse.
PER_CHUNK = ("source", "user", "machine", "source_file")
#: Columns computed by the warehouse at merge time.
COMPUTED = {"requests": ("line_no", "cost_usd", "cost_source"), "events": ("line_no",)}


def staging(name: str) -> pa.Schema:
    """Schema of rows staged by ingest workers for table ``name``.

    The canonical columns minus the per-chunk and computed ones, plus ``chunk_id`` and
    ``line_in_chunk``, ``prompt_carry`` (the row's prompt id is the one carried into its
    chunk from the lines before it), and ``user_hint``: who ran it, when
    the line itself says (a team's API log), overriding the chunk's ``--user``. The
    bucket tables (``SLOT_TABLES``) stage their canonical columns but ``source`` and
    ``source_file``, plus ``chunk_id``.
    """
    drop = set(PER_CHUNK) | set(COMPUTED.get(name, ()))
    fields = [f for f in TABLES[name] if f.name not in drop]
    fields += [pa.field("chunk_id", pa.int32(), nullable=False)]
    if name in SLOT_TABLES:  # whole documents: no line numbers, no per-line user
        return pa.schema(fields)
    fields += [pa.field("line_in_chunk", pa.int64(), nullable=False)]
    fields += [pa.field("prompt_carry", pa.bool_(), nullable=False)]
    fields += [pa.field("user_hint", pa.string(), nullable=True)]
    return pa.schema(fields)


__all__ = ["COMPUTED", "EVENT_KINDS", "PER_CHUNK", "SLOT_TABLES", "TABLES", "describe", "markdown", "staging"]
