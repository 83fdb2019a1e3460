"""The embedded Parquet warehouse: layout, manifest, lock and atomic commit.

Layout of a warehouse folder::

    manifest.json                  the committed state; replaced atomically on commit
    manifest.prev.json             the generation before it, kept for recovery
    manifest.corrupt.json          a corrupt manifest.json, set aside when it was restored
    data/requests/<gen>-<run>-<n>.parquet
    data/events/<gen>-<run>-<n>.parquet
    data/prices/<gen>-<run>.parquet
    data/org_usage/…, data/org_cost/…, data/member_daily/…   vendor exports (time buckets)
    data/catalog/<gen>-<run>.json    every file ingested: size, mtime, committed offset,
                                     line count, fingerprints, carried parser state
    data/overrides/<gen>-<run>.toml  copy of the active --prices file, if any
    .lock                          held by the one process allowed to write
    .staging-*/                    scratch space of a running ingest

Readers use only the files the manifest names, so a commit is: write new files (never
overwrite one), then replace ``manifest.json`` in one ``os.replace``. A crash or Ctrl-C at
any point before that leaves the previous manifest, and thus the warehouse, exactly as it
was. Readers take no lock.

Durability: before the rename every new file the manifest names, and the folders holding
them, are fsynced; the new manifest is fsynced before its rename and the warehouse folder
after it. A power cut thus leaves either generation whole, never a manifest naming
missing or half-written files. (On a handful of files this costs a few milliseconds.)

Garbage collection: the manifest's ``retired`` map records, for each file a commit
stopped naming, when it did (unix time). A later writer deletes a retired file once it
has been retired for ``GARBAGE_AGE``, so a report that opened an older generation just
before a commit keeps its files whatever their age. Files named by ``manifest.json`` or
``manifest.prev.json`` are never deleted. A data file nobody names (a crashed or failed
run's, or one retired by a taskcost older than the ``retired`` map) is deleted once its
mtime is ``GARBAGE_AGE`` old, not at once: a writer that the advisory lock does not
exclude (a network file system) may be writing it, and an older taskcost's readers may
still read it. A failed run removes the files it wrote itself at once.

Recovery: each commit first keeps the manifest it replaces as ``manifest.prev.json`` (a
hard link, else an fsynced copy, renamed into place). A reader meeting a corrupt
``manifest.json`` raises ``CorruptManifest``; the next writer sets the corrupt file aside
as ``manifest.corrupt.json``, restores ``manifest.prev.json`` and says so in
``Writer.restored_from``. A write that fails (disk full, read-only or unwritable folder)
raises ``WarehouseWriteError`` and leaves the previous manifest in force.

The tables hold deduplicated rows: merging staged rows with the warehouse (see
``sql/merge_requests.sql``) keeps one row per request and per event, so reports never
dedupe again and their cost does not grow with duplicate-heavy history.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files as _resources
from pathlib import Path
from typing import Any

from taskcost.errors import (
    CorruptManifest,
    SchemaMismatch,
    TaskcostError,
    WarehouseWriteError,
    is_interrupt,
)

FORMAT = "taskcost-warehouse"
TABLE_NAMES = ("requests", "events", "org_usage", "org_cost", "member_daily")
#: older schema versions the writer upgrades in place: versions that only added nullable
#: columns or tables (2 added ``events.exit_code``, 3 the vendor-export tables)
UPGRADABLE = (1, 2)
SMALL_PART = 32 << 20  # parts under this size are merged when there are too many
MERGE_MEMORY = "1GB"  # DuckDB's memory limit while merging; it spills to disk beyond
GARBAGE_AGE = 600  # seconds a retired (or orphan) data file is kept for readers of an older manifest
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
    """Crash here when ``TASKCOST_FAILPOINT`` names this point (used by the atomicity tests):
    ``<name>`` raises RuntimeError, ``<name>:kill`` kills the process, ``<name>:enospc``
    raises the OSError of a full disk."""
    spec = os.environ.get("TASKCOST_FAILPOINT", "")
    if spec.split(":")[0] == name:
        if spec.endswith(":kill"):
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        if spec.endswith(":enospc"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        raise RuntimeError(f"failpoint {name}")


def warm_up() -> None:
    """Import what a commit needs (DuckDB, Arrow, the price list), ahead of time."""
    import duckdb  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from taskcost import pricing

    pricing.load_price_list()


class Warehouse:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().absolute()

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def prev_manifest_path(self) -> Path:
        return self.root / "manifest.prev.json"

    def manifest(self, *, upgradable: bool = False) -> dict[str, Any] | None:
        """The committed state, or None for an empty (or absent) warehouse. A warehouse of
        an older schema version is refused unless ``upgradable`` (the writer upgrades it).
        A corrupt ``manifest.json`` raises ``CorruptManifest``."""
        try:
            m = _load_manifest(self.manifest_path)
        except _Unusable as e:
            if self.prev_manifest_path.exists():
                hint = "the next `taskcost ingest` restores the previous generation (manifest.prev.json)"
            else:
                hint = f"there is no manifest.prev.json to restore: move {self.root} aside and ingest again"
            raise CorruptManifest(f"{self.manifest_path} is corrupt ({e}); {hint}") from None
        return self._check(m, upgradable)

    def _check(self, m: dict[str, Any] | None, upgradable: bool) -> dict[str, Any] | None:
        if m is None:
            return None
        if m.get("format") != FORMAT:
            raise TaskcostError(f"{self.root} is not a taskcost warehouse")
        from taskcost.schemas import SCHEMA_VERSION

        version = m.get("schema_version")
        if version != SCHEMA_VERSION and not (upgradable and version in UPGRADABLE):
            hint = (
                "run `taskcost ingest` once to upgrade it"
                if version in UPGRADABLE
                else "ingest again into a new warehouse"
            )
            raise SchemaMismatch(
                f"the warehouse at {self.root} has schema version {version}, this "
                f"taskcost reads version {SCHEMA_VERSION}: {hint}"
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

    def price_overrides(self, explicit: str | None, manifest: dict[str, Any] | None = None) -> Any:
        """The price overrides in force: the ``--prices`` file if one is given, else the copy
        the warehouse kept of the last one (None when there is neither). The copy, not the
        original, is read: the original may have been edited or deleted since."""
        from taskcost import pricing

        if explicit:
            return pricing.load_overrides(explicit)
        m = manifest if manifest is not None else self.manifest()
        pricing_state = (m or {}).get("pricing", {})
        rel = pricing_state.get("overrides")
        if not rel:
            return None
        return pricing.load_overrides(self.root / rel, label=pricing_state.get("overrides_origin"))

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """Exclusive write access: the lock, a staging folder, and commit().

        A corrupt ``manifest.json`` is first replaced by ``manifest.prev.json`` (see
        ``Writer.restored_from``). A warehouse that cannot be written (disk full,
        read-only, no permission), here, in the body or in commit(), raises
        ``WarehouseWriteError`` after this run's own files are removed; the previous
        manifest stays in force."""
        in_body = False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with _lock(self.root / ".lock"):
                manifest, restored = self._manifest_for_writing()
                retired = _collect_garbage(self.root, manifest)
                staging = self.root / f".staging-{os.getpid()}-{secrets.token_hex(4)}"
                staging.mkdir()
                writer = None
                try:
                    writer = Writer(self, manifest, staging, retired=retired, restored_from=restored)
                    writer.upgrade()
                    in_body = True
                    yield writer
                    in_body = False
                finally:
                    if writer is not None:
                        writer._discard_unnamed()
                    shutil.rmtree(staging, ignore_errors=True)
        except TaskcostError:
            raise
        except Exception as e:
            message = _write_error(e, self.root, ours=not in_body)
            if message is None:
                raise
            raise WarehouseWriteError(message) from e

    def _manifest_for_writing(self) -> tuple[dict[str, Any] | None, Path | None]:
        """The manifest to build on, and the file it was restored from (None if
        ``manifest.json`` was sound). Called under the lock."""
        try:
            return self.manifest(upgradable=True), None
        except CorruptManifest as e:
            corrupt = e
        prev = self.prev_manifest_path
        try:
            m = self._check(_load_manifest(prev), upgradable=True)
        except _Unusable as e:
            raise CorruptManifest(f"{corrupt}, but {prev} is corrupt too ({e})") from None
        if m is None:
            raise corrupt
        with suppress(OSError):  # kept for a post-mortem; best effort (it may be unreadable)
            shutil.copyfile(self.manifest_path, self.root / "manifest.corrupt.json")
        _write_atomically(self.manifest_path, prev.read_bytes())
        return m, prev


class _Unusable(Exception):
    """A manifest file that cannot be read as a manifest; the message says why."""


def _load_manifest(path: Path) -> dict[str, Any] | None:
    """The parsed manifest file; None if it does not exist; ``_Unusable`` if it is corrupt.
    A manifest we may not read is a plain error: restoring would not help."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except PermissionError as e:
        raise TaskcostError(f"cannot read {path}: {e.strerror}") from None
    except OSError as e:
        raise _Unusable(f"unreadable: {e.strerror}") from None
    try:
        m = json.loads(data)
    except UnicodeDecodeError:
        raise _Unusable("not UTF-8 text") from None
    except ValueError:
        raise _Unusable("truncated or not JSON" if data.strip() else "empty") from None
    if not isinstance(m, dict):
        raise _Unusable("not a JSON object")
    if m.get("format") == FORMAT and not (
        isinstance(m.get("tables"), dict) and all(isinstance(v, list) for v in m["tables"].values())
    ):
        raise _Unusable("no table list")
    return m


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``: written beside it, fsynced, renamed,
    and the folder fsynced. A failure leaves ``path`` as it was."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(path.parent)


