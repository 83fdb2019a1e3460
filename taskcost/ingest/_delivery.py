"""What a shell command run by an agent delivers: a commit, a push, a pull request or a
test run. Task outcomes use it as evidence (docs/tasks.md); the command text itself is
never stored.

Only commands whose success the exit status proves count: the last command of the last
pipeline, and those joined to it by ``&&`` (in ``pytest; echo done``, ``pytest || true``,
``pytest | tail`` or ``pytest &`` a zero exit says nothing about pytest); a ``( … )``
subshell is read inside. Each is read after its leading ``VAR=value`` assignments and
wrappers (``sudo``, ``time``, ``timeout N``, ``env``, ``uv run``, ``poetry run``, ``npx``,
``bundle exec``, ``python -m``, with their options and any path). A test run that runs
no test (``--collect-only``, ``--no-run``, ``--help``) is not one. When one line does
several things the strongest wins: a pull request over a push over a commit over a test
run.
"""

from __future__ import annotations

import re

KINDS = ("pr_create", "git_push", "git_commit", "test")

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
_NOT_A_RUN = frozenset(
    {"--collect-only", "--co", "--no-run", "--help", "-h", "--version", "--list", "--dry-run"}
)
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_WRAPPERS = {
    ("sudo",),
    ("time",),
    ("nice",),
    ("nohup",),
    ("env",),
    ("command",),
    ("exec",),
    ("uv", "run"),
    ("poetry", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("npx",),
    ("pnpx",),
    ("bunx",),
    ("bundle", "exec"),
    ("python", "-m"),  # any python, python3, python3.12, …/bin/python
}
# test runners by their first words (after the wrappers above)
_TESTS = {
    ("pytest",),
    ("py.test",),
    ("tox",),
    ("nox",),
    ("jest",),
    ("vitest",),
    ("mocha",),
    ("rspec",),
    ("phpunit",),
    ("ctest",),
    ("unittest",),
    ("npm", "test"),
    ("npm", "run", "test"),
    ("npm", "t"),
    ("pnpm", "test"),
    ("pnpm", "run", "test"),
    ("yarn", "test"),
    ("yarn", "run", "test"),
    ("bun", "test"),
    ("deno", "test"),
    ("cargo", "test"),
    ("cargo", "nextest"),
    ("go", "test"),
    ("mvn", "test"),
    ("mvn", "verify"),
    ("gradle", "test"),
    ("./gradlew", "test"),
    ("make", "test"),
    ("make", "check"),
    ("dotnet", "test"),
    ("mix", "test"),
    ("swift", "test"),
    ("rails", "test"),
    ("rake", "test"),
    ("rake", "spec"),
}


def _split(text: str, *, pipes: bool = False) -> list[str]:
    """``text`` cut at ``&&``, ``||``, ``;`` and newlines (or, with ``pipes``, at ``|``)
    outside quotes and ``$( )``, keeping the separators: ``[part, sep, part, …]``. A
    commit message in a quoted heredoc stays in its command."""
    out, start, i, depth, quote = [], 0, 0, 0, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "\\":
            i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            two = text[i : i + 2]
            sep = two if two in ("&&", "||") else c if c in ";\n" else ""
            if c == "&" and not sep and text[i - 1 : i] not in (">", "<") and text[i + 1 : i + 2] != ">":
                sep = "&"  # runs the command before it in the background
            if pipes:
                sep = "|" if c == "|" and two != "||" else ""
            if sep:
                out += [text[start:i], sep]
                i += len(sep)
                start = i
                continue
        i += 1
    return [*out, text[start:]]


def _words(simple: str) -> list[str]:
    words = simple.split()
    changed = True
    while changed and words:
        changed = False
        while words and _ASSIGNMENT.match(words[0]):
            words, changed = words[1:], True
        head = words[0].rsplit("/", 1)[-1] if words else ""
        if _PYTHON.match(head):
            head = "python"
        if head == "timeout" and len(words) > 1:  # timeout [options] DURATION command
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            words, changed = rest[1:], True
            continue
        for w in _WRAPPERS:
            if (head, *words[1 : len(w)]) == w:
                words, changed = words[len(w) :], True
                while words and words[0].startswith("-") and head != "python":
                    words = words[1:]  # the wrapper's options: uv run --frozen pytest
                break
    return words


def _kind(words: list[str]) -> str | None:
    if not words or _NOT_A_RUN.intersection(words):
        return None
    head = words[0].rsplit("/", 1)[-1] if words[0] != "./gradlew" else words[0]
    if head == "git":
        rest = words[1:]
        while rest and rest[0].startswith("-"):  # git -C dir / -c key=value
            rest = rest[2:] if rest[0] in ("-C", "-c") else rest[1:]
        if rest[:1] == ["commit"] and "--dry-run" not in rest:
            return "git_commit"
        if rest[:1] == ["push"] and "--dry-run" not in rest and "-n" not in rest:
            return "git_push"
        return None
    if (head, *words[1:3]) in (("gh", "pr", "create"), ("glab", "mr", "create")):
        return "pr_create"
    for n in (3, 2, 1):
        if (head, *words[1:n]) in _TESTS:
            return "test"
    return None


def delivery_kind(command: str) -> str | None:
    """``pr_create``, ``git_push``, ``git_commit``, ``test`` or None for ``command``."""
    parts = _split(command.strip())  # pipeline, separator, pipeline, …
    if parts[-1].strip() == "" and len(parts) > 2 and parts[-2] != "&":
        parts = parts[:-2]  # a trailing ; or newline
    proven = [parts[-1]]
    for n in range(len(parts) - 2, 0, -2):
        if parts[n] != "&&":
            break
        proven.append(parts[n - 1])
    found = set()
    for pipeline in proven:
        last = _split(pipeline, pipes=True)[-1].strip()
        subshell = last.startswith("(") and last.endswith(")")  # exits as its last command
        k = delivery_kind(last[1:-1]) if subshell else _kind(_words(last))
        if k:
            found.add(k)
    return next((k for k in KINDS if k in found), None)


def shell_script(argv: list[str]) -> str:
    """The command line of an argv as Codex logs it: ``["bash", "-lc", "<script>"]`` is the
    script, anything else its words joined."""
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh") and argv[1] in ("-c", "-lc"):
        return argv[2]
    return " ".join(argv)
