"""Errors a user can act on.

Every error that reaches the CLI is one line: ``file:line: what is wrong``.
The CLI turns them into exit codes; tracebacks only with ``--debug``.
"""

from __future__ import annotations


class ControlcheckError(Exception):
    """Base class: a message for the user, optionally pointing at a file and line."""

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"


class InputError(ControlcheckError):
    """Invalid input: arguments, inventory, policy, waivers, facts, risk register (exit 2)."""


class EnvironmentStopped(ControlcheckError):
    """The environment stopped the run (exit 4): output not writable, disk full, store damaged,
    broker or database unreachable."""

    exit_code = 4


class CollectionError(Exception):
    """One device could not be (fully) collected; becomes an ``errors`` entry, never a crash."""

    def __init__(self, message: str, source: str = "collect"):
        super().__init__(message)
        self.message = message
        self.source = source
