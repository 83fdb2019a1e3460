"""Prices: genai-prices looked up once per key and applied in SQL, exactly as calc_price."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from builders import assistant
from conftest import ingest, invoke, jsonl, query
from genai_prices import Usage, calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from taskcost import pricing
from taskcost.errors import TaskcostError
from taskcost.pricing import PriceKey, load_overrides, resolve

MODELS = [
    "claude-opus-4-6",  # tiered before 2026-03-13, flat after
    "claude-sonnet-4-5-20250929",  # tiered at 200k
    "claude-sonnet-4-6",
    "claude-opus-4-7",
    "claude-haiku-4-5-20251001",
    "claude-3-5-haiku-latest",
    "gpt-5.4",  # tiered at 272k
    "gpt-5.6-luna",
]


def cost_from_rows(rows: list[dict], inp: int, read: int, w5: int, w1: int, out: int, web: int = 0) -> float:
    """A request's cost from the tier rows, worked by hand, to state the rules plainly
    (the warehouse's SQL is checked against genai-prices below)."""
    ctx = inp + read + w5 + w1
    row = next(r for r in rows if ctx > r["tier_start"] and (r["tier_end"] is None or ctx <= r["tier_end"]))
    return (
        (
            inp * row["input_mtok"]
            + read * row["cache_read_mtok"]
            + w5 * row["cache_write_5m_mtok"]
            + w1 * row["cache_write_1h_mtok"]
            + out * row["output_mtok"]
        )
        / 1e6
        + web * row["web_search_each"]
        + row["request_each"]
    )


REQUEST = st.fixed_dictionaries(
    {
        "model": st.sampled_from(MODELS),
        "day": st.dates(min_value=date(2025, 6, 1), max_value=date(2026, 11, 30)),
        "input_tokens": st.integers(0, 60_000),
        "cache_read_tokens": st.integers(0, 600_000),
        "cache_write_5m_tokens": st.integers(0, 50_000),
        "cache_write_1h_tokens": st.integers(0, 50_000),
        "output_tokens": st.integers(0, 40_000),
        "web_search_requests": st.integers(0, 3),
    }
)


def price_with_the_warehouse_sql(requests: list[dict]) -> list[float | None]:
    """Cost of each request by the warehouse's own price_requests.sql and price table."""
    import duckdb
    import pyarrow as pa

    from taskcost.warehouse import sql

    rows = [
        {
            **{k: r[k] for k in r if k != "day"},
            "provider": None,
            "speed": None,
            "service_tier": None,
            "reasoning_tokens": None,
            "reported_cost_usd": None,
            "cost_usd": None,
            "cost_source": None,
            "n": n,
            "ts": datetime.combine(r["day"], datetime.min.time(), tzinfo=UTC).replace(hour=13),
            "context_tokens": r["input_tokens"]
            + r["cache_read_tokens"]
            + r["cache_write_5m_tokens"]
            + r["cache_write_1h_tokens"],
        }
        for n, r in enumerate(requests)
    ]
    keys = sorted({(r["model"], r["day"]) for r in requests})
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("to_price", pa.Table.from_pylist(rows))
    con.register(
        "price_rates", pricing.price_table([PriceKey(None, m, d, None, None) for m, d in keys], None)
    )
    out = con.sql(f"SELECT n, cost_usd FROM ({sql('price_requests')}) ORDER BY n").fetchall()
    return [c for _, c in out]


@settings(max_examples=40, deadline=None)
@given(requests=st.lists(REQUEST, min_size=1, max_size=40))
def test_warehouse_costs_equal_genai_prices_calc_price(requests: list[dict]) -> None:
    """The SQL that prices every request agrees with genai_prices.calc_price, request by
    request: tiers (cliff), date-effective prices, cache TTLs, web searches."""
    ours = price_with_the_warehouse_sql(requests)
    for r, cost in zip(requests, ours, strict=True):
        ctx = (
            r["input_tokens"]
            + r["cache_read_tokens"]
            + r["cache_write_5m_tokens"]
            + r["cache_write_1h_tokens"]
        )
        ref = calc_price(
            # genai-prices counts input including cache reads and writes
            Usage(
                input_tokens=ctx,
                cache_read_tokens=r["cache_read_tokens"],
                cache_write_tokens=r["cache_write_5m_tokens"] + r["cache_write_1h_tokens"],
                cache_write_1h_tokens=r["cache_write_1h_tokens"],
                output_tokens=r["output_tokens"],
                web_searches=r["web_search_requests"],
            ),
            r["model"],
            genai_request_timestamp=datetime.combine(r["day"], datetime.min.time(), tzinfo=UTC),
        ).total_price
        assert cost == pytest.approx(float(ref), rel=1e-12, abs=1e-12), r


def test_long_context_reprices_the_whole_request() -> None:
    rows = resolve(PriceKey(None, "claude-sonnet-4-5-20250929", date(2026, 2, 10), None, None)).rows
    at_threshold = cost_from_rows(rows, 0, 200_000, 0, 0, 1000)
    above = cost_from_rows(rows, 0, 200_001, 0, 0, 1000)
    assert at_threshold == pytest.approx(200_000 * 0.3e-6 + 1000 * 15e-6)
    # one token more and every token pays the long-context rate, output included
    assert above == pytest.approx(200_001 * 0.6e-6 + 1000 * 22.5e-6)


def test_prices_are_date_effective() -> None:
    before = resolve(PriceKey(None, "claude-opus-4-6", date(2026, 3, 12), None, None)).rows
    after = resolve(PriceKey(None, "claude-opus-4-6", date(2026, 3, 13), None, None)).rows
    assert [r["tier_start"] for r in before] == [-1, 200_000]
    assert [r["tier_start"] for r in after] == [-1]


def test_unknown_model_is_unpriced_with_a_reason() -> None:
    r = resolve(PriceKey(None, "acme/coder-large-2", date(2026, 11, 1), None, None))
    assert r.rows == [] and "acme/coder-large-2" in (r.unpriced_reason or "")


def test_fast_mode_without_a_fast_price_is_unpriced_not_standard() -> None:
    assert resolve(PriceKey(None, "claude-opus-4-6", date(2026, 2, 20), "fast", None)).unpriced_reason
    fast = resolve(PriceKey(None, "claude-opus-4-8", date(2026, 11, 2), "fast", None)).rows[0]
    assert fast["input_mtok"] == 10 and fast["output_mtok"] == 50


def test_priority_tier_without_a_variant_keeps_the_list_price() -> None:
    r = resolve(PriceKey(None, "claude-opus-4-7", date(2026, 11, 2), None, "priority"))
    assert r.unpriced_reason is None and r.rows[0]["input_mtok"] == 5
    assert "list (standard) price" in r.notes[0]


def test_openai_priority_without_a_variant_is_unpriced_not_standard() -> None:
    """OpenAI bills priority processing (Codex "fast") at a premium per token: the
    standard price would understate it."""
    before = resolve(PriceKey("openai", "gpt-5.5", date(2026, 10, 1), None, "priority"))
    assert before.rows == [] and "priority" in (before.unpriced_reason or "")
    after = resolve(PriceKey("openai", "gpt-5.5", date(2026, 10, 15), None, "priority")).rows[0]
    assert after["input_mtok"] == 12.5 and after["output_mtok"] == 75


def test_token_types_without_a_price_fall_back_like_genai_prices() -> None:
    # no 1-hour price: 1-hour writes pay the (5-minute) cache-write price
    minimax = resolve(PriceKey("minimax", "MiniMax-M2", date(2026, 1, 1), None, None)).rows[0]
    assert minimax["cache_write_1h_mtok"] == minimax["cache_write_5m_mtok"] == pytest.approx(0.375)
    # no cache-write price at all: writes pay the input price
    gpt = resolve(PriceKey(None, "gpt-5.4", date(2026, 1, 1), None, None)).rows[0]
    assert gpt["cache_write_5m_mtok"] == gpt["cache_write_1h_mtok"] == gpt["input_mtok"]


def write_prices(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "prices.toml"
    p.write_text(text)
    return p


def test_override_multiplier_scales_every_rate(tmp_path: Path) -> None:
    ov = load_overrides(write_prices(tmp_path, '[[price]]\nmodel = "claude-opus-4-*"\nmultiplier = 0.8\n'))
    r = resolve(PriceKey(None, "claude-opus-4-7", date(2026, 5, 1), None, None), ov)
    assert r.rows[0]["input_mtok"] == pytest.approx(4.0)
    assert r.rows[0]["cache_write_1h_mtok"] == pytest.approx(8.0)
    assert "× 0.8" in r.price_source and "prices.toml#1" in r.price_source


def test_override_prices_an_internal_model_with_a_tier(tmp_path: Path) -> None:
    ov = load_overrides(
        write_prices(
            tmp_path,
            """
[[price]]
model = "acme/coder-large-2"
from = 2026-01-01
input_mtok = 1.0
output_mtok = 4.0
cache_read_mtok = 0.1
[[price.tier]]
start = 100000
input_mtok = 2.0
output_mtok = 8.0
""",
        )
    )
    rows = resolve(PriceKey(None, "acme/coder-large-2", date(2026, 11, 1), None, None), ov).rows
    assert cost_from_rows(rows, 1000, 0, 0, 0, 1000) == pytest.approx(0.005)
    assert cost_from_rows(rows, 100_001, 0, 0, 0, 1000) == pytest.approx(100_001 * 2e-6 + 1000 * 8e-6)
    # before the entry's start date it does not apply
    assert resolve(PriceKey(None, "acme/coder-large-2", date(2025, 12, 31), None, None), ov).unpriced_reason


def test_first_matching_override_wins(tmp_path: Path) -> None:
    ov = load_overrides(
        write_prices(
            tmp_path,
            '[[price]]\nmodel = "claude-opus-4-7"\nmultiplier = 0.5\n'
            '[[price]]\nmodel = "claude-*"\nmultiplier = 0.9\n',
        )
    )
    assert (
        resolve(PriceKey(None, "claude-opus-4-7", date(2026, 5, 1), None, None), ov).rows[0]["input_mtok"]
        == 2.5
    )
    assert resolve(PriceKey(None, "claude-sonnet-4-6", date(2026, 5, 1), None, None), ov).rows[0][
        "input_mtok"
    ] == pytest.approx(2.7)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[price]]\nmultiplier = 0.5\n", "`model` is required"),
        ('[[price]]\nmodel = "x"\n', "either `multiplier` or prices"),
        ('[[price]]\nmodel = "x"\nmultiplier = 0.5\ninput_mtok = 1\n', "either `multiplier` or prices"),
        ('[[price]]\nmodel = "x"\ninput_mtok = -1\n', "non-negative"),
        ('[[price]]\nmodel = "x"\ninptu_mtok = 1\n', "unknown keys"),
        ("[[price]\n", "not valid TOML"),
        ('[[prices]]\nmodel = "x"\nmultiplier = 1\n', "unknown tables"),
        ('[[price]]\nmodel = "x"\ninput_mtok = 1.0\n', "need at least `input_mtok` and `output_mtok`"),
        ('[[price]]\nmodel = "x"\ninput_mtok = inf\noutput_mtok = 1\n', "finite"),
        ('[[price]]\nmodel = "x"\nmultiplier = nan\n', "finite"),
        ('[[price]]\nmodel = ["x"]\nmultiplier = 1\n', "`model` must be a string"),
        ('[[price]]\nmodel = "x"\ninput_mtok = 1\noutput_mtok = 1\ntier = {start = 5}\n', "array of tables"),
        (
            '[[price]]\nmodel = "x"\ninput_mtok = 1\noutput_mtok = 1\n[[price.tier]]\nstart = true\n',
            "integer",
        ),
        ('[[price]]\nmodel = "x"\nmultiplier = 1\nfrom = 2026-02-01\nuntil = 2026-01-01\n', "after `until`"),
    ],
)
def test_bad_prices_files_give_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TaskcostError, match=message):
        load_overrides(write_prices(tmp_path, text))


