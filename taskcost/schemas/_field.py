from __future__ import annotations

import pyarrow as pa


def field(name: str, type_: pa.DataType, nullable: bool, doc: str) -> pa.Field:
    """A schema field carrying its documentation in the field metadata."""
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})
