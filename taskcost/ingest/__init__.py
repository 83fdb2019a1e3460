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

No path stops a run (RELIABILITY.md): a folder that cannot be listed, a file that cannot
be read, a symbolic link that loops or points nowhere, a FIFO, socket or device (opening
one could block for ever) is reported in ``IngestReport.unreadable`` and the rest is
read; a file whose parse fails (a bug: sources turn bad lines into counted skips) is
reported in ``IngestReport.failed``, its rows are dropped and its catalog entry is not
advanced, so it is read again by the next run. Only a path given on the command line that
does not exist is an error. Parser processes ignore Ctrl-C (the parent handles it, once)
and exit when their parent dies.

Documents (a vendor export page, a JSON array, a CSV table) are files a source reads
whole: they are recognised on their first bytes (``sniff_document``), parsed as one
chunk, and read again whole whenever they change. Their size is bounded by the export
(an API page holds at most a month of buckets); MAX_DOCUMENT guards the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from taskcost.errors import MalformedInput, NoData, TaskcostError
from taskcost.ingest._base import (
    MAX_EXAMPLES,
    SKIP_REASONS,
    Chunk,
    ChunkResult,
    Rows,
    Skips,
    Source,
    file_kind,
    path_error,
    walk,
)
from taskcost.ingest._lines import BOM

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
    #: (path, why): paths that could not be used (unlistable, unreadable, loops, FIFOs)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: (path, why): files whose parse failed; read again by the next run
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes_read: int = 0
    lines_read: int = 0
    skips: Counter[str] = field(default_factory=Counter)
    unbilled: Counter[str] = field(default_factory=Counter)  # records that are not requests
    examples: dict[str, list[str]] = field(default_factory=dict)
    #: (file, line number) of every skipped line, when ``_base.RECORD_SKIPPED_LINES`` is set
    skipped_lines: list[tuple[str, int]] = field(default_factory=list)
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


