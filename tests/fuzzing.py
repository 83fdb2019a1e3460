"""The ingest fuzz harness: hostile mutations of real-shaped input, and the oracle.

The invariant (RELIABILITY.md): whatever the input, ingest does not crash, and

- for a line source, the totals of the staged rows equal those of the same input with
  every line it skipped deleted (a skipped line is as if it were not there: it moved no
  running total, no carried state, no other line's rows);
- for a document source, a mutated item (one result of one bucket, one row of a table)
  is either accepted, or skipped and the totals equal those of the document without it.

Totals are taken of the staged rows (``taskcost.ingest.run`` into a scratch folder, no
warehouse): the row count and the sum of every number column of every table. Seeds are
the project's own fixtures (tests/data). The short run is part of the suite
(tests/test_fuzz.py); the long run is ``TASKCOST_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

DATA = Path(__file__).resolve().parent / "data"

#: values a field must survive: wrong types, huge and negative numbers, non-finite
#: markers, control characters, times out of range
HOSTILE: list[Any] = [
    -1,
    -(2**63),
    2**31,
    2**53 + 1,
    2**63,
    2**64 + 7,
    10**30,
    1.5,
    -0.0,
    1e308,
    -1e308,
    "",
    "x",
    "NaN",
    "sNaN",
    "Infinity",
    "-1e999",
    "\u202e\x1b[31mred\x1b]0;title\x07",
    "\ud800",  # a lone surrogate: json.dumps writes it as an escape
    "2019-12-31T23:59:59Z",
    "9999-12-31T23:59:59Z",
    "2026-13-45T99:99:99Z",
    None,
    True,
    False,
    [],
    [1, "a"],
    {},
    {"nested": {"deeper": [None]}},
]

#: what a run found, over all examples of this process (RELIABILITY.md's figures)
STATS: Counter[str] = Counter()


# --- seeds ---

LINE_SEEDS = {
    "claude_code": [
        "claude_code/placeholder_then_final.jsonl",
        "claude_code/cache_1h_and_5m.jsonl",
        "claude_code/reported_cost_v1.jsonl",
        "claude_code/interrupt_and_rejection.jsonl",
    ],
    "codex": ["codex/model_change.jsonl", "codex/events_and_exit_codes.jsonl", "codex/legacy_format.jsonl"],
    "api_log": [
        "api_log/anthropic_messages.jsonl",
        "api_log/openai_chat.jsonl",
        "api_log/openai_responses.jsonl",
    ],
    "otel": ["otel/collector_file_export.jsonl"],
}
DOCUMENT_SEEDS = {
    "anthropic_admin": [
        "anthropic_admin/cost_report.json",
        "anthropic_admin/messages_usage_hourly.json",
        "anthropic_admin/claude_code_analytics.json",
    ],
    "openai_admin": ["openai_admin/costs.json"],
    "litellm": ["litellm/spend_logs.json"],
}
CSV_SEEDS = {"litellm": ["litellm/spend_logs.csv"]}


def seed_lines(source: str, name: str) -> list[bytes]:
    """The lines of a seed; OTel exports are split to one record per line (the unit the
    oracle deletes is a line)."""
    lines = (DATA / name).read_bytes().splitlines()
    if source != "otel":
        return lines
    out = []
    for raw in lines:
        doc = json.loads(raw)
        for res in doc["resourceLogs"]:
            for scope in res["scopeLogs"]:
                for rec in scope["logRecords"]:
                    one = {**res, "scopeLogs": [{**scope, "logRecords": [rec]}]}
                    out.append(json.dumps({"resourceLogs": [one]}).encode())
    return out


def file_name(source: str, name: str) -> str:
    """Codex is told apart partly by its rollout file name."""
    if source == "codex":
        return "rollout-2026-10-07T08-00-00-019a1111-0000-7000-8000-0000000000aa.jsonl"
    return Path(name).name


# --- mutations ---


def leaves(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside a JSON value (containers included)."""
    yield path
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, (*path, k))
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            yield from leaves(v, (*path, k))