def _keep_previous(manifest: Path, prev: Path) -> None:
    """Make ``prev`` the current ``manifest``, atomically: a hard link renamed over it (the
    manifest was fsynced when it was committed), else a copy, fsynced, renamed."""
    if not manifest.exists():
        return
    tmp = prev.with_name(f"{prev.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.link(manifest, tmp)
    except OSError as e:
        if e.errno in _WRITE_ERRNOS:
            raise
        _write_atomically(prev, manifest.read_bytes())  # a file system without hard links
        return
    try:
        os.replace(tmp, prev)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: str | Path) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


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


def _named(manifest: dict[str, Any] | None) -> set[str]:
    """The files (relative paths) a manifest names: table parts, catalog, overrides copy."""
    if not manifest:
        return set()
    names = {p for paths in manifest.get("tables", {}).values() for p in paths}
    names.add(manifest.get("catalog"))
    names.add((manifest.get("pricing") or {}).get("overrides"))
    names.discard(None)
    return names


def _collect_garbage(root: Path, manifest: dict[str, Any] | None) -> dict[str, float]:
    """Remove scratch folders and manifest temp files of earlier writers, retired files
    once they have been retired for GARBAGE_AGE, and orphan data files (named by no
    manifest) once their mtime is GARBAGE_AGE old; never a file ``manifest.json`` or
    ``manifest.prev.json`` names. Returns the retired map without the files removed.
    Best effort: a file that cannot be removed is tried again by the next writer."""
    current = _named(manifest)
    try:
        prev = _named(_load_manifest(root / "manifest.prev.json"))
    except (_Unusable, TaskcostError):
        prev = set()  # a corrupt previous generation cannot be restored: nothing to keep
    retired_in = dict((manifest or {}).get("retired") or {})
    now = time.time()
    cutoff = now - GARBAGE_AGE
    retired: dict[str, float] = {}
    for rel, when in retired_in.items():
        if rel in current or not _is_data_path(rel):
            continue
        if rel in prev or when >= cutoff or not _unlink_quietly(root / rel):
            retired[rel] = when
    keep = current | prev | set(retired_in)
    data = root / "data"
    if data.is_dir():
        for dirpath, _, filenames in os.walk(data):
            for f in filenames:
                path = os.path.join(dirpath, f)
                if Path(path).relative_to(root).as_posix() in keep:
                    continue
                try:
                    old = os.path.getmtime(path) < cutoff
                except OSError:
                    continue
                if old:
                    _unlink_quietly(path)
    for entry in root.glob(".staging-*"):
        shutil.rmtree(entry, ignore_errors=True)
    for entry in [*root.glob("manifest.json.*.tmp"), *root.glob("manifest.prev.json.*.tmp")]:
        _unlink_quietly(entry)
    return retired


