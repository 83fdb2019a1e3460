"""Hardening of the warehouse: garbage collection by retirement time, fsync before the
manifest rename, recovery from a corrupt manifest, and full or read-only disks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import assistant
from conftest import ROOT, SAMPLE_LOGS, copy_tree, ingest, invoke, jsonl, totals

from taskcost.errors import CorruptManifest, TaskcostError
from taskcost.warehouse import GARBAGE_AGE, Warehouse, default_root

needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (tmpfs mounts, another user)"
)


def log(tmp_path: Path, n: int) -> Path:
    """A transcript with one new request of its own."""
    return jsonl(
        tmp_path / f"log{n}" / "s.jsonl",
        [assistant(f"msg_d{n}", f"2026-11-2{n % 10}T10:00:00.000Z", req=f"req_d{n}")],
    )


def manifest(root: Path) -> dict:
    m = Warehouse(root).manifest()
    assert m is not None
    return m


def named(m: dict) -> set[str]:
    return {p for ps in m["tables"].values() for p in ps} | {m["catalog"]}


def data_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "data").rglob("*") if p.is_file()}


def age(path: Path, seconds: float = 3600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def edit_manifest(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    m = json.loads((root / "manifest.json").read_text())
    change(m)
    (root / "manifest.json").write_text(json.dumps(m))


def collect_garbage(root: Path) -> None:
    with Warehouse(root).writer():  # GC runs when a writer starts, even with nothing to commit
        pass


# --- (a) garbage collection ---


def test_a_retired_file_is_kept_for_garbage_age_after_retirement_whatever_its_mtime(tmp_path: Path) -> None:
    root = default_root()
    catalogs = []
    for n in range(3):
        ingest(log(tmp_path, n))
        catalogs.append(manifest(root)["catalog"])
    m = manifest(root)
    assert set(catalogs[:2]) <= set(m["retired"])  # every commit writes a new catalog
    prev = json.loads((root / "manifest.prev.json").read_text())
    assert prev["generation"] == m["generation"] - 1
    for p in (root / "data").rglob("*"):
        age(p)  # created an hour ago: the old rule (by mtime) would delete every unnamed file
    ingest(log(tmp_path, 3))
    # catalogs[0] is named by neither manifest.json nor manifest.prev.json, but it was
    # retired a moment ago: a report that opened generation 1 may still be reading it
    assert not ({catalogs[0]} & (named(manifest(root)) | named(prev)))
    assert (root / catalogs[0]).exists()

    # retired an hour ago: removed, even with a fresh mtime; unless manifest.prev.json names it
    edit_manifest(root, lambda m: m.update(retired={k: time.time() - 3600 for k in m["retired"]}))
    os.utime(root / catalogs[1])
    prev = json.loads((root / "manifest.prev.json").read_text())
    collect_garbage(root)
    assert not (root / catalogs[0]).exists()
    assert not (root / catalogs[1]).exists()
    assert (root / catalogs[2]).exists()
    assert all((root / p).exists() for p in named(prev) | named(manifest(root)))
    ingest(log(tmp_path, 4))  # the next commit drops what was removed from the map
    retired = manifest(root)["retired"]
    assert catalogs[0] not in retired and catalogs[1] not in retired and catalogs[2] in retired
    assert all((root / p).exists() for p in retired)


def test_files_named_by_the_previous_manifest_are_never_removed(tmp_path: Path) -> None:
    root = default_root()
    ingest(SAMPLE_LOGS)
    ingest(log(tmp_path, 1))
    prev = json.loads((root / "manifest.prev.json").read_text())
    edit_manifest(root, lambda m: m.update(retired={k: 0 for k in m["retired"]}))
    for p in (root / "data").rglob("*"):
        age(p, 10 * GARBAGE_AGE)
    collect_garbage(root)
    assert named(prev) - named(manifest(root))  # the test means something
    assert all((root / p).exists() for p in named(prev))


def test_an_orphan_is_removed_once_its_mtime_is_garbage_age_old(tmp_path: Path) -> None:
    root = default_root()
    ingest(log(tmp_path, 0))
    orphan = root / "data" / "requests" / "000009-abcdef-0000.parquet"  # a crashed run's
    orphan.write_bytes(b"PAR1")
    collect_garbage(root)
    assert orphan.exists()  # a writer the lock did not exclude may be writing it
    age(orphan, GARBAGE_AGE + 60)
    collect_garbage(root)
    assert not orphan.exists()


def test_a_warehouse_without_a_retired_map_falls_back_to_the_mtime_rule(tmp_path: Path) -> None:
    root = default_root()
    ingest(log(tmp_path, 0))
    ingest(log(tmp_path, 1))
    # as an older taskcost left it: no retired map, no previous manifest
    edit_manifest(root, lambda m: m.pop("retired"))
    (root / "manifest.prev.json").unlink()
    orphans = data_files(root) - named(manifest(root))
    assert any(p.startswith("data/catalog/") for p in orphans)  # generation 1's catalog
    collect_garbage(root)
    assert all((root / p).exists() for p in orphans)  # fresh: a reader may still use them
    for p in orphans:
        age(root / p, GARBAGE_AGE + 60)
    collect_garbage(root)
    assert not any((root / p).exists() for p in orphans)
    ingest(log(tmp_path, 2))
    assert data_files(root) <= named(manifest(root)) | set(manifest(root)["retired"])


# --- (b) fsync ---


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name fds")
@pytest.mark.parametrize("commit", ["first", "incremental"])
def test_every_new_file_is_fsynced_before_the_manifest_rename(
    commit: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = default_root()
    before: set[str] = set()
    if commit == "incremental":
        ingest(SAMPLE_LOGS)
        before = named(manifest(root))
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str, **kw: object) -> None:
        events.append(("replace", os.path.realpath(dst)))
        real_replace(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    ingest(SAMPLE_LOGS if commit == "first" else log(tmp_path, 1))
    monkeypatch.undo()

    real_root = Path(os.path.realpath(root))
    rename = events.index(("replace", str(real_root / "manifest.json")))
    synced_before = {path for kind, path in events[:rename] if kind == "fsync"}
    new = named(manifest(root)) - before
    assert any(p.startswith("data/requests/") for p in new)
    for rel in new:
        assert str(real_root / rel) in synced_before, rel
        assert str((real_root / rel).parent) in synced_before, rel
    assert {str(real_root), str(real_root / "data")} <= synced_before
    assert ("fsync", str(real_root)) in events[rename + 1 :]  # the rename itself


# --- (c) corrupt manifest ---


DAMAGE = {
    "truncated": lambda good: good[: len(good) // 2],
    "garbage": lambda good: b"\x00\xff\xfe garbage \x80" * 10,
    "empty": lambda good: b"",
    "not an object": lambda good: b"[1, 2]",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_corrupt_manifest_is_one_line_and_the_next_ingest_restores_the_previous_generation(
    damage: str, tmp_path: Path
) -> None:
    root = default_root()
    ingest(SAMPLE_LOGS)
    first, first_manifest = totals(), (root / "manifest.json").read_bytes()
    ingest(log(tmp_path, 1))
    second = totals()
    assert (root / "manifest.prev.json").read_bytes() == first_manifest
    bad = DAMAGE[damage]((root / "manifest.json").read_bytes())
    (root / "manifest.json").write_bytes(bad)

    result = invoke("sql", "SELECT count(*) AS n FROM requests")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"taskcost: error: {root / 'manifest.json'} is corrupt (")
    assert "the next `taskcost ingest` restores the previous generation" in result.stderr

    restored = ingest(SAMPLE_LOGS)  # nothing new to read: the restored generation 1, as it was
    assert restored.stderr.startswith(
        f"taskcost: {root / 'manifest.json'} was corrupt: restored generation 1 from manifest.prev.json"
    )
    assert (root / "manifest.json").read_bytes() == first_manifest
    assert (root / "manifest.corrupt.json").read_bytes() == bad
    assert totals() == first
    ingest(log(tmp_path, 1))  # read again: the lost generation's rows come back
    assert totals() == second


def test_the_writer_says_it_restored_the_previous_generation(tmp_path: Path) -> None:
    root = default_root()
    ingest(SAMPLE_LOGS)
    ingest(log(tmp_path, 1))
    (root / "manifest.json").write_text('{"format": "taskcost-wareh')
    with Warehouse(root).writer() as w:
        assert w.restored_from == root / "manifest.prev.json"
        assert w.manifest is not None and w.manifest["generation"] == 1
    with Warehouse(root).writer() as w:
        assert w.restored_from is None


def test_a_corrupt_manifest_without_a_previous_one_is_a_clear_error(tmp_path: Path) -> None:
    root = default_root()
    ingest(SAMPLE_LOGS)
    (root / "manifest.json").write_text("{")
    with pytest.raises(CorruptManifest, match="no manifest.prev.json to restore"):
        Warehouse(root).manifest()
    result = invoke("ingest", str(log(tmp_path, 1)))
    assert result.exit_code == 1
    assert "is corrupt (truncated or not JSON); there is no manifest.prev.json" in result.stderr
    assert result.stderr.count("\n") == 1


# --- (d) full disk ---


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 2 MB tmpfs holding the warehouse (TASKCOST_HOME)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tmpfs")
    disk = tmp_path / "small"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    monkeypatch.setenv("TASKCOST_HOME", str(disk / "wh"))
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def big_log(path: Path, n: int = 20_000) -> Path:
    """About 15 MB of transcript; staged, more than a 2 MB disk holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        for i in range(n):
            line = assistant(
                f"msg_big_{i:07d}",
                f"2026-11-{1 + i % 28:02d}T10:{i % 60:02d}:00.000Z",
                req=f"req_big_{i:07d}",
            )
            f.write(json.dumps(line) + "\n")
    return path


