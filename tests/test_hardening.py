"""Bad input costs a line or a file, never the run, and no hostile value moves a total.

One test per finding of the reliability probe (issue "Hardening", RELIABILITY.md): each
failed before the fix (a traceback, a blocked run, a wrong total).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from builders import assistant, user
from conftest import DATA, invoke, jsonl, query, skip_counts, totals

from taskcost import ingest as ing


def run_ingest(*paths: Path | str, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    result = invoke("ingest", "--user", "tester", "--machine", "box", *extra, *map(str, paths))
    return result.exit_code, result.stderr


def two_requests(path: Path) -> Path:
    return jsonl(
        path,
        [
            assistant("msg_a", "2026-11-02T10:00:00.000Z", req="r_a", out=10),
            assistant("msg_b", "2026-11-02T10:00:01.000Z", req="r_b", out=20),
        ],
    )


# --- 1. a bad line is a skipped line ---


def test_invalid_utf8_in_a_claude_code_text_block_is_one_skipped_line(tmp_path: Path) -> None:
    f = two_requests(tmp_path / "logs" / "s.jsonl")
    bad = json.dumps(user([{"type": "text", "text": "hi XX"}], "2026-11-02T10:00:02.000Z")).encode()
    with f.open("ab") as fh:
        fh.write(bad.replace(b"XX", b"\xff\xfe") + b"\n")
        fh.write(
            json.dumps(assistant("msg_c", "2026-11-02T10:00:03.000Z", req="r_c", out=5)).encode() + b"\n"
        )
    code, stderr = run_ingest(f)
    assert code == 0, stderr
    assert skip_counts(stderr) == {"malformed_json": 1}
    assert totals()["requests"] == 3 and totals()["output_tokens"] == 35


def test_invalid_utf8_in_an_otel_string_value_is_one_skipped_record(tmp_path: Path) -> None:
    from test_otel import api_request, export

    good = api_request(1, "2026-10-09T09:30:15Z", "req_OK", inp=1, read=2, write=3, out=4)
    bad = api_request(2, "2026-10-09T09:30:16Z", "req_BAD", inp=1, read=2, write=3, out=4)
    f = tmp_path / "o.jsonl"
    line = json.dumps(export(bad)).encode().replace(b"req_BAD", b"req_\x80AD")
    f.write_bytes(json.dumps(export(good)).encode() + b"\n" + line + b"\n")
    code, stderr = run_ingest(f)
    assert code == 0, stderr
    assert sum(skip_counts(stderr).values()) == 1 and "malformed_json" in skip_counts(stderr)
    assert totals()["requests"] == 1


def test_a_utf8_bom_does_not_cost_the_first_line(tmp_path: Path) -> None:
    rollout = (DATA / "codex" / "model_change.jsonl").read_bytes()
    f = tmp_path / "rollout-2026-10-07T08-00-00-019a1111-0000-7000-8000-000000000003.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + rollout)
    code, stderr = run_ingest(f)
    assert code == 0 and not skip_counts(stderr), stderr
    # session_meta was read: the session has its id and project, not the file's name
    rows = query("SELECT DISTINCT session_id, project FROM requests")
    assert rows == [{"session_id": "019a1111-0000-7000-8000-000000000003", "project": "ledger"}]


@pytest.mark.parametrize("blank", [b"\n", b"  \r\n"], ids=["empty", "whitespace"])
def test_a_glued_line_is_skipped_even_beside_a_blank_line(tmp_path: Path, blank: bytes) -> None:
    """Two records written on one line (glued) are one malformed line, whatever else the
    file holds: a blank line in the same block once balanced the count of the block's
    one-call decode, so the glued records were used and line numbers shifted (found by
    the fuzz harness)."""
    a = json.dumps(assistant("msg_a", "2026-11-02T10:00:00.000Z", req="r_a", out=10)).encode()
    b = json.dumps(assistant("msg_b", "2026-11-02T10:00:01.000Z", req="r_b", out=20)).encode()
    c = json.dumps(assistant("msg_c", "2026-11-02T10:00:02.000Z", req="r_c", out=40)).encode()
    f = tmp_path / "glued.jsonl"
    f.write_bytes(a + b"\n" + blank + b + c + b"\n")
    code, stderr = run_ingest(f)
    assert code == 0, stderr
    assert skip_counts(stderr) == {"malformed_json": 1}
    assert "glued.jsonl:3" in stderr  # the glued line, by its own number
    assert totals()["output_tokens"] == 10


def test_a_first_line_too_long_to_sniff_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ing, "MAX_SNIFF_LINE", 4096)
    f = tmp_path / "s.jsonl"
    long = user("x" * 10_000, "2026-11-02T09:59:59.000Z")
    jsonl(f, [long, assistant("msg_a", "2026-11-02T10:00:00.000Z", req="r_a", out=10)])
    code, stderr = run_ingest(f)
    assert code == 0 and totals()["requests"] == 1, stderr  # recognised by its second line


def test_a_file_of_only_lines_too_long_to_sniff_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ing, "MAX_SNIFF_LINE", 4096)
    f = jsonl(tmp_path / "s.jsonl", [user("x" * 10_000, "2026-11-02T09:59:59.000Z")])
    code, stderr = run_ingest(f)
    assert code == 0
    assert "its first lines are over " in stderr and "MiB each: pass --source NAME to read it" in stderr


# --- 1. a bad file is a reported file ---


def test_symlink_loops_and_dangling_links_are_reported_and_the_rest_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    two_requests(logs / "good.jsonl")
    os.symlink("self.jsonl", logs / "self.jsonl")
    os.symlink("b.jsonl", logs / "a.jsonl")
    os.symlink("a.jsonl", logs / "b.jsonl")
    os.symlink("nowhere.jsonl", logs / "dangling.jsonl")
    code, stderr = run_ingest(logs)
    assert code == 0, stderr
    assert "cannot be read, not read: 4 files" in stderr
    assert f"{logs / 'self.jsonl'}: a symbolic link that loops" in stderr
    assert f"{logs / 'dangling.jsonl'}: a symbolic link to nothing" in stderr
    assert totals()["requests"] == 2
    code, stderr = run_ingest(logs, extra=("--strict",))
    assert code != 0 and "paths that cannot be read" in stderr


def test_a_looping_link_given_as_the_path_is_reported(tmp_path: Path) -> None:
    os.symlink("x.jsonl", tmp_path / "x.jsonl")
    good = two_requests(tmp_path / "good.jsonl")
    code, stderr = run_ingest(tmp_path / "x.jsonl", good)
    assert code == 0 and "a symbolic link that loops" in stderr
    assert totals()["requests"] == 2


def test_a_fifo_is_reported_not_opened(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: the run would hang for ever."""
    logs = tmp_path / "logs"
    two_requests(logs / "good.jsonl")
    os.mkfifo(logs / "pipe.jsonl")
    os.mkfifo(tmp_path / "given.jsonl")
    code, stderr = run_ingest(logs, tmp_path / "given.jsonl")
    assert code == 0, stderr
    assert f"{logs / 'pipe.jsonl'}: not a regular file (a FIFO)" in stderr
    assert f"{tmp_path / 'given.jsonl'}: not a regular file (a FIFO)" in stderr
    assert totals()["requests"] == 2


