"""The team config: who is who, which team they are in, and the report defaults.

A TOML file, ``--config FILE``, else ``$TASKCOST_CONFIG``, else
``$XDG_CONFIG_HOME/taskcost/config.toml`` (``~/.config/taskcost/config.toml``); none is
needed. docs/reports.md has a full example::

    [people.dana]                                   # a person, named as reports show them
    aliases = ["dana@example.com", "machine:ci-7"]  # other user names, or every user of a machine
    team = "payments"

    [economics]
    labor_rate = 95.0    # USD per hour of the person who fixes a failed task
    fix_minutes = 45     # minutes to fix one

A user name no alias mentions is a person of their own, in no team. An alias may name one
person only: two people claiming ``dana@example.com`` would make every report ambiguous,
so that is an error, as is any key this module does not know (a typo would otherwise be
silently ignored).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskcost.errors import TaskcostError

ECONOMICS_KEYS = {"labor_rate": float, "fix_minutes": float, "min_tasks": int}


@dataclass
class Config:
    path: Path | None = None
    aliases: list[dict[str, str]] = field(default_factory=list)  # kind ('user'/'machine'), alias, person
    teams: list[dict[str, str]] = field(default_factory=list)  # person, team
    economics: dict[str, Any] = field(default_factory=dict)


def default_path() -> Path:
    if os.environ.get("TASKCOST_CONFIG"):
        return Path(os.environ["TASKCOST_CONFIG"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "taskcost" / "config.toml"


def load(path: str | Path | None = None) -> Config:
    """The config at ``path`` (an error if it is missing), else at the default location
    (an empty config if there is none)."""
    explicit = path is not None
    p = Path(path) if explicit else default_path()
    if not p.is_file():
        if explicit or os.environ.get("TASKCOST_CONFIG"):
            raise TaskcostError(f"no config file at {p}")
        return Config()
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise TaskcostError(f"cannot read {p}: {e.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise TaskcostError(f"{p} is not valid TOML: {e}") from None
    return _parse(p, doc)


def _parse(p: Path, doc: dict[str, Any]) -> Config:
    def fail(msg: str) -> TaskcostError:
        return TaskcostError(f"{p}: {msg}")

    unknown = set(doc) - {"people", "economics"}
    if unknown:
        raise fail(f"unknown section {sorted(unknown)[0]!r} (known: people, economics)")
    cfg = Config(path=p)
    owner: dict[tuple[str, str], str] = {}
    for person, entry in (doc.get("people") or {}).items():
        if not isinstance(entry, dict):
            raise fail(f"people.{person} must be a table, e.g. [people.{person}]")
        extra = set(entry) - {"aliases", "team"}
        if extra:
            raise fail(f"people.{person}: unknown key {sorted(extra)[0]!r} (known: aliases, team)")
        team = entry.get("team")
        if team is not None:
            if not isinstance(team, str) or not team.strip():
                raise fail(f"people.{person}.team must be a team name")
            cfg.teams.append({"person": person, "team": team.strip()})
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise fail(f"people.{person}.aliases must be a list of user names or machine:NAME")
        # the person's own name is an alias of itself, so that it can be a user name too
        for text in [person, *aliases]:
            machine = text.startswith("machine:")
            kind, alias = ("machine", text[8:].strip()) if machine else ("user", text.strip())
            other = owner.setdefault((kind, alias), person)
            if other != person:
                raise fail(f"{text!r} is an alias of both {other!r} and {person!r}")
            cfg.aliases.append({"kind": kind, "alias": alias, "person": person})
    economics = doc.get("economics") or {}
    for key, value in economics.items():
        want = ECONOMICS_KEYS.get(key)
        if want is None:
            raise fail(f"economics: unknown key {key!r} (known: {', '.join(ECONOMICS_KEYS)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise fail(f"economics.{key} must be a number of at least 0")
        cfg.economics[key] = want(value)
    return cfg