def state(root: Path) -> tuple[bytes, set[str], dict[str, object]]:
    return (root / "manifest.json").read_bytes(), data_files(root), totals()


def assert_unchanged(root: Path, before: tuple[bytes, set[str], dict[str, object]]) -> None:
    assert state(root) == before
    assert not list(root.glob(".staging-*"))
    assert not list(root.glob("manifest.json.*.tmp"))


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_leaves_the_warehouse_as_it_was(small_disk: Path, tmp_path: Path) -> None:
    root = small_disk / "wh"
    ingest(SAMPLE_LOGS)
    before = state(root)
    result = invoke(
        "ingest", "--user", "tester", "--machine", "box", str(big_log(tmp_path / "big" / "s.jsonl"))
    )
    assert result.exit_code == 1
    assert (
        result.stderr == f"taskcost: error: cannot write the warehouse at {root}: No space left on device\n"
    )
    assert_unchanged(root, before)
    ingest(log(tmp_path, 1))  # and it still takes what fits
    assert totals()["requests"] == before[2]["requests"] + 1


def test_a_full_disk_at_the_manifest_removes_the_new_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = default_root()
    ingest(SAMPLE_LOGS)
    before = state(root)
    monkeypatch.setenv("TASKCOST_FAILPOINT", "before_manifest:enospc")
    result = invoke("ingest", str(log(tmp_path, 1)))
    assert result.exit_code == 1
    assert (
        result.stderr == f"taskcost: error: cannot write the warehouse at {root}: No space left on device\n"
    )
    assert_unchanged(root, before)


