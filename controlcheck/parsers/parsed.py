"""The facts a parser found in one source, and the absence rule every parser follows.

A parser reads one source (a running-config, a command's output, a saved file) and
returns :class:`ParsedFacts`. Three outcomes per fact (docs/facts-model.md, "Absent
values"):

* the source sets it: :meth:`ParsedFacts.set` with the lines that decided it;
* the source was read **completely** and does not set it: :meth:`ParsedFacts.default`
  (the platform's documented default, provenance ``origin: default``) or
  :meth:`ParsedFacts.not_configured` (an explicit ``null`` or an empty list where
  "not configured" is itself the answer, provenance ``origin: not-configured``);
* it cannot be decided (the source was cut short, the default depends on a version
  that was not read): :meth:`ParsedFacts.undetermined` — an ``errors`` entry naming the
  fact, and the fact stays absent, so a policy that reads it reports ``error``.

Whether the source was read completely is the parser's to say (``complete=``), from a
marker the platform prints at the end (IOS ``end``, ASA ``: end``; see
:func:`ends_with`) or because a saved file was read whole. On an incomplete source,
``default`` and ``not_configured`` turn into ``undetermined`` by themselves: absence
in a truncated text proves nothing.
"""

from __future__ import annotations

from ..vocabulary import DEFAULT, NOT_CONFIGURED, ParsedFacts

__all__ = ["DEFAULT", "NOT_CONFIGURED", "ParsedFacts", "ends_with"]


def ends_with(text: str, markers: tuple[str, ...]) -> bool:
    """Is the last non-blank line of ``text`` one of ``markers`` (after stripping)? How a
    configuration dump says it was printed to its end (IOS ``end``, ASA ``: end``)."""
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if stripped:
            return stripped in markers
    return False
