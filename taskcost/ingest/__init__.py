"""Find log files, work out what is new since the last run, and parse it in parallel.

``run()`` plans and parses; it writes staged rows (Parquet) to a folder the caller owns
and returns an ``IngestBatch`` describing them. It does not touch the warehouse: the
caller merges the batch (``taskcost.warehouse``), so a failure or Ctrl-C before that
leaves the warehouse as it was.

Incremental reading, per file (the catalog entry is what the last committed run saw):

- size and mtime unchanged: the file is not opened;
- grown, and the first and last KiB before the committed offset unchanged: read from
  the committed offset (an incomplete last line is left for the next run);
- anything else (truncated, rewritten): read again from the start; dedupe in the
  warehouse keeps the totals right.

A file that disappeared is not an event: its rows stay (Claude Code deletes old
transcripts; the warehouse keeps the history).

Documents (a vendor export page, a JSON array, a CSV table) are files a source reads
whole: they are recognised on their first bytes (``sniff_document``), parsed as one
chunk, and read again whole whenever they change. Their size is bounded by the export
(an API page holds at most a month of buckets); MAX_DOCUMENT guards the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from taskcost.errors import MalformedInput, NoData, TaskcostError
from taskcost.ingest._base import MAX_EXAMPLES, SKIP_REASONS, Chunk, ChunkResult, Rows, Skips, Source

#: one module per source, named like the source (`taskcost.ingest.<name>` defines SOURCE)
SOURCE_NAMES = (
    "claude_code",
    "codex",
    "api_log",
    "otel",
    "litellm",
    "anthropic_admin",
    "openai_admin",
)
CHUNK_BYTES = 32 << 20  # a file larger than this is split between workers
TASK_BYTES = 32 << 20  # small files are grouped into tasks of about this size
FINGERPRINT = 1024
MAX_DOCUMENT = 1 << 30  # a document larger than this is refused (see the module doc)
SNIFF_LINES = 50
MAX_SNIFF_LINE = 64 << 20
SNIFF_BYTES = 64 << 10  # what a document source sees of a file to recognise it


def _load_sources() -> dict[str, Source]:
    out: dict[str, Source] = {}
    for mod in SOURCE_NAMES:
        src = import_module(f"{__name__}.{mod}").SOURCE
        out[src.name] = src
    return out


SOURCES: dict[str, Source] = _load_sources()


@dataclass
class FileReport:
    path: str
    source: str
    action: str  # new | appended | reread
    start: int
    bytes: int = 0


@dataclass
class IngestReport:
    files_seen: int = 0
    files_unchanged: int = 0
    files_read: list[FileReport] = field(default_factory=list)
    unrecognised: list[tuple[str, str]] = field(default_factory=list)  # (file, why): no source claims it
    pending: int = 0  # files with no complete line yet: sniffed once they have one
    vanished: list[str] = field(default_factory=list)  # deleted while this run read them
    bytes_read: int = 0
    lines_read: int = 0
    skips: Counter[str] = field(default_factory=Counter)
    unbilled: Counter[str] = field(default_factory=Counter)  # records that are not requests
    examples: dict[str, list[str]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    def skip_summary(self) -> list[str]:
        out = []
        for reason, n in sorted(self.skips.items()):
            ex = "; ".join(self.examples.get(reason, [])[:MAX_EXAMPLES])
            out.append(f"{reason} ({SKIP_REASONS.get(reason, '')}): {n}" + (f" — e.g. {ex}" if ex else ""))
        return out


@dataclass
class IngestBatch:
    """Staged rows of one run and what to record about each file once they are merged."""

    staged: dict[str, list[str]]  # table -> staged Parquet files
    chunks: list[dict[str, Any]]  # chunk_id, source, user, machine, source_file, line_base, state
    catalog_updates: dict[str, dict[str, Any]]
    report: IngestReport

    @property
    def empty(self) -> bool:
        return not self.catalog_updates


def default_paths(sources: dict[str, Source] | None = None) -> list[str]:
    """The default locations of ``sources`` (all of them by default) that exist here."""
    srcs = (sources or SOURCES).values()
    return [root for src in srcs for root in src.default_roots() if os.path.isdir(root)]


def locations() -> list[dict[str, Any]]:
    """Every source with each of its default locations and whether it exists here (one
    row with no location for a source that has none)."""
    return [
        {
            "source": src.name,
            "reads": src.description,
            "default_location": root,
            "exists": root is not None and os.path.isdir(root),
        }
        for src in SOURCES.values()
        for root in src.default_roots() or [None]
    ]


def _fingerprint(path: str, offset: int) -> tuple[str, str]:
    """Hashes of the first and of the last KiB before ``offset``."""
    with open(path, "rb") as f:
        head = f.read(min(FINGERPRINT, offset))
        f.seek(max(0, offset - FINGERPRINT))
        tail = f.read(offset - max(0, offset - FINGERPRINT))
    return hashlib.blake2b(head, digest_size=16).hexdigest(), hashlib.blake2b(
        tail, digest_size=16
    ).hexdigest()


def _discover(paths: Iterable[str], sources: dict[str, Source]) -> list[str]:
    files: dict[str, None] = {}
    for p in paths:
        if os.path.isdir(p):
            root = os.path.realpath(p)
            found = set()
            for src in sources.values():
                found.update(src.discover(root))
            for f in sorted(found):
                if any(_ignores(src, f) for src in sources.values()):
                    continue
                # under a resolved root only a symlink can hide another path to the same file
                files[os.path.realpath(f) if os.path.islink(f) else f] = None
        elif os.path.exists(p):
            files[os.path.realpath(p)] = None
        else:
            raise TaskcostError(f"no such file or directory: {p}")
    found = list(files)
    for src in sources.values():
        shadowed = getattr(src, "shadowed", None)
        if shadowed is not None:
            drop = shadowed(found)
            found = [f for f in found if f not in drop]
    return found


def _ignores(src: Source, path: str) -> bool:
    hook = getattr(src, "ignores", None)
    return hook is not None and hook(path)


def _sniff(path: str, sources: dict[str, Source]) -> tuple[str | None, bool, str]:
    """The source whose format the file is in and whether it is read whole (a document),
    or None and why no source claims it. Each complete line is offered to every line
    source still undecided, until one says yes (up to SNIFF_LINES lines, a long line
    being read whole); then the file's first SNIFF_BYTES to every document source."""
    undecided = {n: s for n, s in sources.items() if getattr(s, "sniff", None) is not None}
    first: bytes | None = None
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
        f.seek(0)
        for _ in range(SNIFF_LINES if undecided else 0):
            line = f.readline(MAX_SNIFF_LINE)
            if not line.endswith(b"\n"):
                break
            if first is None and line.strip():
                first = line
            for name, src in list(undecided.items()):
                verdict = src.sniff(line)
                if verdict:
                    return name, False, ""
                if verdict is False:
                    del undecided[name]
            if not undecided:
                break
    for name, src in sources.items():
        sniff_document = getattr(src, "sniff_document", None)
        if sniff_document is not None and sniff_document(head):
            return name, True, ""
    return None, False, _why_unrecognised(first, head)


