"""Golden outputs of every report in every format, on the bundled sample logs.

Regenerate with TASKCOST_UPDATE_GOLDEN=1 and read the diff before committing.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from conftest import SAMPLE_LOGS, assert_golden, ingest, invoke

from taskcost import render


@pytest.fixture
def sample() -> None:
    ingest(SAMPLE_LOGS)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
@pytest.mark.parametrize("report", ["daily", "sessions"])
def test_report_golden(sample: None, report: str, fmt: str) -> None:
    result = invoke(report, "--format", fmt, "--timezone", "America/New_York")
    assert result.exit_code == 0, result.stderr
    assert_golden(f"sample_{report}.{'txt' if fmt == 'table' else fmt}", result.stdout)


def test_table_shows_totals_and_unpriced_never_zero(sample: None) -> None:
    out = invoke("daily", "--timezone", "UTC").stdout
    assert "Total" in out and "$3.71 +3 unpriced" in out
    assert "Unpriced (not in the cost above): acme/coder-large-2: 3 requests, 58,381 tokens" in out
    assert "$0.00" not in out


AWKWARD = pa.table(
    {
        "name": ["plain", "with,comma", 'quote "q"', "ünïcödé ✓", None],
        "n": pa.array([1, 1_234_567, 0, None, -5], pa.int64()),
        "cost_usd": [0.1 + 0.2, None, 12.5, 1e-9, None],
        "unpriced_requests": pa.array([0, 2, 0, 0, 1], pa.int64()),
        "day": [date(2026, 11, 3)] * 4 + [None],
        "at": pa.array(
            [datetime(2026, 11, 3, 23, 30, 0, 123000, tzinfo=UTC)] * 5, pa.timestamp("us", tz="UTC")
        ),
        "ok": [True, False, None, True, False],
    }
)


@pytest.mark.parametrize("fmt", render.FORMATS)
def test_awkward_values_in_every_format(fmt: str) -> None:
    out = io.StringIO()
    render.write(
        AWKWARD, fmt, out, render.Layout(tz="Europe/Paris", totals=("n", "cost_usd", "unpriced_requests"))
    )
    assert_golden(f"awkward.{'txt' if fmt == 'table' else fmt}", out.getvalue())
