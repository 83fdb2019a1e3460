"""Stream the complete lines of a byte range of a file, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

BLOCK = 4 << 20  # read 4 MiB at a time; a single longer line is assembled piecewise


@dataclass
class LineRange:
    """What a pass over ``[start, end)`` consumed; filled in as blocks are yielded."""

    lines: int = 0
    consumed_to: int = 0
    incomplete_tail: bool = False


def iter_blocks(path: str, start: int, end: int, out: LineRange) -> Iterator[tuple[bytes, int]]:
    """Yield ``(block, n)``: blocks of ``n`` complete lines (each ending with a newline)
    found in ``[start, end)``.

    ``start`` must be a line start. Bytes after the last newline before ``end`` are not
    yielded: ``out.incomplete_tail`` says whether there were any. Nothing past ``end`` is
    read, so a file that grows while it is read is cut at the size planned for this run.
    """
    out.consumed_to = start
    tail = b""
    with open(path, "rb", buffering=0) as f:
        f.seek(start)
        remaining = end - start
        while remaining > 0:
            block = f.read(min(BLOCK, remaining))
            if not block:  # the file shrank under us; stop at what is there
                break
            remaining -= len(block)
            data = tail + block if tail else block
            cut = data.rfind(b"\n") + 1
            tail = data[cut:]
            if cut:
                n = data.count(b"\n", 0, cut)
                out.lines += n
                out.consumed_to += cut
                yield (data[:cut] if tail else data), n
    out.incomplete_tail = bool(tail.strip())
    if tail and not out.incomplete_tail:
        # trailing whitespace without a newline holds no data: consume it
        out.consumed_to += len(tail)