def _whole(src: Source, path: str) -> bool:
    """Whether ``--source`` reads ``path`` as a document: always for a document-only
    source; for a source of both kinds, when its document sniffer says so."""
    if getattr(src, "sniff_document", None) is None:
        return False
    if getattr(src, "sniff", None) is None:
        return True
    with open(path, "rb") as f:
        return bool(src.sniff_document(f.read(SNIFF_BYTES)))


def _why_unrecognised(first: bytes | None, head: bytes) -> str:
    start = head.lstrip()[:1]
    if start in (b"{", b"[") and (first is None or first.strip() in (b"{", b"[")):
        try:
            obj = json.loads(head) if len(head) < SNIFF_BYTES else None
        except (ValueError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            return f"a JSON document of no known format (keys: {', '.join(sorted(obj)[:6])})"
        return "a JSON document of no known format"
    if first is None:
        return "no complete line"
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):
        if b"," in first and not first.lstrip().startswith((b"{", b"[")):
            cols = first.decode("utf-8", "replace").strip()[:80]
            return f"CSV (or text) of no known format (first line: {cols})"
        return "not JSON lines (its first line is not JSON)"
    if not isinstance(obj, dict):
        return f"JSON lines, but its first line is a {type(obj).__name__}, not an object"
    keys = ", ".join(sorted(obj)[:6])
    return f"JSON lines of no known format (first line's keys: {keys})"


