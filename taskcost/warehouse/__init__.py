"""The embedded Parquet warehouse: layout, manifest, lock and atomic commit.

Layout of a warehouse folder::

    manifest.json                  the committed state; replaced atomically on commit
    data/requests/<gen>-<n>.parquet
    data/events/<gen>-<n>.parquet
    data/prices/<gen>.parquet
    data/catalog/<gen>.json        every file ingested: size, mtime, committed offset,
                                   line count, fingerprints, carried parser state
    data/overrides/<gen>.toml      copy of the active --prices file, if any
    .lock                          held by the one process allowed to write
    .staging-*/                    scratch space of a running ingest

Readers use only the files the manifest names, so a commit is: write new files (never
overwrite one), then replace ``manifest.json`` in one ``os.replace``. A crash or Ctrl-C at
any point before that leaves the previous manifest, and thus the warehouse, exactly as it
was; files no manifest names are removed by the next writer.

The tables hold deduplicated rows: merging staged rows with the warehouse (see
``sql/merge_requests.sql``) keeps one row per request and per event, so reports never
dedupe again and their cost does not grow with duplicate-heavy history.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files as _resources
from pathlib import Path
from typing import Any

from taskcost.errors import SchemaMismatch, TaskcostError

FORMAT = "taskcost-warehouse"
TABLE_NAMES = ("requests", "events")
SMALL_PART = 32 << 20  # parts under this size are merged when there are too many
MAX_SMALL_PARTS = 8


def default_root() -> Path:
    """``TASKCOST_HOME``, else the platform's per-user data directory."""
    env = os.environ.get("TASKCOST_HOME")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "taskcost"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "taskcost"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "taskcost"