def replaced(obj: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(obj) if isinstance(obj, dict) else list(obj)
    if delete and not rest:
        del copy[head]
    else:
        copy[head] = replaced(obj[head], tuple(rest), value, delete=delete)
    return copy


@st.composite
def mutated_json(draw: st.DrawFn, obj: Any) -> Any:
    """``obj`` with one value replaced by a hostile one, or one key deleted."""
    paths = list(leaves(obj))
    path = draw(st.sampled_from(paths))
    if path and isinstance(path[-1], str) and draw(st.booleans()) and draw(st.booleans()):
        return replaced(obj, path, None, delete=True)
    numbers = st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
    value = draw(st.one_of(st.sampled_from(HOSTILE), st.integers(), numbers, st.text()))
    return replaced(obj, path, value)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8", "surrogatepass")


@st.composite
def mutated_line(draw: st.DrawFn, raw: bytes) -> list[bytes]:
    """One line after one mutation: a hostile value, broken bytes, or the line split,
    glued, doubled or dropped. Returns the lines it became."""
    kind = draw(
        st.sampled_from(["value", "value", "value", "bytes", "cut", "utf8", "double", "glue", "other"])
    )
    if kind == "value":
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError):
            return [raw]
        try:
            return [dumps(draw(mutated_json(obj)))]
        except ValueError:  # a value json cannot write (e.g. a float inf from st.floats)
            return [raw]
    if kind == "bytes" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        b = draw(st.integers(0, 255))
        return [(raw[:at] + bytes([b]) + raw[at + 1 :]).replace(b"\n", b" ")]
    if kind == "cut" and raw:
        return [raw[: draw(st.integers(0, len(raw) - 1))]]
    if kind == "utf8":
        at = raw.rfind(b'"', 0, max(1, len(raw) - 2))
        bad = draw(st.sampled_from([b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf"]))
        return [raw[:at] + bad + raw[at:]] if at > 0 else [bad + raw]
    if kind == "double":
        return [raw, raw]
    if kind == "glue":
        return [raw + raw]
    return [
        draw(
            st.sampled_from(
                [b"", b"   ", b"[1, 2]", b"null", b'"text"', b"{", b"{}", b"\x00\x01", b"[" * 5000]
            )
        )
    ]


@st.composite
def mutated_lines(draw: st.DrawFn, lines: list[bytes]) -> bytes:
    """A seed's lines with one to four of them mutated, and maybe a file-level change: a
    byte order mark, CRLF endings, no newline at the end."""
    out = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        k = draw(st.integers(0, len(out) - 1))
        out[k : k + 1] = draw(mutated_line(out[k]))
    sep = b"\r\n" if draw(st.integers(0, 9)) == 0 else b"\n"
    data = sep.join(out) + sep
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


# --- the oracle ---


def staged(path: Path, source: str | None = None) -> tuple[dict[str, Any], Any]:
    """Totals of the staged rows of ``path`` and the ingest report."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from taskcost import ingest
    from taskcost.ingest import _base

    _base.RECORD_SKIPPED_LINES = True
    try:
        with tempfile.TemporaryDirectory() as staging:
            batch = ingest.run(
                [str(path)], catalog={}, staging=staging, user="u", machine="m", jobs=1, forced=source
            )
            out: dict[str, Any] = {}
            for table, files in batch.staged.items():
                t = pa.concat_tables(pq.read_table(f) for f in files)
                sums: dict[str, Any] = {"rows": t.num_rows}
                for name in t.column_names:
                    col = t[name]
                    if name in ("chunk_id", "line_in_chunk"):
                        continue
                    if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
                        sums[name] = pc.sum(col).as_py()
                out[table] = sums
    finally:
        _base.RECORD_SKIPPED_LINES = False
    STATS["inputs"] += 1
    STATS["skipped lines"] += sum(batch.report.skips.values())
    assert not batch.report.failed, batch.report.failed  # a source raised: a bug
    return out, batch.report


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Totals equal (floats to 1e-9 relative: summing order differs)."""
    if a.keys() != b.keys():
        return False
    for table in a:
        if a[table].keys() != b[table].keys():
            return False
        for k, x in a[table].items():
            y = b[table][k]
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif x != y:
                return False
    return True


def check_lines(folder: Path, source: str, name: str, data: bytes) -> None:
    """The line oracle: ``data`` and ``data`` without its skipped lines stage the same."""
    path = folder / file_name(source, name)
    path.write_bytes(data)
    got, report = staged(path)
    skipped = {n for p, n in report.skipped_lines if p == str(path.resolve()) or p == str(path)}
    if report.unrecognised or report.pending:  # the mutation made it another kind of file
        STATS["unrecognised files"] += 1
        return
    *lines, tail = data.split(b"\n")  # tail: what follows the last newline
    kept = b"".join(ln + b"\n" for n, ln in enumerate(lines, start=1) if n not in skipped)
    kept += tail if len(lines) + 1 not in skipped else b""
    path.write_bytes(kept)
    want, again = staged(path)
    if again.unrecognised or again.pending:  # the lines that told what it is were deleted
        want, again = staged(path, source)
    assert same(got, want), f"totals differ once skipped lines {sorted(skipped)} are deleted:\n{got}\n{want}"
    STATS["checked"] += 1


def document_items(doc: Any) -> list[tuple[Any, ...]]:
    """Paths to the items of a document: each result of each bucket, or each record."""
    buckets = doc["data"] if isinstance(doc, dict) else doc
    prefix: tuple[Any, ...] = ("data",) if isinstance(doc, dict) else ()
    items = []
    for n, b in enumerate(buckets):
        if isinstance(b, dict) and isinstance(b.get("results"), list):
            items += [(*prefix, n, "results", k) for k in range(len(b["results"]))]
        else:
            items.append((*prefix, n))
    return items


def without(doc: Any, path: tuple[Any, ...]) -> Any:
    return replaced(doc, path, None, delete=True)


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def check_document(folder: Path, name: str, doc: Any, path: tuple[Any, ...], item: Any) -> None:
    """The document oracle: a mutated item is accepted, or skipped and the totals are
    those of the document without it."""
    f = folder / Path(name).name
    f.write_bytes(dumps(replaced(doc, path, item)))
    got, report = staged(f)
    if report.unrecognised:  # the mutation made it no longer this format (reported as such)
        STATS["unrecognised files"] += 1
        return
    if not got and report.skips["malformed_json"]:  # no longer valid JSON: a bad file, reported
        STATS["invalid documents"] += 1
        return
    if not sum(report.skips.values()):
        STATS["accepted"] += 1
        return
    f.write_bytes(dumps(without(doc, path)))
    want, _ = staged(f)
    assert same(got, want), f"a skipped item changed the totals:\n{got}\n{want}"
    STATS["checked"] += 1


def csv_rows(name: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO((DATA / name).read_text())))
    return rows[0], rows[1:]


def write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")