def _has_complete_line(path: str) -> bool:
    with open(path, "rb") as f:
        return f.readline(MAX_SNIFF_LINE).endswith(b"\n")


def _split(path: str, source: str, start: int, size: int, next_id: Callable[[], int]) -> list[Chunk]:
    """Line-aligned chunks of ``[start, size)`` of about CHUNK_BYTES each."""
    cuts = [start]
    if size - start > CHUNK_BYTES:
        with open(path, "rb") as f:
            pos = start + CHUNK_BYTES
            while pos < size:
                f.seek(pos)
                while True:  # find the next newline at or after pos
                    block = f.read(1 << 16)
                    if not block:
                        pos = size
                        break
                    nl = block.find(b"\n")
                    if nl >= 0:
                        pos += nl + 1
                        break
                    pos += len(block)
                if pos >= size:
                    break
                cuts.append(pos)
                pos += CHUNK_BYTES
    cuts.append(size)
    return [Chunk(next_id(), path, source, a, b) for a, b in zip(cuts, cuts[1:], strict=False)]


def _parse_task(task: list[tuple[Chunk, dict[str, Any]]], staging: str, task_id: int) -> list[ChunkResult]:
    """Worker entry point: parse the chunks of one task and write their staged rows.

    The parent gets counts and carried state back, not rows. The cyclic garbage collector
    is paused meanwhile: parsing allocates millions of short-lived objects and creates no
    reference cycles.
    """
    import gc

    import pyarrow.parquet as pq

    rows = Rows()
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        results = []
        for chunk, state in task:
            try:
                results.append(SOURCES[chunk.source].parse_chunk(chunk, state, rows))
            except FileNotFoundError:  # deleted since it was planned (the agent's clean-up)
                results.append(ChunkResult(chunk.chunk_id, 0, chunk.start, {}, Skips(), vanished=True))
    finally:
        if gc_was_on:
            gc.enable()
    for name, table in rows.tables().items():
        if table.num_rows:
            # scratch files, read once by the merge: speed over size
            pq.write_table(table, os.path.join(staging, f"t{task_id:06d}.{name}.parquet"), compression="none")
    return results