def test_a_duckdb_io_error_in_the_merge_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    from taskcost import warehouse

    root = default_root()
    ingest(SAMPLE_LOGS)
    before = state(root)

    def full(self, query: str, table: str) -> str:  # type: ignore[no-untyped-def]
        out = self.root / f"data/{table}/{self.prefix}-{self.seq:04d}.parquet"
        out.write_bytes(b"PAR1 half")  # what a failed COPY may leave
        raise duckdb.IOException(
            'IO Error: Async write failed for range [offset=28, size=3012151]: {"exception_type":"IO",'
            f'"exception_message":"Could not write file \\"{out}\\": No space left on device","errno":"28"}}'
        )

    monkeypatch.setattr(warehouse._Db, "copy", full)
    result = invoke("ingest", str(log(tmp_path, 1)))
    assert result.exit_code == 1
    assert (
        result.stderr == f"taskcost: error: cannot write the warehouse at {root}: No space left on device\n"
    )
    assert_unchanged(root, before)


def test_an_unreadable_input_file_is_not_called_a_warehouse_error(tmp_path: Path) -> None:
    from taskcost.warehouse import _write_error

    root = default_root()
    e = PermissionError(13, "Permission denied", str(tmp_path / "logs" / "s.jsonl"))
    assert _write_error(e, root, ours=False) is None
    e = PermissionError(13, "Permission denied", str(root / ".staging-1" / "t0.parquet"))
    assert _write_error(e, root, ours=False) == f"cannot write the warehouse at {root}: Permission denied"


# --- (e) read-only ---


@needs_root
def test_a_read_only_file_system_is_one_line(small_disk: Path, tmp_path: Path) -> None:
    root = small_disk / "wh"
    ingest(SAMPLE_LOGS)
    before = state(root)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = invoke("ingest", str(log(tmp_path, 1)))
    assert result.exit_code == 1
    assert result.stderr == f"taskcost: error: cannot write the warehouse at {root}: Read-only file system\n"
    assert state(root) == before


@needs_root
@pytest.mark.slow
def test_a_warehouse_another_user_owns_is_one_line_for_the_writer_and_readable() -> None:
    base = Path(tempfile.mkdtemp(prefix="taskcost-ro-"))  # not under tmp_path: pytest's is 0700
    try:
        base.chmod(0o755)
        root, logs = base / "wh", copy_tree(SAMPLE_LOGS, base / "logs")
        ingest(logs)
        shutil.copytree(default_root(), root)
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        before = (root / "manifest.json").read_bytes(), data_files(root)

        def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(base), "LANG": "C.UTF-8"}
            cmd = [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-m",
                "taskcost",
            ]
            return subprocess.run(
                [*cmd, "--warehouse", str(root), *args], cwd=ROOT, env=env, capture_output=True, text=True
            )

        run = as_nobody("ingest", "--user", "tester", "--machine", "box", str(logs))
        assert run.returncode == 1, run.stderr
        assert run.stderr == f"taskcost: error: cannot write the warehouse at {root}: Permission denied\n"
        assert ((root / "manifest.json").read_bytes(), data_files(root)) == before
        read = as_nobody("sql", "SELECT count(*) AS n FROM requests", "--format", "csv")
        assert read.returncode == 0, read.stderr  # readers take no lock and write nothing
        assert read.stdout.split() == ["n", str(totals()["requests"])]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_write_error_is_a_taskcost_error() -> None:
    from taskcost.errors import WarehouseWriteError

    assert issubclass(WarehouseWriteError, TaskcostError) and issubclass(CorruptManifest, TaskcostError)
