"""Canonical schemas: documented, and exactly what the warehouse holds."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE_LOGS, ingest, invoke

from taskcost import schemas
from taskcost.warehouse import Warehouse, default_root


@pytest.mark.parametrize("name", sorted(schemas.TABLES))
def test_every_column_is_documented_and_versioned(name: str) -> None:
    schema = schemas.TABLES[name]
    assert schema.metadata[b"schema_version"] == str(schemas.SCHEMA_VERSION).encode()
    for f in schema:
        assert (f.metadata or {}).get(b"doc"), f"{name}.{f.name} has no doc"


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


@pytest.mark.parametrize("name", ["requests", "events", "prices"])
def test_warehouse_files_have_exactly_the_documented_columns(name: str) -> None:
    """What `taskcost schema` and the README promise is what a Parquet reader finds:
    the same columns in the same order, the same types, and no null where none is allowed."""
    ingest(SAMPLE_LOGS)
    expected = schemas.TABLES[name]
    files = Warehouse(default_root()).files(name)
    assert files
    for path in files:
        table = pq.read_table(path)
        assert table.schema.names == expected.names
        for f in expected:
            assert table.schema.field(f.name).type == f.type, (name, f.name)
            if not f.nullable:
                assert table.column(f.name).null_count == 0, (name, f.name)


def test_token_columns_add_up_to_the_context() -> None:
    ingest(SAMPLE_LOGS)
    table = pa.concat_tables(pq.read_table(p) for p in Warehouse(default_root()).files("requests"))
    parts = pc.add(
        pc.add(table["input_tokens"], table["cache_read_tokens"]),
        pc.add(table["cache_write_5m_tokens"], table["cache_write_1h_tokens"]),
    )
    assert pc.all(pc.equal(parts, table["context_tokens"])).as_py()


def test_a_warehouse_of_another_schema_version_is_refused() -> None:
    ingest(SAMPLE_LOGS)
    manifest = default_root() / "manifest.json"
    m = json.loads(manifest.read_text())
    m["schema_version"] = 99
    manifest.write_text(json.dumps(m))
    result = invoke("daily")
    assert result.exit_code == 1
    assert "schema version 99" in result.stderr and "ingest again" in result.stderr


def test_a_warehouse_of_schema_version_1_is_upgraded_by_the_next_ingest() -> None:
    """Version 2 only added ``events.exit_code``: the history is kept, not re-ingested."""
    ingest(SAMPLE_LOGS)
    before = invoke("daily", "--format", "json").stdout
    root = default_root()
    m = json.loads((root / "manifest.json").read_text())
    for rel in m["tables"]["events"]:  # make it a version-1 warehouse: no exit_code column
        table = pq.read_table(root / rel)
        pq.write_table(table.drop_columns(["exit_code"]), root / rel)
    m["schema_version"] = 1
    (root / "manifest.json").write_text(json.dumps(m))

    refused = invoke("daily")
    assert refused.exit_code == 1 and "run `taskcost ingest` once to upgrade it" in refused.stderr
    ingest(SAMPLE_LOGS)
    assert json.loads((root / "manifest.json").read_text())["schema_version"] == schemas.SCHEMA_VERSION
    assert invoke("daily", "--format", "json").stdout == before
    for rel in json.loads((root / "manifest.json").read_text())["tables"]["events"]:
        assert pq.read_schema(root / rel).names == schemas.TABLES["events"].names