def run(
    paths: list[str] | None,
    *,
    catalog: dict[str, dict[str, Any]],
    staging: str,
    user: str,
    machine: str,
    jobs: int | None = None,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
    warmup: Callable[[], None] | None = None,
    forced: str | None = None,
) -> IngestBatch:
    """Plan and parse what is new in ``paths`` (default: every source's default roots).

    ``forced`` names the one source to read every file as (``--source``): no sniffing,
    and only that source's default roots when no path is given.

    ``warmup`` runs in a thread of this (otherwise idle) process once the parser
    processes have started, e.g. to import what the merge will need.
    """
    sources = SOURCES
    if forced is not None:
        if forced not in SOURCES:
            raise TaskcostError(f"no source named {forced!r}; `taskcost sources` lists them")
        sources = {forced: SOURCES[forced]}
    if paths:
        roots = list(paths)
    else:
        roots = default_paths(sources)
        if not roots:
            wanted = ", ".join(r for s in sources.values() for r in s.default_roots())
            raise NoData(f"no logs found (looked in {wanted}); pass a path to ingest")
    report = IngestReport()
    t0 = time.perf_counter()
    files = _discover(roots, sources)
    report.files_seen = len(files)

    counter = iter(range(1, 1 << 31))
    plan: list[tuple[FileReport, list[Chunk], dict[str, Any]]] = []
    new_entries: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            st = os.stat(path)
            old = catalog.get(path)
            if old and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
                report.files_unchanged += 1
                continue
            why = ""
            if forced is not None:
                source, whole = forced, _whole(sources[forced], path)
            elif old:
                source, whole = old["source"], old.get("whole", False)
            else:
                source, whole, why = _sniff(path, sources)
            if whole and st.st_size > MAX_DOCUMENT:
                report.unrecognised.append(
                    (path, f"a {st.st_size >> 20} MiB document: larger than taskcost reads whole")
                )
                continue
        except FileNotFoundError:  # deleted since discovery (the agent's own clean-up)
            report.vanished.append(path)
            continue
        if source is None:
            if why.startswith("a JSON document") or _has_complete_line(path):
                report.unrecognised.append((path, why))
            else:
                report.pending += 1
            continue
        start, action, state = 0, "new", {}
        line_base = 0
        if old and old["source"] == source:
            action = "reread"
            if (
                not whole
                and st.st_size >= old["offset"]
                and _fingerprint(path, old["offset"])
                == (
                    old["head"],
                    old["tail"],
                )
            ):
                start, action = old["offset"], "appended"
                state, line_base = old.get("state", {}), old["lines"]
        entry = {
            "source": source,
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "offset": start,
            "lines": line_base,
            "state": state,
        }
        if whole:
            entry["whole"] = True
        new_entries[path] = entry
        if start >= st.st_size:  # touched, nothing new
            entry["head"], entry["tail"] = _fingerprint(path, start)
            continue
        if whole:
            chunks = [Chunk(next(counter), path, source, 0, st.st_size, whole=True)]
        elif sources[source].splittable:
            chunks = _split(path, source, start, st.st_size, lambda: next(counter))
        else:
            chunks = [Chunk(next(counter), path, source, start, st.st_size)]
        plan.append((FileReport(path, source, action, start, st.st_size - start), chunks, state))

    t1 = time.perf_counter()
    report.timings["discover and plan"] = t1 - t0
    results = _execute(plan, staging, jobs, progress, warmup)
    report.timings["parse"] = time.perf_counter() - t1

    chunk_rows: list[dict[str, Any]] = []
    for frep, chunks, state in plan:
        entry = new_entries[frep.path]
        line_base = entry["lines"]
        carried = dict(state)  # the source's state before each chunk, for rows that need it
        for chunk in chunks:
            res = results[chunk.chunk_id]
            chunk_rows.append(
                {
                    "chunk_id": chunk.chunk_id,
                    "source": chunk.source,
                    "user": user,
                    "machine": machine,
                    "source_file": chunk.path,
                    "line_base": line_base,
                    "state": json.dumps(carried, sort_keys=True),
                }
            )
            for reason, n in res.skips.counts.items():
                report.skips[reason] += n
                ex = report.examples.setdefault(reason, [])
                for line_in_chunk, detail in res.skips.examples.get(reason, []):
                    if len(ex) < MAX_EXAMPLES:  # line 0: the document as a whole
                        where = f":{line_base + line_in_chunk}" if line_in_chunk else ""
                        ex.append(f"{chunk.path}{where}: {detail}")
            report.unbilled.update(res.unbilled)
            line_base += res.lines
            carried.update(res.end_state)
            report.lines_read += res.lines
            report.bytes_read += res.consumed_to - chunk.start
            entry["offset"] = res.consumed_to
        entry["lines"] = line_base
        entry["state"] = carried
        try:
            if any(results[c.chunk_id].vanished for c in chunks):
                raise FileNotFoundError(frep.path)
            entry["head"], entry["tail"] = _fingerprint(frep.path, entry["offset"])
        except FileNotFoundError:  # what was read before it went is kept; the file is not
            del new_entries[frep.path]
            report.vanished.append(frep.path)
            continue
        frep.bytes = entry["offset"] - frep.start
        report.files_read.append(frep)

    if strict and (report.skips or report.unrecognised):
        problems = report.skip_summary()
        if report.unrecognised:
            problems.append(f"files in no known format: {', '.join(p for p, _ in report.unrecognised[:3])}")
        raise MalformedInput("--strict: input was skipped, nothing was written: " + " | ".join(problems))
    staged: dict[str, list[str]] = {}
    for f in sorted(os.listdir(staging)):
        if f.endswith(".parquet"):  # t<task>.<table>.parquet
            staged.setdefault(f.split(".")[1], []).append(os.path.join(staging, f))
    return IngestBatch(
        staged=staged,
        chunks=chunk_rows,
        catalog_updates=new_entries,
        report=report,
    )


