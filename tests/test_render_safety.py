"""Output safety: log text is untrusted, so every writer makes it inert for where it goes.
CSV cells that a spreadsheet would run as formulas get a leading ``'``; table and markdown
cells lose what a terminal would act on, are never read as rich markup, and long text is
shortened there (json and csv keep it whole)."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pytest

from taskcost import render


def rendered(table: pa.Table, fmt: str, layout: render.Layout | None = None) -> str:
    out = io.StringIO()
    render.write(table, fmt, out, layout or render.Layout(cost_columns=()))
    return out.getvalue()


def csv_rows(table: pa.Table) -> list[list[str]]:
    return list(csv.reader(io.StringIO(rendered(table, "csv"), newline="")))


# --- csv: formulas neutralised, numbers left alone ---

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", '=HYPERLINK("http://x","y")']
NUMBERS_AS_TEXT = ["-12.5", "+3", "-1e5", "-.5", "+0.25E-3", "-7"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_csv_cell_that_is_a_formula_gets_a_leading_quote(text: str) -> None:
    rows = csv_rows(pa.table({"name": [text]}))
    assert rows[1] == ["'" + text]


@pytest.mark.parametrize("text", NUMBERS_AS_TEXT)
def test_a_number_written_as_text_stays_as_is(text: str) -> None:
    assert csv_rows(pa.table({"name": [text]}))[1] == [text]


@pytest.mark.parametrize("text", ["plain", "", "a=b", "x-1", "'=already", " =lead space", "—"])
def test_other_text_is_unchanged(text: str) -> None:
    assert csv_rows(pa.table({"name": [text]}))[1] == [text]


def test_numeric_columns_are_never_touched() -> None:
    table = pa.table(
        {
            "n": pa.array([-5, 0, 3], pa.int64()),
            "x": pa.array([-12.5, -1e-9, 2.0], pa.float64()),
            "d": pa.array([-1, 2, 3], pa.decimal128(10, 0)),
        }
    )
    assert csv_rows(table)[1:] == [["-5", "-12.5", "-1"], ["0", "-1e-09", "2"], ["3", "2.0", "3"]]


def test_list_cells_and_headers_are_neutralised_too() -> None:
    table = pa.table(
        {
            "=cmd": pa.array([["=x", "y"], ["a", "=b"]], pa.list_(pa.string())),
            "ids": pa.array([[-1, 2], [3]], pa.list_(pa.int64())),
        }
    )
    assert csv_rows(table) == [["'=cmd", "ids"], ["'=x;y", "-1;2"], ["a;=b", "3"]]


def test_a_carriage_return_never_starts_a_row() -> None:
    table = pa.table({"name": ["a\r=HYPERLINK(1)", "b"], "n": pa.array([1, 2], pa.int64())})
    assert csv_rows(table) == [["name", "n"], ["a\r=HYPERLINK(1)", "1"], ["b", "2"]]


def test_json_carries_the_text_exactly() -> None:
    names = [*FORMULAS, "-12.5", "\x1b[31mred", "[bold]x[/]"]
    rows = json.loads(rendered(pa.table({"name": names}), "json"))
    assert [r["name"] for r in rows] == names


# --- terminal_text ---


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"),  # OSC 8 hyperlink: its text stays
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # the same, ended by ST
        ("a\x1b]0;title\x07b", "ab"),  # window title
        ("\x9b31mred", "red"),  # 8-bit CSI
        ("\x9d0;title\x9cb", "b"),  # 8-bit OSC and ST
        ("abc\u202edef", "abcdef"),  # right-to-left override
        ("a\u2066b\u2069c\u202a\u202c", "abc"),  # isolates, embeddings
        ("ding\x07", "ding"),
        ("a\rb", "a b"),
        ("a\tb\nc\r\nd", "a b c  d"),
        ("x\x00\x08\x7f\x85\x80\x9ay", "x y"),  # C0, DEL, C1 (NEL is a line break)
        ("x\x1b(By", "xy"),  # another escape sequence
        ("\x1bP1$r\x1b\\after", "after"),  # DCS
        ("\x1b]0;unterminated\nnext", " next"),  # an unterminated OSC ends at the line
        ("trailing\x1b", "trailing"),
        ("ünïcödé ✓ — 日本", "ünïcödé ✓ — 日本"),
    ],
)
def test_terminal_text_strips_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert render.terminal_text(text) == shown


def test_terminal_text_strips_long_hostile_strings_whole() -> None:
    hostile = ("normal text " * 40 + "\x1b[1;31mred\x1b[0m \u202e\x1b]8;;http://x\x07l\x1b]8;;\x07\n") * 2000
    shown = render.terminal_text(hostile)
    assert "\x1b" not in shown and "\u202e" not in shown and shown.count("red") == 2000
    assert render.terminal_text("\x1b[" * 200_000) == ""


# --- table and markdown cells ---

HOSTILE = pa.table(
    {
        "name": ["[bold red]x[/]", "[/]", "\x1b[31mred\x1b[0m", "a\u202eb", "[link=http://x]y[/link]"],
        "n": pa.array([1, -2, 3, 4, 5], pa.int64()),
    }
)


def test_table_cells_are_text_never_markup() -> None:
    out = rendered(HOSTILE, "table", render.Layout(cost_columns=(), notes=["[/] note \x1b[2J"]))
    for literal in ("[bold red]x[/]", "[/]", "[link=http://x]y[/link]", "[/] note"):
        assert literal in out
    assert "\x1b" not in out and "\u202e" not in out
    assert " red " in out and "ab" in out


def test_table_headers_and_totals_are_text_too() -> None:
    layout = render.Layout(cost_columns=(), titles={"name": "[bold]Name[/]", "n": "[/]"}, totals=("n",))
    out = rendered(HOSTILE, "table", layout)
    assert "[bold]Name[/]" in out and "Total" in out and "11" in out


def test_markdown_cells_lose_control_characters() -> None:
    out = rendered(HOSTILE, "markdown")
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\[bold red\\]x\\[/\\]" in out  # markdown_text escapes the brackets


LONG = "p/" + "x" * 298


def test_long_text_is_shortened_in_table_and_markdown_only() -> None:
    table = pa.table({"name": [LONG], "n": pa.array([123_456_789_012], pa.int64())})
    for fmt in ("table", "markdown"):
        out = rendered(table, fmt)
        assert LONG not in out, fmt
        assert LONG[:79] + "…" in out, fmt
        assert "123,456,789,012" in out, fmt  # numbers intact
    assert json.loads(rendered(table, "json"))[0]["name"] == LONG
    assert csv_rows(table)[1] == [LONG, "123456789012"]


def test_long_text_in_a_list_cell_is_shortened_and_the_limit_can_change() -> None:
    models = pa.table({"models": pa.array([["m" * 60, "n" * 60]], pa.list_(pa.string()))})
    assert "n" * 60 not in rendered(models, "table")
    layout = render.Layout(cost_columns=(), max_text=None)
    assert "n" * 60 in rendered(models, "table", layout)
    assert "x" * 30 + "…" in rendered(pa.table({"name": [LONG]}), "table", render.Layout(max_text=33))


def test_evidence_sentences_are_never_shortened() -> None:
    evidence = "2026-10-29 to 2026-10-31: 2,400,000 tokens a day, " + "46.0x the 52,174 a day " * 4
    out = rendered(pa.table({"evidence": [evidence]}), "markdown")
    assert evidence.strip() in out


# --- the ingest summary ---


def test_the_ingest_summary_prints_hostile_file_names_inert(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import invoke

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "x\x1b]0;pwned\x07\x1b[2J.jsonl").write_text("not a log\n")
    result = invoke("ingest", str(logs))
    assert result.exit_code == 0, result.stderr
    assert "not recognised" in result.stderr
    assert "x.jsonl" in result.stderr  # the name, without what a terminal would act on
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