def _discover(
    paths: Iterable[str], sources: dict[str, Source], unreadable: list[tuple[str, str]]
) -> list[str]:
    """The files to consider under ``paths``: one walk of each folder for the file names
    of every source. Paths that cannot be used are added to ``unreadable``."""
    suffixes = tuple(sorted({x for src in sources.values() for x in src.suffixes}))
    files: dict[str, None] = {}
    for p in paths:
        try:
            mode = os.stat(p).st_mode
        except FileNotFoundError:
            if not os.path.islink(p):
                raise TaskcostError(f"no such file or directory: {p}") from None
            unreadable.append((p, "a symbolic link to nothing"))
            continue
        except OSError as e:
            unreadable.append((p, path_error(e)))
            continue
        if stat.S_ISDIR(mode):
            found, problems = walk(os.path.realpath(p), suffixes)
            unreadable.extend(problems)
            for f in found:
                if any(_ignores(src, f) for src in sources.values()):
                    continue
                # under a resolved root only a symlink can hide another path to the same file
                files[os.path.realpath(f) if os.path.islink(f) else f] = None
        elif stat.S_ISREG(mode):
            files[os.path.realpath(p)] = None
        else:
            unreadable.append((p, f"not a regular file ({file_kind(mode)})"))
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
    source still undecided, until one says yes (up to SNIFF_LINES lines; a line longer
    than MAX_SNIFF_LINE is passed over); then the file's first SNIFF_BYTES to every
    document source. A UTF-8 byte order mark at the start is not part of the first line."""
    undecided = {n: s for n, s in sources.items() if getattr(s, "sniff", None) is not None}
    first: bytes | None = None
    too_long = 0
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
        bom = len(BOM) if head.startswith(BOM) else 0
        head = head[bom:]
        f.seek(bom)
        for _ in range(SNIFF_LINES if undecided else 0):
            line = f.readline(MAX_SNIFF_LINE)
            if not line.endswith(b"\n"):
                if len(line) < MAX_SNIFF_LINE or not _skip_line(f):
                    break  # the end of the file
                too_long += 1
                continue
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
    if first is None and too_long:
        mib = MAX_SNIFF_LINE >> 20
        return None, False, f"its first lines are over {mib} MiB each: pass --source NAME to read it"
    return None, False, _why_unrecognised(first, head)


def _skip_line(f: Any) -> bool:
    """Read ``f`` up to just after the next newline; False when the file ends first."""
    while block := f.read(1 << 20):
        nl = block.find(b"\n")
        if nl >= 0:
            f.seek(nl + 1 - len(block), os.SEEK_CUR)
            return True
    return False


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
        return _skip_line(f)


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
        results = [_parse_chunk(chunk, state, rows) for chunk, state in task]
    finally:
        if gc_was_on:
            gc.enable()
    tables, rejected = rows.tables()
    by_id = {r.chunk_id: r for r in results}
    for bad in rejected:  # a line with a value out of its type or range: skipped
        by_id[bad.chunk_id].skips.add(bad.reason, bad.line_in_chunk, bad.detail)
    for name, table in tables.items():
        if table.num_rows:
            # scratch files, read once by the merge: speed over size
            pq.write_table(table, os.path.join(staging, f"t{task_id:06d}.{name}.parquet"), compression="none")
    return results


def _parse_chunk(chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
    """One chunk parsed; an error costs this file (its rows are rolled back), not the run."""
    mark = rows.mark()
    try:
        return SOURCES[chunk.source].parse_chunk(chunk, state, rows)
    except FileNotFoundError:  # deleted since it was planned (the agent's clean-up)
        rows.rollback(mark)
        return ChunkResult(chunk.chunk_id, 0, chunk.start, {}, Skips(), vanished=True)
    except OSError as e:
        rows.rollback(mark)
        return ChunkResult(chunk.chunk_id, 0, chunk.start, {}, Skips(), failed=path_error(e))
    except Exception as e:  # noqa: BLE001 - sources skip bad lines; this is a bug, kept to its file
        rows.rollback(mark)
        why = f"{type(e).__name__}: {e}"
        why = why if len(why) <= 160 else why[:159] + "…"
        failed = f"could not be parsed ({why}); a bug in taskcost, please report it; read again next run"
        return ChunkResult(chunk.chunk_id, 0, chunk.start, {}, Skips(), failed=failed)


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
    files = _discover(roots, sources, report.unreadable)
    report.files_seen = len(files)

    counter = iter(range(1, 1 << 31))
    plan: list[tuple[FileReport, list[Chunk], dict[str, Any]]] = []
    new_entries: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            planned = _plan_file(path, catalog.get(path), sources, forced, report, lambda: next(counter))
        except FileNotFoundError:  # deleted since discovery (the agent's own clean-up)
            report.vanished.append(path)
            continue
        except OSError as e:  # unreadable (permissions, I/O error): reported, the rest is read
            report.unreadable.append((path, path_error(e)))
            continue
        if planned is not None:
            entry, item = planned
            new_entries[path] = entry
            if item is not None:
                plan.append(item)

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
            report.skipped_lines.extend((chunk.path, line_base + n) for n, _ in res.skips.lines)
            report.unbilled.update(res.unbilled)
            line_base += res.lines
            carried.update(res.end_state)
            report.lines_read += res.lines
            report.bytes_read += res.consumed_to - chunk.start
            entry["offset"] = res.consumed_to
        entry["lines"] = line_base
        entry["state"] = carried
        failed = next((r.failed for c in chunks if (r := results[c.chunk_id]).failed), None)
        if failed is not None:  # the rows of its other chunks are kept: dedupe makes the rereading right
            del new_entries[frep.path]
            report.failed.append((frep.path, failed))
            continue
        try:
            if any(results[c.chunk_id].vanished for c in chunks):
                raise FileNotFoundError(frep.path)
            entry["head"], entry["tail"] = _fingerprint(frep.path, entry["offset"])
        except FileNotFoundError:  # what was read before it went is kept; the file is not
            del new_entries[frep.path]
            report.vanished.append(frep.path)
            continue
        except OSError as e:
            del new_entries[frep.path]
            report.failed.append((frep.path, path_error(e)))
            continue
        frep.bytes = entry["offset"] - frep.start
        report.files_read.append(frep)

    if strict and (report.skips or report.unrecognised or report.unreadable or report.failed):
        problems = report.skip_summary()
        for what, paths in (
            ("files in no known format", report.unrecognised),
            ("paths that cannot be read", report.unreadable),
            ("files that failed", report.failed),
        ):
            if paths:
                problems.append(f"{what}: {', '.join(p for p, _ in paths[:3])}")
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


def _plan_file(
    path: str,
    old: dict[str, Any] | None,
    sources: dict[str, Source],
    forced: str | None,
    report: IngestReport,
    next_id: Callable[[], int],
) -> tuple[dict[str, Any], tuple[FileReport, list[Chunk], dict[str, Any]] | None] | None:
    """What to do with one file: None when there is nothing to read (unchanged, in no
    known format, no complete line yet: counted in ``report``), else its new catalog entry
    and the chunks to parse (None when it was only touched)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):  # replaced by a FIFO or a folder since discovery
        report.unreadable.append((path, f"not a regular file ({file_kind(st.st_mode)})"))
        return None
    if old and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
        report.files_unchanged += 1
        return None
    why = ""
    if forced is not None:
        source, whole = forced, _whole(sources[forced], path)
    elif old:
        source, whole = old["source"], old.get("whole", False)
    else:
        source, whole, why = _sniff(path, sources)
    if whole and st.st_size > MAX_DOCUMENT:
        why = f"a {st.st_size >> 20} MiB document: larger than taskcost reads whole"
        report.unrecognised.append((path, why))
        return None
    if source is None:
        if why.startswith("a JSON document") or _has_complete_line(path):
            report.unrecognised.append((path, why))
        else:
            report.pending += 1
        return None
    start, action, state = 0, "new", {}
    line_base = 0
    if old and old["source"] == source:
        action = "reread"
        fresh = not whole and st.st_size >= old["offset"]
        if fresh and _fingerprint(path, old["offset"]) == (old["head"], old["tail"]):
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
    if start >= st.st_size:  # touched, nothing new
        entry["head"], entry["tail"] = _fingerprint(path, start)
        return entry, None
    if whole:
        chunks = [Chunk(next_id(), path, source, 0, st.st_size, whole=True)]
    elif sources[source].splittable:
        chunks = _split(path, source, start, st.st_size, next_id)
    else:
        chunks = [Chunk(next_id(), path, source, start, st.st_size)]
    return entry, (FileReport(path, source, action, start, st.st_size - start), chunks, state)


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

    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=_mp_context(),
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )
    try:
        futures = {pool.submit(_parse_task, task, staging, n): task for n, task in enumerate(tasks)}
        if warmup is not None:  # the workers exist now: imports here cannot leak into them
            threading.Thread(target=warmup, name="taskcost-warmup", daemon=True).start()
        for fut in as_completed(futures):
            collect(futures[fut], fut.result())
    except BaseException:  # Ctrl-C, or a worker died: stop the others now, not after their tasks
        workers = list((getattr(pool, "_processes", None) or {}).values())  # private; may change
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in workers:
            proc.terminate()
        raise
    pool.shutdown()
    return results


def _worker_start(parent: int) -> None:
    """In each parser process: leave Ctrl-C to the parent (which stops the workers and
    says so once), and exit when the parent is gone (``kill -9``: nobody would read the
    results, and each worker holds its memory)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="taskcost-parent-watch", daemon=True).start()


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