def _tasks(
    plan: list[tuple[FileReport, list[Chunk], dict[str, Any]]],
) -> list[list[tuple[Chunk, dict[str, Any]]]]:
    """Group chunks into tasks of about TASK_BYTES; big chunks stand alone."""
    tasks: list[list[tuple[Chunk, dict[str, Any]]]] = []
    current: list[tuple[Chunk, dict[str, Any]]] = []
    size = 0
    for _, chunks, state in plan:
        for k, chunk in enumerate(chunks):
            # only the first chunk of a file knows the carried state; later ones start unknown
            item = (chunk, state if k == 0 else {})
            n = chunk.end - chunk.start
            if current and size + n > TASK_BYTES:
                tasks.append(current)
                current, size = [], 0
            current.append(item)
            size += n
    if current:
        tasks.append(current)
    # largest first, so that one big file does not start last
    tasks.sort(key=lambda t: -sum(c.end - c.start for c, _ in t))
    return tasks


def _execute(
    plan: list[tuple[FileReport, list[Chunk], dict[str, Any]]],
    staging: str,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    warmup: Callable[[], None] | None = None,
) -> dict[int, ChunkResult]:
    tasks = _tasks(plan)
    total = sum(c.end - c.start for t in tasks for c, _ in t)
    jobs = jobs or os.cpu_count() or 1
    results: dict[int, ChunkResult] = {}
    done = 0

    def collect(task: list[tuple[Chunk, dict[str, Any]]], rs: list[ChunkResult]) -> None:
        nonlocal done
        for r in rs:
            results[r.chunk_id] = r
        done += sum(c.end - c.start for c, _ in task)
        if progress:
            progress(done, total)

    if jobs <= 1 or len(tasks) <= 1 or total < 2 * TASK_BYTES:
        for n, task in enumerate(tasks):
            collect(task, _parse_task(task, staging, n))
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=_mp_context()) as pool:
        futures = {pool.submit(_parse_task, task, staging, n): task for n, task in enumerate(tasks)}
        if warmup is not None:  # the workers exist now: imports here cannot leak into them
            threading.Thread(target=warmup, name="taskcost-warmup", daemon=True).start()
        try:
            for fut in as_completed(futures):
                collect(futures[fut], fut.result())
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    return results


def _mp_context() -> Any:
    """``fork`` where it is safe (Linux, no library that runs its own threads loaded yet):
    workers then start at once with the parser already imported; ``spawn`` otherwise."""
    import sys
    from multiprocessing import get_context

    threaded = {"pyarrow", "duckdb", "polars"} & set(sys.modules)
    if sys.platform == "linux" and not threaded:
        return get_context("fork")
    return get_context("spawn")


def identity_defaults() -> tuple[str, str]:
    """The OS user and host name, the defaults for ``--user`` and ``--machine``."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment (containers): use the uid
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return user, socket.gethostname() or "unknown"


__all__ = [
    "SOURCES",
    "SOURCE_NAMES",
    "IngestBatch",
    "IngestReport",
    "default_paths",
    "identity_defaults",
    "locations",
    "run",
]