@cache
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql`` (package data)."""
    return (_resources(__package__) / "sql" / f"{name}.sql").read_text()


def _failpoint(name: str) -> None:
    """Crash here when ``TASKCOST_FAILPOINT`` names this point (used by the atomicity tests)."""
    spec = os.environ.get("TASKCOST_FAILPOINT", "")
    if spec.split(":")[0] == name:
        if spec.endswith(":kill"):
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError(f"failpoint {name}")


class Warehouse:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().absolute()

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def manifest(self) -> dict[str, Any] | None:
        """The committed state, or None for an empty (or absent) warehouse."""
        try:
            text = self.manifest_path.read_text()
        except FileNotFoundError:
            return None
        m = json.loads(text)
        if m.get("format") != FORMAT:
            raise TaskcostError(f"{self.root} is not a taskcost warehouse")
        from taskcost.schemas import SCHEMA_VERSION

        if m.get("schema_version") != SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the warehouse at {self.root} has schema version {m.get('schema_version')}, this "
                f"taskcost reads version {SCHEMA_VERSION}: ingest again into a new warehouse"
            )
        return m

    def files(self, table: str, manifest: dict[str, Any] | None = None) -> list[str]:
        m = manifest if manifest is not None else self.manifest()
        if not m:
            return []
        return [str(self.root / p) for p in m["tables"].get(table, [])]

    def catalog(self, manifest: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        m = manifest if manifest is not None else self.manifest()
        if not m or not m.get("catalog"):
            return {}
        return json.loads((self.root / m["catalog"]).read_text())

    def overrides_copy(self, manifest: dict[str, Any] | None = None) -> Path | None:
        m = manifest if manifest is not None else self.manifest()
        rel = (m or {}).get("pricing", {}).get("overrides")
        return self.root / rel if rel else None

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """Exclusive write access: the lock, a staging folder, and commit()."""
        self.root.mkdir(parents=True, exist_ok=True)
        with _lock(self.root / ".lock"):
            manifest = self.manifest()
            _collect_garbage(self.root, manifest)
            staging = self.root / f".staging-{os.getpid()}-{secrets.token_hex(4)}"
            staging.mkdir()
            try:
                yield Writer(self, manifest, staging)
            finally:
                shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                raise TaskcostError(f"another taskcost is writing to {path.parent}") from None
        else:
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TaskcostError(f"another taskcost is writing to {path.parent}") from None
        yield
    finally:
        os.close(fd)


def _collect_garbage(root: Path, manifest: dict[str, Any] | None) -> None:
    """Remove data files and staging folders that no committed manifest names."""
    keep = set()
    if manifest:
        for paths in manifest["tables"].values():
            keep.update(paths)
        keep.add(manifest.get("catalog"))
        keep.add(manifest.get("pricing", {}).get("overrides"))
    data = root / "data"
    if data.is_dir():
        for dirpath, _, filenames in os.walk(data):
            for f in filenames:
                rel = os.path.relpath(os.path.join(dirpath, f), root)
                if rel not in keep:
                    os.unlink(os.path.join(dirpath, f))
    for entry in root.glob(".staging-*"):
        shutil.rmtree(entry, ignore_errors=True)


@dataclass
class CommitStats:
    staged_requests: int = 0  # assistant lines with usage that were read
    new_requests: int = 0  # requests the warehouse did not have
    updated_requests: int = 0  # existing requests replaced by a more complete copy
    staged_events: int = 0
    new_events: int = 0
    repriced: bool = False
    unpriced_keys: list[tuple[str | None, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def duplicates_removed(self) -> int:
        return self.staged_requests - self.new_requests


class Writer:
    """Merges staged rows into the warehouse and commits a new manifest."""

    def __init__(self, wh: Warehouse, manifest: dict[str, Any] | None, staging: Path) -> None:
        self.wh = wh
        self.manifest = manifest
        self.staging = staging
        self.generation = (manifest or {}).get("generation", 0) + 1

    @property
    def catalog(self) -> dict[str, dict[str, Any]]:
        return self.wh.catalog(self.manifest)

    def needs_commit(self, batch_empty: bool, pricing_fingerprint: str) -> bool:
        old = (self.manifest or {}).get("pricing", {}).get("fingerprint")
        return not batch_empty or (self.manifest is not None and old != pricing_fingerprint)

    def commit(self, batch: Any, overrides: Any) -> CommitStats:
        """Merge ``batch`` (an ``IngestBatch``) and commit; ``overrides`` is the price config."""
        import duckdb
        import pyarrow as pa

        from taskcost import pricing, schemas

        stats = CommitStats()
        clock = _Clock(stats.timings)
        root = self.wh.root
        m = self.manifest or {"tables": {}}
        tables: dict[str, list[str]] = {t: list(m["tables"].get(t, [])) for t in TABLE_NAMES}
        fingerprint = pricing.fingerprint(overrides)
        reprice_all = bool(self.manifest) and m.get("pricing", {}).get("fingerprint") != fingerprint
        stats.repriced = reprice_all
        seq = iter(range(1 << 30))

        def new_path(table: str) -> str:
            rel = f"data/{table}/{self.generation:06d}-{next(seq):04d}.parquet"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            return rel

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = false")
        con.register("chunks", pa.Table.from_pylist(batch.chunks, schema=_chunk_schema()))

        def parquet_view(name: str, files: list[str], table: str) -> None:
            """Register Parquet files (with a `filename` column) as view `name`."""
            if files:
                con.read_parquet(files, filename=True).create_view(name, replace=True)
            else:
                empty = schemas.TABLES[table].empty_table().append_column("filename", pa.array([], pa.string()))
                con.register(name, empty)

        def existing(table: str) -> None:
            parquet_view(f"existing_{table}", [str(root / p) for p in tables[table]], table)

        def without(table: str, part: str, key: str, keys: list[str]) -> str:
            """A view of one part minus the rows whose `key` is in `keys`."""
            parquet_view("part_rows", [part], table)
            con.register("removed_keys", pa.table({"k": pa.array(keys, pa.string())}))
            con.execute(
                "CREATE OR REPLACE TEMP VIEW part_kept AS SELECT * EXCLUDE (filename) FROM part_rows "
                f"WHERE {key} NOT IN (SELECT k FROM removed_keys)"
            )
            return "part_kept"

        def copy(query: str, params: dict[str, Any] | None, table: str) -> str:
            rel = new_path(table)
            cols = _select_list(schemas.TABLES[table])
            con.execute(
                f"COPY (SELECT {cols} FROM ({query}) ORDER BY ts) TO '{_quote(str(root / rel))}' "
                "(FORMAT parquet, COMPRESSION zstd)",
                params or {},
            )
            return rel

        # --- requests: merge, price what is new (or everything, if prices changed) ---
        existing("requests")
        prices_rel = m["tables"].get("prices", [])
        price_files = [str(root / p) for p in prices_rel]
        if batch.staged_requests:
            con.execute(sql("stage_requests"), {"files": batch.staged_requests})
        else:
            con.register("staged_requests", _empty_staged("requests"))
        clock("stage requests")
        con.execute(sql("merge_requests"))
        clock("merge requests")
        stats.staged_requests = con.execute("SELECT count(*) FROM staged_requests").fetchall()[0][0]
        removed = con.execute(
            "SELECT _part, list(request_key) FROM request_merge WHERE _part IS NOT NULL AND NOT _keep GROUP BY 1"
        ).fetchall()
        stats.new_requests = con.execute(
            "SELECT count(*) FROM request_merge WHERE _part IS NULL AND _keep"
        ).fetchall()[0][0] - sum(len(keys) for _, keys in removed)
        stats.updated_requests = sum(len(keys) for _, keys in removed)

        # price keys needed, and the price table to use
        con.execute(
            "CREATE OR REPLACE TEMP VIEW to_price AS "
            "SELECT * EXCLUDE (_part, _class, _keep) FROM request_merge WHERE _part IS NULL AND _keep"
        )
        keys = {tuple(r) for r in con.execute(sql("price_keys")).fetchall()}
        if price_files:
            con.execute("CREATE OR REPLACE TEMP TABLE old_prices AS SELECT * FROM read_parquet($f)", {"f": price_files})
        else:
            con.register("old_prices", schemas.TABLES["prices"].empty_table())
        old_keys = {
            tuple(r)
            for r in con.execute(
                "SELECT DISTINCT provider, model, price_date, speed, service_tier FROM old_prices"
            ).fetchall()
        }
        if reprice_all:
            wanted = sorted(keys | old_keys, key=_key_sort)
            rates = pricing.price_table([pricing.PriceKey(*k) for k in wanted], overrides)
        else:
            wanted = sorted(keys - old_keys, key=_key_sort)
            rates = con.sql("SELECT * FROM old_prices").to_arrow_table()
            if wanted:
                fresh = pricing.price_table([pricing.PriceKey(*k) for k in wanted], overrides)
                rates = pa.concat_tables([rates.cast(fresh.schema), fresh])
        con.register("price_rates", rates)
        clock("look up prices")
        stats.unpriced_keys = sorted(
            {(r["matched_model"] or r["model"], r["unpriced_reason"]) for r in rates.to_pylist() if r["unpriced_reason"]},
            key=str,
        )

        parts = tables["requests"]
        new_parts: list[str] = []
        for part, keys_removed in removed:
            parts.remove(os.path.relpath(part, root))
            kept = without("requests", part, "request_key", keys_removed)
            con.execute(f"CREATE OR REPLACE TEMP VIEW to_price AS SELECT * FROM {kept}")
            new_parts.append(copy(sql("price_requests") if reprice_all else "SELECT * FROM to_price", None, "requests"))
        con.execute(
            "CREATE OR REPLACE TEMP VIEW to_price AS "
            "SELECT * EXCLUDE (_part, _class, _keep) FROM request_merge WHERE _part IS NULL AND _keep"
        )
        if con.execute("SELECT count(*) FROM to_price").fetchall()[0][0]:
            new_parts.append(copy(sql("price_requests"), None, "requests"))
        if reprice_all:
            for rel in list(parts):
                parts.remove(rel)
                con.read_parquet([str(root / rel)]).create_view("to_price", replace=True)
                new_parts.append(copy(sql("price_requests"), None, "requests"))
        parts.extend(new_parts)
        tables["requests"] = self._compact(con, parts, "requests", copy)
        clock("write requests")

        # --- events ---
        existing("events")
        if batch.staged_events:
            con.execute(sql("stage_events"), {"files": batch.staged_events})
        else:
            con.register("staged_events", _empty_staged("events"))
        clock("stage events")
        con.execute(sql("merge_events"))
        clock("merge events")
        stats.staged_events = con.execute("SELECT count(*) FROM staged_events").fetchall()[0][0]
        removed_ev = con.execute(
            "SELECT _part, list(event_key) FROM event_merge WHERE _part IS NOT NULL AND NOT _keep GROUP BY 1"
        ).fetchall()
        stats.new_events = con.execute(
            "SELECT count(*) FROM event_merge WHERE _part IS NULL AND _keep"
        ).fetchall()[0][0] - sum(len(k) for _, k in removed_ev)
        parts = tables["events"]
        for part, keys_removed in removed_ev:
            parts.remove(os.path.relpath(part, root))
            parts.append(copy(f"SELECT * FROM {without('events', part, 'event_key', keys_removed)}", None, "events"))
        if con.execute("SELECT count(*) FROM event_merge WHERE _part IS NULL AND _keep").fetchall()[0][0]:
            parts.append(
                copy("SELECT * EXCLUDE (_part, _keep) FROM event_merge WHERE _part IS NULL AND _keep", None, "events")
            )
        tables["events"] = self._compact(con, parts, "events", copy)
        clock("write events")

        # --- prices, catalog, overrides copy ---
        prices_out = prices_rel
        if reprice_all or wanted or not prices_rel:
            rel = f"data/prices/{self.generation:06d}.parquet"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            import pyarrow.parquet as pq

            pq.write_table(rates.cast(schemas.TABLES["prices"]), root / rel)
            prices_out = [rel]
        catalog = self.catalog
        catalog.update(batch.catalog_updates)
        cat_rel = f"data/catalog/{self.generation:06d}.json"
        (root / cat_rel).parent.mkdir(parents=True, exist_ok=True)
        (root / cat_rel).write_text(json.dumps(catalog, sort_keys=True))
        ov_rel = None
        if overrides is not None:
            ov_rel = f"data/overrides/{self.generation:06d}.toml"
            (root / ov_rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(overrides.path, root / ov_rel)
        counts = {
            t: con.execute("SELECT count(*) FROM read_parquet($f)", {"f": [str(root / p) for p in tables[t]]}).fetchall()[0][0]
            if tables[t]
            else 0
            for t in TABLE_NAMES
        }
        con.close()
        clock("write prices and catalog")

        from taskcost.schemas import SCHEMA_VERSION

        manifest = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "generation": self.generation,
            "committed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "tables": {**tables, "prices": prices_out},
            "rows": counts,
            "catalog": cat_rel,
            "pricing": {
                "fingerprint": fingerprint,
                "overrides": ov_rel,
                "overrides_origin": overrides.path if overrides else None,
            },
        }
        _failpoint("before_manifest")
        tmp = root / f"manifest.json.{secrets.token_hex(4)}.tmp"
        with open(tmp, "w") as f:
            json.dump(manifest, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.wh.manifest_path)
        _fsync_dir(root)
        self.manifest = manifest
        _collect_garbage(root, manifest)
        clock("commit manifest")
        return stats

    def _compact(self, con: Any, parts: list[str], table: str, copy: Any) -> list[str]:
        """Merge small parts once there are too many, so reads stay one scan of few files."""
        root = self.wh.root
        small = [p for p in parts if (root / p).stat().st_size < SMALL_PART]
        if len(small) <= MAX_SMALL_PARTS:
            return parts
        con.read_parquet([str(root / p) for p in small]).create_view("small_parts", replace=True)
        merged = copy("SELECT * FROM small_parts", None, table)
        return [p for p in parts if p not in small] + [merged]


class _Clock:
    """Records the seconds spent since the previous call under a step name."""

    def __init__(self, into: dict[str, float]) -> None:
        import time

        self.into, self.now, self.last = into, time.perf_counter, time.perf_counter()

    def __call__(self, step: str) -> None:
        t = self.now()
        self.into[step] = self.into.get(step, 0.0) + t - self.last
        self.last = t


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quote(s: str) -> str:
    return s.replace("'", "''")


def _select_list(schema: Any) -> str:
    # identifiers from our own schema (a fixed allow-list), in canonical order
    return ", ".join('"' + n.replace('"', '""') + '"' for n in schema.names)


def _key_sort(k: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in k)


def _chunk_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("chunk_id", pa.int32()),
            ("source", pa.string()),
            ("user", pa.string()),
            ("machine", pa.string()),
            ("source_file", pa.string()),
            ("line_base", pa.int64()),
            ("prompt_id", pa.string()),
        ]
    )


def _empty_staged(table: str) -> Any:
    """An empty table shaped like staged rows after stage_*.sql (no cost columns yet)."""
    import pyarrow as pa

    from taskcost import schemas

    schema = schemas.TABLES[table]
    drop = set(schemas.COMPUTED[table]) - {"line_no"}
    fields = [f for f in schema if f.name not in drop]
    return pa.schema(fields).empty_table()