def _is_data_path(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) >= 3 and parts[0] == "data" and ".." not in parts and "" not in parts


_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EFBIG} | (
    {errno.EDQUOT} if hasattr(errno, "EDQUOT") else set()
)
_ACCESS_ERRNOS = {errno.EACCES, errno.EPERM, errno.EIO}


def _write_error(e: BaseException, root: Path, *, ours: bool) -> str | None:
    """The one-line message for an exception that means the warehouse cannot be written,
    or None for any other. ``ours``: raised by the warehouse's own code, where every file
    is in the warehouse; else (the ingest's body) a permission or I/O error counts only
    when it names a path in the warehouse, since an input file may be unreadable too."""
    is_duckdb = type(e).__module__.split(".")[0] in ("duckdb", "_duckdb")
    if not isinstance(e, OSError) and not is_duckdb:
        return None
    text = str(e)
    code = e.errno if isinstance(e, OSError) else None
    if not code:
        found = re.search(r'"errno":\s*"(\d+)"|\[errno (\d+)\]', text, re.I)
        if found:
            code = int(found[1] or found[2])
        else:
            code = next((c for c in (*_WRITE_ERRNOS, *_ACCESS_ERRNOS) if os.strerror(c) in text), None)
    prefix = f"cannot write the warehouse at {root}"
    if code in _WRITE_ERRNOS or (code in _ACCESS_ERRNOS and (ours or str(root) in text)):
        return f"{prefix}: {os.strerror(code)}"
    if ours and is_duckdb and type(e).__name__ == "IOException":
        first = text.splitlines()[0] if text else type(e).__name__
        return f"{prefix}: {first.removeprefix('IO Error: ')}"
    return None


