"""The plausible range of every number and time a log or export can give, decided once.

A value outside its range cannot be a real measurement: it is a broken or hostile line,
and ingest rejects the whole line (counted as ``out_of_range``) rather than store it —
one such value would otherwise move every total (5×10^18 cache-write tokens priced at
$31 trillion, a reported cost of −$1,000,000). The rule is by column type, so a column
added later is bounded without anyone remembering to:

- every integer column of ``requests`` and ``events`` is a count of one response (tokens,
  searches, context size): ``0 .. MAX_TOKENS``. The largest context window offered is
  10 million tokens; MAX_TOKENS is ten times that.
- every integer column of the vendor-export tables (``org_usage``, ``member_daily``) is a
  total over a time bucket of a whole organisation: ``0 .. MAX_BUCKET_COUNT``.
- a cost a log reports for one request (``reported_cost_usd``): ``0 .. MAX_REQUEST_USD``,
  finite. A 1-million-token prompt on the dearest model costs under $200.
- an amount on a bill (``amount_usd``): finite, within ``±MAX_BILL_USD`` (a credit or an
  adjustment can be negative); an estimate (``estimated_cost_usd``): ``0 .. MAX_BILL_USD``.
- every time: from ``EARLIEST`` (no coding agent logged before 2020) to one day after the
  moment of ingest (``LATEST_AHEAD``: clocks drift, a log from the future does not exist).
- signed or coded integers have their own range (``SIGNED``): an exit code is any 32-bit
  value, an HTTP status 0..999.

``taskcost.ingest`` applies these to every staged row (``_base.Rows.tables``); a source
needing a bound before that (Codex's running totals) uses the same constants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MAX_TOKENS = 10**8
MAX_BUCKET_COUNT = 10**15
MAX_REQUEST_USD = 10_000.0
MAX_BILL_USD = 10.0**9
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=1)

#: integer columns that are not counts: (low, high)
SIGNED = {
    "exit_code": (-(2**31), 2**32 - 1),
    "error_status": (0, 999),
}
#: float columns: (low, high)
AMOUNTS = {
    "reported_cost_usd": (0.0, MAX_REQUEST_USD),
    "amount_usd": (-MAX_BILL_USD, MAX_BILL_USD),
    "estimated_cost_usd": (0.0, MAX_BILL_USD),
}
#: columns of the staged rows that the runner itself fills (not from the log)
INTERNAL = frozenset({"chunk_id", "line_in_chunk"})
#: tables whose counts are bucket totals, not one response
BUCKET_TABLES = frozenset({"org_usage", "org_cost", "member_daily"})


def count_range(table: str, column: str) -> tuple[int, int]:
    """The range of an integer column of ``table``."""
    if column in SIGNED:
        return SIGNED[column]
    return 0, MAX_BUCKET_COUNT if table in BUCKET_TABLES else MAX_TOKENS


def time_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The range of every time column, as of ``now`` (default: this moment)."""
    return EARLIEST, (now or datetime.now(UTC)) + LATEST_AHEAD