def test_a_path_that_does_not_exist_is_still_an_error(tmp_path: Path) -> None:
    code, stderr = run_ingest(tmp_path / "missing.jsonl")
    assert code == 1 and "no such file or directory" in stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run as nobody")
def test_unreadable_files_and_folders_are_reported_for_a_normal_user(tmp_path: Path) -> None:
    """Run as ``nobody``: a mode-000 file and folder are reported, the rest is read."""
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="taskcost-perm-"))
    try:
        top.chmod(0o777)
        logs = top / "logs"
        two_requests(logs / "good.jsonl")
        two_requests(logs / "locked.jsonl").chmod(0)
        (logs / "closed").mkdir()
        two_requests(logs / "closed" / "inner.jsonl")
        (logs / "closed").chmod(0)
        logs.chmod(0o755)
        (logs / "good.jsonl").chmod(0o644)
        env = {**os.environ, "TASKCOST_HOME": str(top / "wh"), "HOME": str(top)}
        proc = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "taskcost"]
            + ["ingest", "--user", "t", "--machine", "m", str(logs)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=top,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"{logs / 'locked.jsonl'}: cannot be read: Permission denied" in proc.stderr
        assert f"{logs / 'closed'}: cannot list this folder: Permission denied" in proc.stderr
        assert "requests: 2 new" in proc.stderr
    finally:
        for p in top.rglob("*"):
            if not p.is_symlink():
                p.chmod(0o700)
        shutil.rmtree(top)


def test_a_parser_error_costs_its_file_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in a source (an error no guard expected) is reported with the file, whose
    rows are dropped and whose catalog entry is not advanced: the next run reads it."""
    logs = tmp_path / "logs"
    two_requests(logs / "good.jsonl")
    bad = two_requests(logs / "bad.jsonl")
    real = ing.SOURCES["claude_code"].parse_chunk

    def parse(chunk: object, state: object, rows: object) -> object:
        if chunk.path == str(bad):  # type: ignore[attr-defined]
            raise RuntimeError("boom")
        return real(chunk, state, rows)

    with monkeypatch.context() as m:
        m.setattr(ing.SOURCES["claude_code"], "parse_chunk", parse)
        code, stderr = run_ingest(logs)
    assert code == 0, stderr
    assert "failed, read again next run: 1 file" in stderr and "RuntimeError: boom" in stderr
    code, stderr = run_ingest(logs)
    assert "read 1 of 2 files" in stderr
    assert totals()["requests"] == 2  # the same two requests in both files: deduped


# --- 1. exports: hostile values are skipped rows, not crashes ---


def _anthropic_cost(**change: object) -> dict[str, object]:
    doc = json.loads((DATA / "anthropic_admin" / "cost_report.json").read_text())
    doc["data"][0]["results"][0].update(change)
    return doc


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"model": 1.5}, "unexpected_shape"),
        ({"model": True}, "unexpected_shape"),
        ({"model": []}, "unexpected_shape"),
        ({"cost_type": 7}, "unexpected_shape"),
        ({"amount": "sNaN"}, "missing_field"),
        ({"amount": "NaN"}, "missing_field"),
        ({"amount": "Infinity"}, "missing_field"),
        ({"amount": "1e400"}, "out_of_range"),
    ],
)
def test_anthropic_cost_rows_with_hostile_values_are_skipped(
    change: dict[str, object], reason: str, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(_anthropic_cost()))
    code, _ = run_ingest(clean)
    rows = query("SELECT count(*) AS n, sum(amount_usd) AS usd FROM org_cost")[0]
    first = float(json.loads(clean.read_text())["data"][0]["results"][0]["amount"]) / 100
    shutil.rmtree(os.environ["TASKCOST_HOME"])
    page = tmp_path / "page.json"
    page.write_text(json.dumps(_anthropic_cost(**change)))
    code, stderr = run_ingest(page)
    assert code == 0 and skip_counts(stderr) == {reason: 1}, stderr
    after = query("SELECT count(*) AS n, sum(amount_usd) AS usd FROM org_cost")[0]
    assert after["n"] == rows["n"] - 1 and after["usd"] == pytest.approx(rows["usd"] - first)
    reconcile = invoke("reconcile", "--format", "csv")
    assert "inf" not in reconcile.stdout.lower() and "nan" not in reconcile.stdout.lower()


def test_anthropic_usage_count_beyond_int64_is_skipped(tmp_path: Path) -> None:
    doc = json.loads((DATA / "anthropic_admin" / "messages_usage_hourly.json").read_text())
    doc["data"][0]["results"][0]["output_tokens"] = 2**63
    page = tmp_path / "page.json"
    page.write_text(json.dumps(doc))
    code, stderr = run_ingest(page)
    assert code == 0 and skip_counts(stderr) == {"missing_field": 1}, stderr


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"line_item": 5}, "unexpected_shape"),
        ({"project_id": ["p"]}, "unexpected_shape"),
        ({"amount": {"value": "12", "currency": "usd"}}, "missing_field"),
        ({"amount": {"value": 1e300, "currency": "usd"}}, "out_of_range"),
    ],
)
def test_openai_cost_rows_with_hostile_values_are_skipped(
    change: dict[str, object], reason: str, tmp_path: Path
) -> None:
    doc = json.loads((DATA / "openai_admin" / "costs.json").read_text())
    doc["data"][0]["results"][0].update(change)
    page = tmp_path / "page.json"
    page.write_text(json.dumps(doc))
    code, stderr = run_ingest(page)
    assert code == 0 and skip_counts(stderr) == {reason: 1}, stderr


def test_openai_usage_with_a_non_boolean_batch_or_huge_count_is_skipped(tmp_path: Path) -> None:
    folder = DATA / "openai_admin" / "completions_usage_grouped"
    page = sorted(folder.iterdir())[0]
    doc = json.loads(page.read_text())
    results = [r for b in doc["data"] for r in b["results"]]
    results[0]["batch"] = "yes"
    results[1]["input_tokens"] = 2**70
    out = tmp_path / "page.json"
    out.write_text(json.dumps(doc))
    code, stderr = run_ingest(out)
    assert code == 0 and skip_counts(stderr) == {"unexpected_shape": 1, "missing_field": 1}, stderr


# --- 2. no hostile value changes a total ---


SESSION = "019a1111-0000-7000-8000-00000000000f"


def _codex(tmp_path: Path, totals_in: list[tuple[int, int, int]]) -> Path:
    meta = {
        "timestamp": "2026-10-07T08:00:00.000Z",
        "type": "session_meta",
        "payload": {
            "id": "019a1111-0000-7000-8000-00000000000f",
            "cwd": "/src/p",
            "originator": "codex_cli_rs",
        },
    }
    ctx = {
        "timestamp": "2026-10-07T08:00:00.200Z",
        "type": "turn_context",
        "payload": {"turn_id": "t1", "cwd": "/src/p", "model": "gpt-5.5"},
    }
    lines: list[dict[str, object]] = [meta, ctx]
    for n, (inp, cached, out) in enumerate(totals_in, start=1):
        usage = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out}
        payload = {"type": "token_count", "info": {"total_token_usage": usage}}
        lines.append({"timestamp": f"2026-10-07T08:00:{n:02d}.000Z", "type": "event_msg", "payload": payload})
    return jsonl(tmp_path / "rollout-2026-10-07T08-00-00-019a1111-0000-7000-8000-00000000000f.jsonl", lines)


def _codex_totals() -> tuple[object, object, object]:
    t = totals()
    return t["input_tokens"], t["cache_read_tokens"], t["output_tokens"]


def test_a_rejected_codex_token_count_leaves_the_running_total_as_it_was(tmp_path: Path) -> None:
    f = _codex(tmp_path, [(1000, 100, 50), (-1, 200, 100), (3000, 300, 150)])
    code, stderr = run_ingest(f)
    assert code == 0 and skip_counts(stderr) == {"out_of_range": 1}, stderr
    assert _codex_totals() == (2700, 300, 150)  # as if the bad line were not there


def test_a_codex_delta_above_the_per_response_bound_is_rejected(tmp_path: Path) -> None:
    f = _codex(tmp_path, [(1000, 100, 50), (10**12, 200, 100), (3000, 300, 150)])
    code, stderr = run_ingest(f)
    assert code == 0 and skip_counts(stderr) == {"out_of_range": 1}, stderr
    assert _codex_totals() == (2700, 300, 150)


@pytest.mark.parametrize("value", [5 * 10**18, 2**63, 2**64 + 1])
def test_claude_code_split_cache_writes_are_bounded_without_a_total(value: int, tmp_path: Path) -> None:
    line = assistant("msg_x", "2026-11-02T10:00:02.000Z", req="r_x", w5=0, w1=0)
    line["message"]["usage"]["cache_creation_input_tokens"] = 0
    line["message"]["usage"]["cache_creation"]["ephemeral_5m_input_tokens"] = value
    f = two_requests(tmp_path / "s.jsonl")
    with f.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    code, stderr = run_ingest(f)
    assert code == 0 and skip_counts(stderr) == {"out_of_range": 1}, stderr
    assert totals()["requests"] == 2 and totals()["cache_write_5m_tokens"] == 0


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"costUSD": -1_000_000}, "reported_cost_usd"),
        ({"costUSD": 1e9}, "reported_cost_usd"),
        ({"timestamp": "2019-12-31T23:59:59.000Z"}, "time"),
        ({"timestamp": "2099-01-01T00:00:00.000Z"}, "time"),
    ],
)
def test_claude_code_implausible_costs_and_times_are_rejected(
    change: dict[str, object], column: str, tmp_path: Path
) -> None:
    line = assistant("msg_x", "2026-11-02T10:00:02.000Z", req="r_x", out=1000)
    line.update(change)
    f = two_requests(tmp_path / "s.jsonl")
    with f.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    code, stderr = run_ingest(f)
    assert code == 0 and skip_counts(stderr) == {"out_of_range": 1}, stderr
    assert totals()["output_tokens"] == 30


def test_litellm_negative_spend_and_reasoning_are_rejected(tmp_path: Path) -> None:
    rows = json.loads((DATA / "litellm" / "spend_logs.json").read_text())
    rows = rows if isinstance(rows, list) else rows["data"]
    n = len(rows)
    rows[0]["spend"] = -1_000_000
    page = tmp_path / "spend.json"
    page.write_text(json.dumps(rows))
    code, stderr = run_ingest(page)
    assert code == 0 and skip_counts(stderr) == {"out_of_range": 1}, stderr
    assert totals()["requests"] < n


def test_a_litellm_csv_row_cut_inside_a_quoted_cell_costs_only_itself(tmp_path: Path) -> None:
    text = (DATA / "litellm" / "spend_logs.csv").read_text()
    header, *records = text.splitlines(keepends=True)
    clean = tmp_path / "clean.csv"
    clean.write_text(text)
    run_ingest(clean)
    whole = totals()["requests"]
    shutil.rmtree(os.environ["TASKCOST_HOME"])
    cut = records[0][: records[0].index(',"') + 5] + "\n"  # ends inside an open quoted cell
    broken = tmp_path / "broken.csv"
    broken.write_text(header + cut + "".join(records[1:]))
    code, stderr = run_ingest(broken)
    assert code == 0, stderr
    assert totals()["requests"] == whole - 1  # the rows after the cut one are read
    assert sum(skip_counts(stderr).values()) == 1


# --- 1. interrupts ---


def test_parser_workers_ignore_ctrl_c_and_die_with_their_parent(tmp_path: Path) -> None:
    """The parent handles Ctrl-C once (one line, exit 130); a worker's own SIGINT is
    ignored, and after ``kill -9`` of the parent the workers exit by themselves."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context
        from taskcost import ingest

        pool = ProcessPoolExecutor(2, mp_context=get_context("fork"),
                                   initializer=ingest._worker_start, initargs=(os.getpid(),))
        futs = [pool.submit(time.sleep, 60) for _ in range(2)]
        time.sleep(1)
        print(" ".join(str(p) for p in pool._processes), flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(workers) == 2
        os.kill(workers[0], 2)  # SIGINT to a worker: ignored
        time.sleep(0.3)
        assert _alive(workers[0])
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    finally:
        proc.kill()


def test_a_real_ctrl_c_during_an_ingest_exits_130_in_one_line(tmp_path: Path) -> None:
    """A real SIGINT to a real ``taskcost ingest`` process while it parses: exit 130, one
    line on stderr, no traceback, and the warehouse as it was before the run."""
    first = two_requests(tmp_path / "first" / "a.jsonl")
    assert run_ingest(first)[0] == 0
    before = totals()
    second = two_requests(tmp_path / "second" / "b.jsonl")
    # the parser announces itself, then parses for a minute: the signal lands mid-parse
    script = textwrap.dedent(
        """
        import sys, time
        from taskcost import cli, ingest

        def slow(*args, **kwargs):
            print("parsing", flush=True)
            time.sleep(60)

        ingest._parse_task = slow
        sys.argv = ["taskcost", "ingest", "--user", "tester", "--machine", "box", "-j", "1", sys.argv[1]]
        cli.main()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(second)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell's background job inherits SIGINT ignored; a terminal's Ctrl-C is default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "parsing\n"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("\r")]
    assert proc.returncode == 130, err
    assert lines == ["taskcost: interrupted; the warehouse is unchanged"], err
    assert totals() == before


_WHILE_LOADING = """
class Interrupt:  # Ctrl-C lands while taskcost.cli is being imported
    def find_spec(self, name, path=None, target=None):
        if name == "taskcost.cli":
            raise KeyboardInterrupt

sys.meta_path.insert(0, Interrupt())
"""
_WHILE_READING_OPTIONS = """
from taskcost import cli

def interrupted(*args, **kwargs):  # Ctrl-C lands while click reads the options
    raise KeyboardInterrupt

cli.TaskcostGroup.make_context = interrupted
"""


@pytest.mark.parametrize("hook", [_WHILE_LOADING, _WHILE_READING_OPTIONS], ids=["loading", "options"])
def test_ctrl_c_while_the_command_starts_is_one_line_too(hook: str) -> None:
    """Ctrl-C in the first tenth of a second, outside any command (seen in the kill
    trials as a traceback from inside ``typing``, and as click's "Aborted!" and exit 1):
    one line, exit 130."""
    script = "import sys\n" + hook + "from taskcost.__main__ import main\nmain()\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip() == "taskcost: interrupted; the warehouse is unchanged"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) is gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
