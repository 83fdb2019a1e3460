"""Stream the complete lines of a byte range of a file, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
BLOCK = 4 << 20  # read 4 MiB at a time; a single longer line is assembled piecewise


@dataclass
class LineRange:
    """What a pass over ``[start, end)`` consumed; filled in as blocks are yielded."""

    lines: int = 0
    consumed_to: int = 0
    incomplete_tail: bool = False


def iter_blocks(path: str, start: int, end: int, out: LineRange) -> Iterator[tuple[bytes | memoryview, int]]:
    """Yield ``(block, n)``: runs of ``n`` complete lines, each ending with a newline, found
    in ``[start, end)``. Blocks are views of the read buffer (no copy); use them before
    asking for the next one.

    ``start`` must be a line start. A UTF-8 byte-order mark at the start of the file is
    consumed, not yielded (editors on Windows write one; it would spoil the first line).
    Bytes after the last newline before ``end`` are not
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
            begin = 0
            if f.tell() == len(block) and block.startswith(BOM):  # the first block of the file
                begin = len(BOM)
                out.consumed_to += begin
            if tail:  # finish the line that straddles the previous block
                nl = block.find(b"\n")
                if nl < 0:
                    tail += block
                    continue
                line = tail + block[: nl + 1]
                tail = b""
                out.lines += 1
                out.consumed_to += len(line)
                yield line, 1
                begin = nl + 1
            cut = block.rfind(b"\n", begin) + 1
            if cut > begin:
                n = block.count(b"\n", begin, cut)
                out.lines += n
                out.consumed_to += cut - begin
                yield memoryview(block)[begin:cut], n
                tail = block[cut:]
            else:
                tail = block[begin:]
    out.incomplete_tail = bool(tail.strip())
    if tail and not out.incomplete_tail:
        # trailing whitespace without a newline holds no data: consume it
        out.consumed_to += len(tail)
