"""Helpers the exec-channel host platforms (Linux, Windows, Asterisk) share: run a command
(with a ``sudo -n`` retry where root is needed), parse its output, and either record the
facts with their evidence or say in one line why they could not be read."""

from __future__ import annotations

from typing import Callable

from ..vocabulary import Parsed   # fact path -> (value, the output lines that decided it)
from .base import FactsBuilder
from .ssh import CommandOutput


def put(builder: FactsBuilder, parsed: Parsed, evidence: str | None) -> None:
    """Add parsed ``{path: (value, lines)}`` facts with their evidence id and source lines."""
    for path, (value, lines) in parsed.items():
        builder.set(path, value, evidence=evidence, lines=[line for line in lines if line] or None)


def first_ok(session, commands: list[str]) -> CommandOutput | None:
    """Run each command until one exits 0; returns that one (or the last answer, or None)."""
    last = None
    for command in commands:
        out = session.run(command)
        if out is None:
            continue
        if out.ok:
            return out
        last = out
    return last


def with_sudo(command: str) -> list[str]:
    return [command, f"sudo -n {command}"]


def why(out: CommandOutput | None) -> str:
    """Why a command gave nothing usable, in a few words."""
    if out is None:
        return "no answer (timeout or size cap)"
    detail = (out.stderr or out.text).strip().splitlines()
    return f"exit status {out.exit_status}" + (f": {detail[0][:200]}" if detail else "")


def read_facts(session, builder: FactsBuilder, command: str, parse: Callable[[str], Parsed],
               what: str) -> CommandOutput | None:
    """Run ``command`` and record what ``parse`` finds in it (:func:`record_facts`)."""
    out = session.run(command)
    record_facts(builder, command, out, parse, what)
    return out


def record_facts(builder: FactsBuilder, command: str, out: CommandOutput | None, parse: Callable[[str], Parsed],
                 what: str) -> None:
    """Put what ``parse`` finds in ``out``, or record ``<what> not read (<why>)``."""
    parsed = parse(out.text) if out is not None and out.ok else {}
    if parsed:
        put(builder, parsed, out.evidence)
    else:
        reason = why(out) if out is None or not out.ok else "output not understood"
        builder.error(f"ssh:{command}", f"{what} not read ({reason})")