def test_ingest_with_prices_file_reprices_and_remembers_it(tmp_path: Path) -> None:
    f = jsonl(
        tmp_path / "logs" / "s.jsonl",
        [
            assistant(
                "msg_1",
                "2026-11-02T10:00:00.000Z",
                model="claude-opus-4-7",
                inp=0,
                read=0,
                w5=0,
                w1=0,
                out=1_000_000,
            )
        ],
    )
    ingest(f)
    assert query("SELECT cost_usd FROM requests") == [{"cost_usd": 25.0}]
    prices = write_prices(tmp_path, '[[price]]\nmodel = "claude-opus-4-7"\nmultiplier = 0.8\n')
    result = invoke("--prices", str(prices), "ingest", str(f))
    assert result.exit_code == 0 and "re-priced" in result.stderr
    assert query("SELECT cost_usd FROM requests") == [{"cost_usd": 20.0}]
    # the override stays in force for later runs without --prices
    f.write_text(f.read_text() + f.read_text().replace("msg_1", "msg_2"))
    ingest(f)
    assert query("SELECT sum(cost_usd) AS c FROM requests") == [{"c": 40.0}]
    assert "prices.toml#1" in query("SELECT DISTINCT price_source FROM prices")[0]["price_source"]


def test_sql_cost_matches_python_rates_and_reports_unpriced(tmp_path: Path) -> None:
    f = jsonl(
        tmp_path / "logs" / "s.jsonl",
        [
            assistant(
                "msg_1",
                "2026-02-10T10:00:00.000Z",
                model="claude-sonnet-4-5-20250929",
                inp=10,
                read=240_000,
                w5=5_000,
                w1=5_000,
                out=2_000,
            ),
            assistant(
                "msg_2",
                "2026-02-10T10:01:00.000Z",
                model="acme/coder-large-2",
                req=None,
                inp=50_000,
                read=0,
                w5=0,
                w1=0,
                out=100,
            ),
        ],
    )
    ingest(f)
    rows = resolve(PriceKey(None, "claude-sonnet-4-5-20250929", date(2026, 2, 10), None, None)).rows
    expected = cost_from_rows(rows, 10, 240_000, 5_000, 5_000, 2_000)
    got = query("SELECT model, cost_usd, cost_source FROM requests ORDER BY ts")
    assert got[0]["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert got[1] == {"model": "acme/coder-large-2", "cost_usd": None, "cost_source": "unpriced"}


def test_prices_command_explains_the_applicable_price() -> None:
    result = invoke("prices", "claude-opus-4-6", "--date", "2026-02-01")
    assert result.exit_code == 0
    assert "anthropic / claude-opus-4-6" in result.stdout and "genai-prices" in result.stdout
    assert "200,000" in result.stdout  # the long-context tier in force on that date
    unknown = invoke("prices", "acme/coder-large-2", "--format", "json")
    assert unknown.exit_code == 0 and '"unpriced_reason"' in unknown.stdout


def test_the_kept_copy_of_the_prices_file_is_used_even_if_the_original_changes(tmp_path: Path) -> None:
    f = jsonl(
        tmp_path / "logs" / "s.jsonl",
        [
            assistant(
                "msg_1",
                "2026-11-02T10:00:00.000Z",
                model="acme/internal",
                req=None,
                inp=1_000_000,
                read=0,
                w5=0,
                w1=0,
                out=0,
            )
        ],
    )
    prices = write_prices(
        tmp_path, '[[price]]\nmodel = "acme/internal"\ninput_mtok = 2.0\noutput_mtok = 8.0\n'
    )
    assert invoke("--prices", str(prices), "ingest", str(f)).exit_code == 0
    assert query("SELECT cost_usd FROM requests") == [{"cost_usd": 2.0}]
    # edited, then deleted: later runs keep pricing with the copy the warehouse kept
    prices.write_text('[[price]]\nmodel = "acme/internal"\ninput_mtok = 99.0\noutput_mtok = 99.0\n')
    f.write_text(f.read_text() + f.read_text().replace("msg_1", "msg_2"))
    ingest(f)
    prices.unlink()
    f.write_text(f.read_text() + f.read_text().splitlines()[0].replace("msg_1", "msg_3") + "\n")
    result = ingest(f)
    assert "re-priced" not in result.stderr
    assert query("SELECT sum(cost_usd) AS c FROM requests") == [{"c": 6.0}]
    # and `taskcost prices` shows the price in force in this warehouse
    shown = invoke("prices", "acme/internal", "--format", "json")
    assert '"input_mtok": 2.0' in shown.stdout and "prices.toml#1" in shown.stdout
