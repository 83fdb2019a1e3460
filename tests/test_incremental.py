"""Incremental, idempotent ingest: unchanged, grown, partial last line, rewritten files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from builders import assistant, chain, tool_result, user
from conftest import ingest, invoke, jsonl, query, skip_counts, totals

from taskcost import ingest as ing
from taskcost.warehouse import Warehouse, default_root


def manifest() -> dict:
    m = Warehouse(default_root()).manifest()
    assert m is not None
    return m


def session_file(tmp_path: Path, name: str = "s1.jsonl") -> Path:
    return jsonl(
        tmp_path / "logs" / name,
        chain(
            [
                user("add a health check endpoint", "2026-11-02T10:00:00.000Z", promptId="p-1"),
                assistant(
                    "msg_A",
                    "2026-11-02T10:00:05.000Z",
                    req="req_A",
                    out=40,
                    stop="tool_use",
                    block={"type": "tool_use", "id": "toolu_1", "name": "Edit", "input": {}},
                ),
                tool_result("toolu_1", "2026-11-02T10:00:06.000Z", promptId="p-1"),
                assistant("msg_B", "2026-11-02T10:00:09.000Z", req="req_B", out=60),
            ]
        ),
    )


def test_unchanged_files_are_not_read_and_nothing_is_committed(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    ingest(f)
    gen = manifest()["generation"]
    second = ingest(f)
    assert "read 0 of 1 files" in second.stderr and "1 unchanged" in second.stderr
    assert manifest()["generation"] == gen
    assert totals()["requests"] == 2


def test_grown_file_is_read_from_the_committed_offset(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    ingest(f)
    size_before = f.stat().st_size
    last = json.loads(f.read_text().splitlines()[-1])
    with f.open("a") as fh:
        line = assistant("msg_C", "2026-11-02T10:01:00.000Z", req="req_C", out=70, parentUuid=last["uuid"])
        fh.write(json.dumps(line) + "\n")
    second = ingest(f)
    assert "1 grown" in second.stderr
    entry = Warehouse(default_root()).catalog()[os.path.realpath(f)]
    assert entry["offset"] == f.stat().st_size and entry["lines"] == 5
    added = f.stat().st_size - size_before
    assert f"{added / 1e6:,.1f} MB" in second.stderr
    rows = query("SELECT message_id, line_no, prompt_id FROM requests ORDER BY line_no")
    # line numbers continue across runs; the new line's parent was read by the first run,
    # so its task (prompt id) is the one carried from there
    assert rows == [
        {"message_id": "msg_A", "line_no": 2, "prompt_id": "p-1"},
        {"message_id": "msg_B", "line_no": 4, "prompt_id": "p-1"},
        {"message_id": "msg_C", "line_no": 5, "prompt_id": "p-1"},
    ]


def test_partial_last_line_waits_for_the_next_run(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    last = json.dumps(assistant("msg_C", "2026-11-02T10:01:00.000Z", req="req_C", out=70))
    with f.open("a") as fh:
        fh.write(last[:50])  # the agent is still writing this line
    first = ingest(f)
    assert "incomplete_last_line" in first.stderr
    assert totals()["requests"] == 2
    with f.open("a") as fh:
        fh.write(last[50:] + "\n")
    second = ingest(f)
    assert "skipped" not in second.stderr
    assert totals()["requests"] == 3
    assert query("SELECT line_no FROM requests WHERE message_id = 'msg_C'") == [{"line_no": 5}]


def test_rewritten_file_is_read_again_without_double_counting(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    ingest(f)
    before = totals()
    # rewritten in place: a different first line, then the same responses and a new one
    lines = f.read_text().splitlines()
    lines[0] = json.dumps(user("add a /healthz endpoint please", "2026-11-02T10:00:00.000Z", promptId="p-1"))
    lines.append(json.dumps(assistant("msg_D", "2026-11-02T10:02:00.000Z", req="req_D", out=5)))
    f.write_text("\n".join(lines) + "\n")
    second = ingest(f)
    assert "1 rewritten" in second.stderr
    after = totals()
    assert after["requests"] == before["requests"] + 1
    assert after["output_tokens"] == before["output_tokens"] + 5
    # events of the re-read lines are not duplicated either
    assert query("SELECT count(*) AS n FROM events WHERE kind = 'tool_call'") == [{"n": 1}]


def test_truncated_file_keeps_the_usage_already_ingested(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    ingest(f)
    f.write_text("\n".join(f.read_text().splitlines()[:2]) + "\n")
    second = ingest(f)
    assert "1 rewritten" in second.stderr
    assert totals()["requests"] == 2


def test_deleted_file_keeps_its_history(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    other = jsonl(
        tmp_path / "logs" / "s2.jsonl", [assistant("msg_Z", "2026-11-03T09:00:00.000Z", req="req_Z")]
    )
    ingest(tmp_path / "logs")
    other.unlink()
    ingest(tmp_path / "logs")
    assert totals()["requests"] == 3
    assert f.exists()


def test_placeholder_copy_is_replaced_when_the_final_copy_arrives_later(tmp_path: Path) -> None:
    f = jsonl(
        tmp_path / "logs" / "s.jsonl",
        [
            assistant(
                "msg_P",
                "2026-11-02T10:00:05.000Z",
                req="req_P",
                out=1,
                stop=None,
                block={"type": "thinking", "thinking": "…"},
            )
        ],
    )
    ingest(f)
    assert query("SELECT output_tokens, usage_quality FROM requests") == [
        {"output_tokens": 1, "usage_quality": "placeholder"}
    ]
    with f.open("a") as fh:
        fh.write(json.dumps(assistant("msg_P", "2026-11-02T10:00:06.000Z", req="req_P", out=480)) + "\n")
    second = ingest(f)
    assert "1 replaced by a more complete copy" in second.stderr
    assert query("SELECT output_tokens, usage_quality, line_no FROM requests") == [
        {"output_tokens": 480, "usage_quality": "final", "line_no": 2}
    ]


def test_same_file_under_two_roots_counts_once(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    copy = tmp_path / "other_root" / "s1.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(f.read_bytes())
    ingest(f.parent, copy.parent)
    assert totals()["requests"] == 2
    assert query("SELECT count(*) AS n FROM events") == query(
        "SELECT count(DISTINCT event_key) AS n FROM events"
    )


def test_touched_but_unchanged_file_adds_nothing(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    ingest(f)
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    second = ingest(f)
    assert "0.0 MB, 0 lines" in second.stderr
    assert totals()["requests"] == 2
    assert "1 unchanged" in ingest(f).stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_large_files_split_into_chunks_give_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """Chunks parsed apart (by several processes) must agree with one pass: line numbers
    and the prompt id carried into a chunk from the lines before it."""
    lines = []
    for n in range(60):
        lines.append(
            user(f"task {n}", f"2026-11-02T10:{n:02d}:00.000Z", promptId=f"p-{n // 10}")
            if n % 10 == 0
            else assistant(f"msg_{n}", f"2026-11-02T10:{n:02d}:01.000Z", req=f"req_{n}", out=n)
        )
    f = jsonl(tmp_path / "logs" / "big.jsonl", chain(lines))
    ingest(f)
    expected = query("SELECT request_key, line_no, prompt_id FROM requests ORDER BY line_no")
    # each call is in the task of the prompt before it, also when that prompt is in another chunk
    assert [r["prompt_id"] for r in expected] == [f"p-{n // 10}" for n in range(60) if n % 10]

    wh2 = tmp_path / "wh2"
    monkeypatch.setenv("TASKCOST_HOME", str(wh2))
    monkeypatch.setattr(ing, "CHUNK_BYTES", 700)
    monkeypatch.setattr(ing, "TASK_BYTES", 700)
    ingest(f, extra=("--jobs", jobs))
    assert query("SELECT request_key, line_no, prompt_id FROM requests ORDER BY line_no") == expected
    assert len(expected) == 54


def test_a_symlinked_file_is_read_once(tmp_path: Path) -> None:
    f = session_file(tmp_path)
    other = tmp_path / "linked"
    other.mkdir()
    (other / "alias.jsonl").symlink_to(f)
    result = ingest(f.parent, other)
    assert "read 1 of 1 files" in result.stderr
    assert totals()["requests"] == 2


def test_files_are_recognised_by_their_first_usable_line(tmp_path: Path) -> None:
    """Real transcripts can open with a long snapshot line, a line without ids, or a bad
    line: each is still a Claude Code transcript and is read whole."""
    folder = tmp_path / "logs"
    response = json.dumps(assistant("msg_X", "2026-11-02T10:00:05.000Z", req="req_X"))
    snapshot = {"type": "file-history-snapshot", "messageId": "m1", "snapshot": {"pad": "x" * 20_000}}
    jsonl(
        folder / "a.jsonl",
        [json.dumps(snapshot), response.replace("msg_X", "msg_A").replace("req_X", "req_A")],
    )
    jsonl(
        folder / "b.jsonl",
        [
            '{"type":"file-history-snapshot"}',
            json.dumps(user("y" * 9000, "2026-11-02T10:00:00.000Z")),
            response.replace("msg_X", "msg_B").replace("req_X", "req_B"),
        ],
    )
    jsonl(
        folder / "c.jsonl",
        ['{"type": "user", "message": {"cont', response.replace("msg_X", "msg_C").replace("req_X", "req_C")],
    )
    jsonl(
        folder / "d.jsonl",
        ['{"type":"user","timestamp":12345}', response.replace("msg_X", "msg_D").replace("req_X", "req_D")],
    )
    result = ingest(folder)
    assert "read 4 of 4 files" in result.stderr
    assert totals()["requests"] == 4
    # the lines that could not be used are counted, not silently dropped
    assert "malformed_json (" in result.stderr and "unexpected_shape (" in result.stderr


def test_empty_files_wait_and_foreign_files_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "empty.jsonl").write_text("")
    (folder / "notes.jsonl").write_text('{"kind": "todo", "text": "buy milk"}\n')
    result = ingest(folder)
    assert "empty so far, read once they have a complete line: 1 files" in result.stderr
    assert "not recognised as any known format, not read: 1 file" in result.stderr
    # one line per file, naming it and what was wrong
    assert f"{folder / 'notes.jsonl'}: JSON lines of no known format (first line's keys: kind, text)" in (
        result.stderr
    )
    strict = invoke("ingest", "--strict", str(folder))
    assert strict.exit_code == 4 and "files in no known format" in strict.stderr
    # once the empty file has a transcript line, it is read
    jsonl(folder / "empty.jsonl", [assistant("msg_E", "2026-11-02T10:00:05.000Z", req="req_E")])
    assert "read 1 of 2 files" in ingest(folder).stderr
    assert totals()["requests"] == 1


def test_files_deleted_during_a_run_are_reported_not_fatal(tmp_path: Path, monkeypatch) -> None:
    f = session_file(tmp_path)
    ghost = tmp_path / "logs" / "ghost.jsonl"
    real_discover = ing._discover
    monkeypatch.setattr(
        ing, "_discover", lambda roots, sources, bad: [*real_discover(roots, sources, bad), str(ghost)]
    )
    doomed = jsonl(
        tmp_path / "logs" / "doomed.jsonl", [assistant("msg_Q", "2026-11-02T10:00:00.000Z", req="req_Q")]
    )
    real_parse = ing.SOURCES["claude_code"].parse_chunk

    def parse_after_delete(chunk, state, rows):  # type: ignore[no-untyped-def]
        if chunk.path == str(doomed):
            doomed.unlink()
        return real_parse(chunk, state, rows)

    monkeypatch.setattr(ing.SOURCES["claude_code"], "parse_chunk", parse_after_delete)
    result = ingest(f.parent, extra=("--jobs", "1"))
    assert "deleted while this run read them: 2 files" in result.stderr
    assert totals()["requests"] == 2


def test_token_counts_out_of_range_are_skipped_not_fatal(tmp_path: Path) -> None:
    f = jsonl(
        tmp_path / "logs" / "s.jsonl",
        [
            assistant("msg_1", "2026-11-02T10:00:00.000Z", req="r1", out=18446744073709551615),
            assistant("msg_2", "2026-11-02T10:00:01.000Z", req="r2", inp=-5),
            assistant("msg_3", "2026-11-02T10:00:02.000Z", req="r3", out=7),
        ],
    )
    result = ingest(f)
    assert skip_counts(result.stderr) == {"out_of_range": 2}
    assert "output_tokens = 18446744073709551615" in result.stderr
    assert totals()["requests"] == 1 and totals()["output_tokens"] == 7


def test_summary_counts_a_main_copy_replacing_a_sidechain_replay(tmp_path: Path) -> None:
    side = assistant("msg_M", "2026-11-02T10:00:00.000Z", req="req_side", isSidechain=True, agentId="a1")
    f = jsonl(tmp_path / "logs" / "s.jsonl", [side])
    ingest(f)
    with f.open("a") as fh:
        fh.write(json.dumps(assistant("msg_M", "2026-11-02T10:00:00.000Z", req="req_main")) + "\n")
        fh.write(json.dumps(assistant("msg_N", "2026-11-02T10:00:05.000Z", req="req_N")) + "\n")
    result = ingest(f)
    # two lines read, both kept; the sidechain copy they found is replaced
    assert "requests: 1 new, 1 replaced by a more complete copy, 0 duplicate lines removed" in result.stderr
    assert query("SELECT request_key, is_sidechain FROM requests ORDER BY 1") == [
        {"request_key": "msg_M:req_main", "is_sidechain": False},
        {"request_key": "msg_N:req_N", "is_sidechain": False},
    ]