@dataclass
class CommitStats:
    staged_requests: int = 0  # assistant lines with usage that were read
    new_requests: int = 0  # requests the warehouse did not have
    updated_requests: int = 0  # existing requests replaced by a more complete copy
    duplicates_removed: int = 0  # lines read that were copies of a request kept elsewhere
    staged_events: int = 0
    new_events: int = 0
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (new, replaced)
    repriced: bool = False
    unpriced_keys: list[tuple[str | None, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


class Writer:
    """Merges staged rows into the warehouse and commits a new manifest.

    ``restored_from`` is the ``manifest.prev.json`` the writer restored ``manifest.json``
    from because it was corrupt (the corrupt one is kept as ``manifest.corrupt.json``),
    else None; ``manifest`` is then the restored generation."""

    def __init__(
        self,
        wh: Warehouse,
        manifest: dict[str, Any] | None,
        staging: Path,
        *,
        retired: dict[str, float] | None = None,
        restored_from: Path | None = None,
    ) -> None:
        self.wh = wh
        self.manifest = manifest
        self.staging = staging
        self.restored_from = restored_from
        # files no longer named -> when they stopped being named (see _collect_garbage)
        self.retired = dict((manifest or {}).get("retired") or {}) if retired is None else dict(retired)
        self.generation = (manifest or {}).get("generation", 0) + 1
        # file names are unique per run: a run never overwrites a file, even one left by a
        # crashed run of the same generation
        self.run = secrets.token_hex(3)

    @property
    def catalog(self) -> dict[str, dict[str, Any]]:
        return self.wh.catalog(self.manifest)

    def upgrade(self) -> None:
        """Bring a warehouse of an older schema version to this one, atomically like any
        commit: every part whose columns changed is written again in the current columns
        (a column the old part lacks is null), then the manifest is replaced."""
        from taskcost.schemas import SCHEMA_VERSION, TABLES

        m = self.manifest
        if m is None or m.get("schema_version") == SCHEMA_VERSION:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = dict(m["tables"])
        for name in TABLE_NAMES:
            schema, parts = TABLES[name], []
            for n, old in enumerate(tables.get(name, [])):
                src = pq.ParquetFile(self.wh.root / old)
                if src.schema_arrow.names == schema.names:  # this table did not change
                    parts.append(old)
                    continue
                rel = f"data/{name}/{self.generation:06d}-{self.run}-u{n:04d}.parquet"
                with pq.ParquetWriter(self.wh.root / rel, schema, compression="zstd") as out:
                    for batch in src.iter_batches():
                        cols = [
                            batch.column(f.name)
                            if f.name in batch.schema.names
                            else pa.nulls(batch.num_rows, f.type)
                            for f in schema
                        ]
                        out.write_batch(pa.RecordBatch.from_arrays(cols, schema=schema))
                parts.append(rel)
            tables[name] = parts
        self._replace_manifest(
            {**m, "schema_version": SCHEMA_VERSION, "generation": self.generation, "tables": tables}
        )
        self.generation += 1

    def needs_commit(self, batch: Any, overrides: Any) -> bool:
        """Whether ``batch`` or a change of prices (``overrides``, genai-prices) needs a commit."""
        from taskcost import pricing

        old = (self.manifest or {}).get("pricing", {}).get("fingerprint")
        return not batch.empty or (self.manifest is not None and old != pricing.fingerprint(overrides))

    def commit(self, batch: Any, overrides: Any) -> CommitStats:
        """Merge ``batch`` (an ``IngestBatch``) and commit; ``overrides`` is the price config.
        Ctrl-C inside DuckDB surfaces as KeyboardInterrupt, like everywhere else."""
        import duckdb

        try:
            return self._commit(batch, overrides)
        except (OSError, duckdb.Error, RuntimeError) as e:
            if is_interrupt(e):
                raise KeyboardInterrupt from None
            message = _write_error(e, self.wh.root, ours=True)
            if message is None:
                raise
            raise WarehouseWriteError(message) from e

    def _commit(self, batch: Any, overrides: Any) -> CommitStats:
        """See commit().

        Requests and events are merged the same way: staged rows go to a temp table, the
        merge SQL decides which copy of each row to keep, new keepers are written to a new
        part, and an existing part that lost rows to better copies is rewritten without
        them. When the price configuration changed, every request is re-priced.
        """
        from taskcost import pricing

        stats = CommitStats()
        clock = _Clock(stats.timings)
        m = self.manifest or {"tables": {}}
        fingerprint = pricing.fingerprint(overrides)
        stats.repriced = bool(self.manifest) and m.get("pricing", {}).get("fingerprint") != fingerprint
        db = _Db(
            self.wh.root,
            f"{self.generation:06d}-{self.run}",
            {t: list(m["tables"].get(t, [])) for t in TABLE_NAMES},
            self.staging,
        )
        db.register_chunks(batch.chunks)

        # --- stage both tables, then decide which copies to keep ---
        db.stage("requests", batch.staged.get("requests", []))
        db.stage("events", batch.staged.get("events", []))
        clock("stage rows")
        db.execute(sql("candidates"))
        db.execute(sql("session_starts"))
        db.execute(sql("merge_requests"))
        db.execute(sql("merge_events"))
        clock("merge")

        # --- requests: write the kept copies, priced (all of them, if prices changed) ---
        stats.staged_requests = db.count("staged_requests")
        kept = db.count("new_requests")
        removed = db.removed("removed_requests")
        stats.updated_requests = sum(len(rows) for rows in removed.values())
        stats.new_requests = kept - stats.updated_requests
        stats.duplicates_removed = stats.staged_requests - kept
        rates, prices_changed = self._rates(db, overrides, stats.repriced)
        stats.unpriced_keys = sorted(
            {
                (r["matched_model"] or r["model"], r["unpriced_reason"])
                for r in rates.to_pylist()
                if r["unpriced_reason"]
            },
            key=str,
        )
        clock("look up prices")
        parts = db.tables["requests"]
        if kept:
            db.con.view("new_requests").create_view("to_price", replace=True)
            parts.append(db.copy(sql("price_requests"), "requests"))
        for part in [p for p in parts if stats.repriced or str(self.wh.root / p) in removed]:
            parts.remove(part)
            rows = removed.get(str(self.wh.root / part), [])
            db.execute(sql("part_without"), {"part": str(self.wh.root / part), "rows": rows})
            if stats.repriced:
                db.con.table("part_rows").create_view("to_price", replace=True)
                parts.append(db.copy(sql("price_requests"), "requests"))
            else:
                parts.append(db.copy("SELECT * FROM part_rows", "requests"))
        db.compact("requests")
        clock("write requests")

        # --- events ---
        stats.staged_events = db.count("staged_events")
        new, replaced = db.write_kept("events", "new_events", "removed_events")
        stats.new_events = new - replaced
        clock("write events")

        # --- vendor exports: one row per slot ---
        from taskcost.schemas import SLOT_TABLES

        for table in SLOT_TABLES:
            files = batch.staged.get(table, [])
            if not files:
                continue
            db.execute(sql("stage_slots"), {"files": files})
            db.existing_view("existing_slots", [str(self.wh.root / p) for p in db.tables[table]], table)
            db.execute(sql("merge_slots"))
            new, replaced = db.write_kept(table, "new_slots", "removed_slots")
            stats.slots[table] = (new - replaced, replaced)
        clock("write vendor exports")

        # --- prices, catalog, overrides copy, manifest ---
        prices_rel = list(m["tables"].get("prices", []))
        if prices_changed or not prices_rel:
            prices_rel = [self._write_prices(rates)]
        catalog = self.catalog
        catalog.update(batch.catalog_updates)
        cat_rel = self._new_file("catalog", "json")
        (self.wh.root / cat_rel).write_text(json.dumps(catalog, sort_keys=True))
        ov_rel = None
        if overrides is not None:
            ov_rel = self._new_file("overrides", "toml")
            (self.wh.root / ov_rel).write_bytes(overrides.data)
        rows = {t: db.row_count(t) for t in TABLE_NAMES}
        db.close()
        clock("write prices and catalog")

        from taskcost.schemas import SCHEMA_VERSION

        self._replace_manifest(
            {
                "format": FORMAT,
                "schema_version": SCHEMA_VERSION,
                "generation": self.generation,
                "committed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "tables": {**db.tables, "prices": prices_rel},
                "rows": rows,
                "catalog": cat_rel,
                "pricing": {
                    "fingerprint": fingerprint,
                    "overrides": ov_rel,
                    "overrides_origin": overrides.path if overrides else None,
                },
            }
        )
        clock("commit manifest")
        return stats

    def _rates(self, db: _Db, overrides: Any, reprice_all: bool) -> tuple[Any, bool]:
        """The price rows for every key the requests need; whether they changed."""
        import pyarrow as pa

        from taskcost import pricing, schemas

        keys = {tuple(r) for r in db.execute(sql("price_keys")).fetchall()}
        old_files = [
            str(self.wh.root / p) for p in (self.manifest or {"tables": {}})["tables"].get("prices", [])
        ]
        old = (
            pa.concat_tables([_read_parquet(f) for f in old_files])
            if old_files
            else schemas.TABLES["prices"].empty_table()
        )
        old_keys = {
            (r["provider"], r["model"], r["price_date"], r["speed"], r["service_tier"])
            for r in old.select(["provider", "model", "price_date", "speed", "service_tier"]).to_pylist()
        }
        if reprice_all:
            wanted = sorted(keys | old_keys, key=_key_sort)
            rates = pricing.price_table([pricing.PriceKey(*k) for k in wanted], overrides)
        else:
            wanted = sorted(keys - old_keys, key=_key_sort)
            rates = old.cast(schemas.TABLES["prices"])
            if wanted:
                rates = pa.concat_tables(
                    [rates, pricing.price_table([pricing.PriceKey(*k) for k in wanted], overrides)]
                )
        db.con.register("price_rates", rates)
        return rates, bool(wanted) or reprice_all

    def _new_file(self, kind: str, ext: str) -> str:
        rel = f"data/{kind}/{self.generation:06d}-{self.run}.{ext}"
        (self.wh.root / rel).parent.mkdir(parents=True, exist_ok=True)
        return rel

    def _write_prices(self, rates: Any) -> str:
        import pyarrow.parquet as pq

        from taskcost import schemas

        rel = self._new_file("prices", "parquet")
        pq.write_table(rates.cast(schemas.TABLES["prices"]), self.wh.root / rel)
        return rel

    def _replace_manifest(self, manifest: dict[str, Any]) -> None:
        """Commit ``manifest``: fsync the new files it names and their folders, record the
        files it stops naming as retired, keep the manifest it replaces as
        ``manifest.prev.json``, then rename it over ``manifest.json`` (see the module doc)."""
        root = self.wh.root
        old, new = _named(self.manifest), _named(manifest)
        folders = {root, root / "data"}
        for rel in sorted(new - old):
            _fsync_file(root / rel)
            folders.add((root / rel).parent)
        for folder in sorted(folders, key=lambda d: len(d.parts), reverse=True):
            _fsync_dir(folder)
        now = round(time.time(), 3)
        retired = {rel: when for rel, when in self.retired.items() if rel not in new}
        retired.update({rel: now for rel in sorted(old - new) if rel not in retired})
        manifest = {**manifest, "retired": retired}
        _failpoint("before_manifest")
        tmp = root / f"manifest.json.{secrets.token_hex(4)}.tmp"
        try:
            with open(tmp, "w") as f:
                json.dump(manifest, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            _keep_previous(self.wh.manifest_path, self.wh.prev_manifest_path)
            os.replace(tmp, self.wh.manifest_path)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        self.manifest, self.retired = manifest, retired
        _fsync_dir(root)

    def _discard_unnamed(self) -> None:
        """Remove the files this run wrote that no committed manifest names (what a failed
        commit left, parts compacted away): no reader has seen them. Best effort."""
        keep = _named(self.manifest) | set(self.retired)
        mine = re.compile(rf"\d+-{re.escape(self.run)}[-.]")
        data = self.wh.root / "data"
        for dirpath, _, filenames in os.walk(data):
            for f in filenames:
                path = os.path.join(dirpath, f)
                if mine.match(f) and Path(path).relative_to(self.wh.root).as_posix() not in keep:
                    _unlink_quietly(path)


class _Db:
    """The DuckDB session of one commit, and the data files it writes."""

    def __init__(self, root: Path, prefix: str, tables: dict[str, list[str]], scratch: Path) -> None:
        import duckdb

        self.root, self.prefix, self.tables = root, prefix, tables
        self.seq = 0
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET preserve_insertion_order = false")
        # bounded memory whatever the history size: beyond this DuckDB spills to scratch
        self.con.execute("SET memory_limit = $m", {"m": MERGE_MEMORY})
        self.con.execute("SET temp_directory = $d", {"d": str(scratch / "spill")})

    def execute(self, query: str, params: dict[str, Any] | None = None) -> Any:
        return self.con.execute(query, params or {})

    def count(self, relation: str) -> int:
        """Rows of one of the merge's own temp tables or views (a fixed name)."""
        assert relation.isidentifier()
        return self.con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]

    def close(self) -> None:
        self.con.close()

    def register_chunks(self, chunks: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        self.con.register("chunks", pa.Table.from_pylist(chunks, schema=_chunk_schema()))

    def stage(self, table: str, files: list[str]) -> None:
        """``staged_<table>`` from the workers' files; ``existing_<table>`` over the parts."""
        if files:
            self.execute(sql(f"stage_{table}"), {"files": files})
        else:
            self.con.register(f"staged_{table}_rows", _empty_staged(table))
            self.execute(f"CREATE OR REPLACE TEMP TABLE staged_{table} AS SELECT * FROM staged_{table}_rows")
        self.existing_view(f"existing_{table}", [str(self.root / p) for p in self.tables[table]], table)

    def existing_view(self, name: str, files: list[str], table: str) -> None:
        """The parts of ``table`` as view ``name``, each row with its file (``filename``) and
        its row number in that file (``file_row_number``)."""
        import pyarrow as pa

        from taskcost import schemas

        if files:
            self.con.read_parquet(files, filename=True, file_row_number=True).create_view(name, replace=True)
        else:
            empty = schemas.TABLES[table].empty_table()
            empty = empty.append_column("file_row_number", pa.array([], pa.int64()))
            self.con.register(name, empty.append_column("filename", pa.array([], pa.string())))

    def removed(self, relation: str) -> dict[str, list[int]]:
        """Warehouse rows that lost to better copies: file -> row numbers (removed_*)."""
        assert relation.isidentifier()
        return dict(self.con.execute(f"SELECT part, rows FROM {relation}").fetchall())

    def copy(self, query: str, table: str) -> str:
        """Write the rows of ``query`` as a new part of ``table``, in canonical column order."""
        from taskcost import schemas

        rel = f"data/{table}/{self.prefix}-{self.seq:04d}.parquet"
        self.seq += 1
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        order = " ORDER BY ts" if table == "requests" else ""
        # the column list is our own schema's (an allow-list); the query is a .sql file's
        self.execute(
            f"COPY (SELECT {_select_list(schemas.TABLES[table])} FROM ({query}){order}) "
            "TO $out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)",
            {"out": str(self.root / rel)},
        )
        return rel

    def write_kept(self, table: str, new_view: str, removed_table: str) -> tuple[int, int]:
        """Write the staged rows the merge kept (``new_view``) as a new part of ``table``
        and rewrite the parts that lost rows to them (``removed_table``); then compact.
        Returns (rows written, warehouse rows they replaced)."""
        removed = self.removed(removed_table)
        parts = self.tables[table]
        new = self.count(new_view)
        if new:
            parts.append(self.copy(f"SELECT * FROM {new_view}", table))
        for part in [p for p in parts if str(self.root / p) in removed]:
            parts.remove(part)
            self.execute(
                sql("part_without"), {"part": str(self.root / part), "rows": removed[str(self.root / part)]}
            )
            parts.append(self.copy("SELECT * FROM part_rows", table))
        self.compact(table)
        return new, sum(len(rows) for rows in removed.values())

    def compact(self, table: str) -> None:
        """Merge small parts once there are too many, so reads stay one scan of few files."""
        parts = self.tables[table]
        small = [p for p in parts if (self.root / p).stat().st_size < SMALL_PART]
        if len(small) <= MAX_SMALL_PARTS:
            return
        self.con.read_parquet([str(self.root / p) for p in small]).create_view("small_parts", replace=True)
        merged = self.copy("SELECT * FROM small_parts", table)
        self.tables[table] = [p for p in parts if p not in small] + [merged]

    def row_count(self, table: str) -> int:
        files = [str(self.root / p) for p in self.tables[table]]
        if not files:
            return 0
        return self.execute("SELECT count(*) FROM read_parquet($f)", {"f": files}).fetchall()[0][0]


def _read_parquet(path: str) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(path)


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


def _fsync_file(path: Path) -> None:
    """Flush a file DuckDB or Arrow wrote (and closed) to disk."""
    fd = os.open(path, os.O_RDWR if sys.platform == "win32" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
            ("state", pa.string()),
        ]
    )


def _empty_staged(table: str) -> Any:
    """An empty stand-in for staged_<table> when the run staged no rows: the canonical
    columns, as stage_*.sql produces them."""
    from taskcost import schemas

    return schemas.TABLES[table].empty_table()
