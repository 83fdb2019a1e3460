"""Shared fixtures. Every test runs with HOME, the agents' config dirs and the warehouse
pointed into its own tmp_path: no test can read the real home directory."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE_LOGS = ROOT / "sample_logs"
# real logs from public repositories, used by path and never copied (see PROVENANCE.md)
REAL_LOGS = Path(os.environ.get("TASKCOST_REAL_LOGS", ROOT.parent / "shared" / "real_logs"))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("TASKCOST_HOME", str(tmp_path / "warehouse"))
    monkeypatch.setenv("USER", "tester")
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "TASKCOST_FAILPOINT", "TASKCOST_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process, stdout and stderr captured apart."""
    from taskcost.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def ingest(*paths: Path | str, extra: tuple[str, ...] = ()) -> Result:
    result = invoke("ingest", "--user", "tester", "--machine", "box", *extra, *map(str, paths))
    assert result.exit_code == 0, result.stderr
    return result


def query(sql: str, **params: object) -> list[dict[str, object]]:
    """Rows of a query over the warehouse views (the test warehouse in TASKCOST_HOME)."""
    from taskcost import analyze
    from taskcost.warehouse import Warehouse, default_root

    con = analyze.connect(Warehouse(default_root()))
    return analyze.arrow(con, sql, params or None).to_pylist()


def totals(where: str = "TRUE") -> dict[str, object]:
    return query(
        f"""SELECT count(*) AS requests,
                   coalesce(sum(input_tokens), 0) AS input_tokens,
                   coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
                   coalesce(sum(cache_write_5m_tokens), 0) AS cache_write_5m_tokens,
                   coalesce(sum(cache_write_1h_tokens), 0) AS cache_write_1h_tokens,
                   coalesce(sum(output_tokens), 0) AS output_tokens
            FROM requests WHERE {where}"""
    )[0]


def copy_tree(src: Path, dst: Path) -> Path:
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return dst


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; TASKCOST_UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("TASKCOST_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with TASKCOST_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(), f"output differs from {path} (TASKCOST_UPDATE_GOLDEN=1 to accept)"


def jsonl(path: Path, lines: list[dict[str, object]] | list[str], *, newline: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(ln if isinstance(ln, str) else json.dumps(ln) for ln in lines)
    path.write_text(text + ("\n" if newline else ""))
    return path


def fixture_path(folder: Path, name: str) -> Path:
    """A quirk fixture of a source's fixture folder: a sub-folder, ``<name>.jsonl`` or
    ``<name>.json`` (a document)."""
    if (folder / name).is_dir():
        return folder / name
    jsonl = folder / f"{name}.jsonl"
    return jsonl if jsonl.exists() else folder / f"{name}.json"


def fixture_names(folder: Path) -> set[str]:
    """The fixtures of a folder (``expected.json`` aside); each must have a line, starting
    with its name in backticks, in the folder's README."""
    files = [*folder.glob("*.jsonl"), *folder.glob("*.json")]
    names = {p.stem for p in files if p.name != "expected.json"} | {
        p.name for p in folder.iterdir() if p.is_dir()
    }
    readme = (folder / "README.md").read_text()
    missing = [n for n in names if f"`{n}" not in readme]
    assert not missing, f"fixtures without a README line: {missing}"
    return names


def skip_counts(stderr: str) -> dict[str, int]:
    """Skipped lines by reason, as the ingest summary reports them."""
    found = re.finditer(r"^\s+(\w+) \(.*?\): (\d+)(?: — e\.g\.|$)", stderr, re.M)
    return {m[1]: int(m[2]) for m in found}
