"""The one user-error class the core raises, and the exit codes the CLI maps it to.

Anything that is not a ``TaskcostError`` is a bug and is allowed to show its traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a user mistake or an input we cannot use
    USAGE = 2  # bad command line (click's own code)
    NO_DATA = 3  # the warehouse is empty or the filters match nothing
    MALFORMED = 4  # --strict and some input lines were skipped
    INTERRUPT = 130  # Ctrl-C; the warehouse is left as it was


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
