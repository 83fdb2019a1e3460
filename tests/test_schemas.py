"""Canonical schemas: documented, enforced at the boundary, and what the warehouse holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE_LOGS, ingest, invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from taskcost import schemas
from taskcost.errors import SchemaMismatch
from taskcost.warehouse import Warehouse, default_root


@pytest.mark.parametrize("name", sorted(schemas.TABLES))
def test_every_column_is_documented_and_versioned(name: str) -> None:
    schema = schemas.TABLES[name]
    assert schema.metadata[b"schema_version"] == str(schemas.SCHEMA_VERSION).encode()
    for f in schema:
        assert (f.metadata or {}).get(b"doc"), f"{name}.{f.name} has no doc"


def test_the_light_schema_version_is_the_tables_one() -> None:
    from taskcost.schemas import _tables

    assert schemas.SCHEMA_VERSION == _tables.SCHEMA_VERSION


def test_requests_has_the_columns_the_issue_names() -> None:
    wanted = [
        "source",
        "user",
        "machine",
        "project",
        "cwd",
        "git_branch",
        "session_id",
        "agent_id",
        "is_sidechain",
        "prompt_id",
        "request_key",
        "message_id",
        "request_id",
        "ts",
        "model",
        "service_tier",
        "speed",
        "input_tokens",
        "cache_read_tokens",
        "cache_write_5m_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "reasoning_tokens",
        "web_search_requests",
        "context_tokens",
        "cost_usd",
        "cost_source",
        "usage_quality",
        "cli_version",
        "source_file",
        "line_no",
    ]
    assert set(wanted) <= set(schemas.TABLES["requests"].names)
    assert schemas.TABLES["requests"].field("ts").type == pa.timestamp("us", tz="UTC")


def test_warehouse_parquet_conforms_to_the_schemas() -> None:
    ingest(SAMPLE_LOGS)
    wh = Warehouse(default_root())
    for name in ("requests", "events", "prices"):
        for path in wh.files(name):
            table = pq.read_table(path)
            assert table.schema.names == schemas.TABLES[name].names, name
            conformed = schemas.conform(table, name)  # raises on a type or null mismatch
            assert conformed.num_rows == table.num_rows


def test_conform_rejects_extra_columns_and_nulls_in_required_ones() -> None:
    with pytest.raises(SchemaMismatch, match="unexpected columns"):
        schemas.conform(pa.table({"nonsense": [1]}), "prices")
    with pytest.raises(SchemaMismatch, match="missing required column"):
        schemas.conform(pa.table({"model": ["m"]}), "prices")


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "source": st.just("claude_code"),
                "user": st.text(min_size=1, max_size=8),
                "machine": st.text(min_size=1, max_size=8),
                "session_id": st.uuids().map(str),
                "is_sidechain": st.booleans(),
                "request_key": st.text(min_size=1, max_size=20),
                "ts": st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1)).map(
                    lambda d: d.replace(tzinfo=UTC)
                ),
                "input_tokens": st.integers(0, 2**40),
                "cache_read_tokens": st.integers(0, 2**40),
                "cache_write_5m_tokens": st.integers(0, 2**40),
                "cache_write_1h_tokens": st.integers(0, 2**40),
                "output_tokens": st.integers(0, 2**40),
                "web_search_requests": st.integers(0, 100),
                "context_tokens": st.integers(0, 2**42),
                "cost_usd": st.none() | st.floats(0, 1e6),
                "cost_source": st.sampled_from(["computed", "reported", "unpriced"]),
                "usage_quality": st.sampled_from(["final", "placeholder"]),
                "source_file": st.text(min_size=1, max_size=30),
                "line_no": st.integers(1, 10**9),
            }
        ),
        max_size=20,
    )
)
def test_conformed_rows_round_trip_through_parquet(rows: list[dict[str, object]], tmp_path_factory) -> None:
    empty = schemas.TABLES["requests"].empty_table()
    table = schemas.conform(pa.Table.from_pylist(rows), "requests") if rows else empty
    path = tmp_path_factory.mktemp("rt") / "r.parquet"
    pq.write_table(table, path)
    back = schemas.conform(pq.read_table(path), "requests")
    assert back.to_pylist() == table.to_pylist()


def test_a_warehouse_of_another_schema_version_is_refused() -> None:
    ingest(SAMPLE_LOGS)
    manifest = default_root() / "manifest.json"
    m = json.loads(manifest.read_text())
    m["schema_version"] = 99
    manifest.write_text(json.dumps(m))
    result = invoke("daily")
    assert result.exit_code == 1
    assert "schema version 99" in result.stderr and "ingest again" in result.stderr
