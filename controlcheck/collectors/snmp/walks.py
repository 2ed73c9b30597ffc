"""Walks: every var-bind under a prefix, GETBULK (v2c/v3) or GETNEXT (v1), always bounded.

A walk stops at the end of the subtree, at ``max_rows`` rows, at a non-increasing OID (an
agent that loops) or at an error; ``complete`` and ``problem`` say which, and the rows got
so far are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import SnmpError, status_name
from .values import SnmpValue, convert


@dataclass
class WalkResult:
    prefix: str
    rows: list[SnmpValue] = field(default_factory=list)
    complete: bool = True          # False: stopped early (max_rows, error, non-increasing OID)
    problem: str | None = None     # why it stopped early

    def by_index(self, column_prefix: str | None = None) -> dict[str, SnmpValue]:
        """Rows keyed by the OID suffix after ``column_prefix`` (default: the walk prefix)."""
        base = (column_prefix or self.prefix) + "."
        return {r.oid[len(base):]: r for r in self.rows if r.oid.startswith(base)}


def dotted(numbers: tuple[int, ...]) -> str:
    return ".".join(str(x) for x in numbers)


async def walk(session: Any, prefix: str, max_rows: int | None = None) -> WalkResult:
    """Walk ``prefix`` through ``session`` (an ``SnmpSession``; see its ``walk``)."""
    prefix = prefix.strip(".")
    limit = session.max_rows if max_rows is None else int(max_rows)
    root = tuple(int(x) for x in prefix.split("."))
    result = WalkResult(prefix)
    current = root
    while True:
        try:
            if session.version == "1":
                status, index, returned = await session.request("next", [dotted(current)])
            else:
                reps = max(1, min(session.max_repetitions, limit - len(result.rows) + 1))
                status, index, returned = await session.request("bulk", [dotted(current)], reps)
        except SnmpError as exc:
            if not result.rows:
                raise
            result.complete, result.problem = False, f"walk interrupted after {len(result.rows)} rows: {exc}"
            return result
        if status == 2 and session.version == "1":      # v1 noSuchName on GETNEXT: end of MIB view
            return result
        if status:
            result.complete = False
            result.problem = f"agent answered {status_name(status)} during the walk of {prefix}"
            return result
        if not returned:
            return result
        for oid, value in returned:
            converted = convert(oid, value)
            if converted.type == "endOfMibView":
                return result
            numbers = tuple(int(x) for x in oid.split(".")) if oid else ()
            if numbers[:len(root)] != root:
                return result
            if numbers <= current:
                result.complete = False
                result.problem = (f"agent returned a non-increasing OID {oid} after {dotted(current)} "
                                  f"in the walk of {prefix}: stopped")
                return result
            if len(result.rows) >= limit:
                result.complete = False
                result.problem = (f"walk of {prefix} stopped after {limit} rows (max_rows): the table "
                                  f"does not end or is larger than allowed")
                return result
            result.rows.append(converted)
            current = numbers
