"""The one user-error class the core raises, and the exit codes the CLI maps it to.

Anything that is not a ``TaskcostError`` is a bug and is allowed to show its traceback.
"""

from __future__ import annotations

import sys
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a user mistake or an input we cannot use
    USAGE = 2  # bad command line (click's own code)
    NO_DATA = 3  # the warehouse is empty or the filters match nothing
    MALFORMED = 4  # --strict and some input lines were skipped
    INTERRUPT = 130  # Ctrl-C; the warehouse is left as it was


#: what Ctrl-C prints, wherever it lands (an ingest commits all or nothing)
INTERRUPTED = "taskcost: interrupted; the warehouse is unchanged"


class TaskcostError(Exception):
    """An error whose message is written for the user (one line, no traceback)."""

    exit_code: ExitCode = ExitCode.ERROR


class NoData(TaskcostError):
    exit_code = ExitCode.NO_DATA


class MalformedInput(TaskcostError):
    exit_code = ExitCode.MALFORMED


class SchemaMismatch(TaskcostError):
    exit_code = ExitCode.ERROR


class CorruptManifest(TaskcostError):
    """``manifest.json`` cannot be read as a manifest; the writer restores the previous one."""

    exit_code = ExitCode.ERROR


class WarehouseWriteError(TaskcostError):
    """The warehouse cannot be written (disk full, read-only, no permission); it is left as
    it was."""

    exit_code = ExitCode.ERROR


def is_interrupt(error: BaseException) -> bool:
    """Whether ``error`` is Ctrl-C, however it surfaced: ``KeyboardInterrupt``, DuckDB's
    ``InterruptException``, or the bare ``RuntimeError("Query interrupted")`` DuckDB raises
    when the signal lands inside a ``COPY``. (duckdb is not imported here: most commands
    never load it.)"""
    if isinstance(error, KeyboardInterrupt):
        return True
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(error, duckdb.InterruptException):
        return True
    return type(error) is RuntimeError and str(error).startswith("Query interrupted")
