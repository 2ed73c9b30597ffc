"""Text from devices and files made safe to print: control characters shown, never obeyed.

A device string quoted in a message (a hostname, an error line, a banner) may hold ANSI/OSC
escape sequences that clear the screen, set the window title or hide text, or Unicode
bidirectional overrides that reorder what a reader sees. :func:`terminal_text` is the one
helper for everything printed to a terminal; :func:`cell_text` the same for CSV cells.
Each control character becomes a visible escape (``\\x1b``), so the user still sees what
the device sent.
"""

from __future__ import annotations

import re

# C0 (except tab and newline), DEL, C1, and the Unicode bidi controls (ALM, LRM/RLM,
# LRE..RLO, LRI..PDI) and line/paragraph separators
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_CONTROL_IN_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with every control character but tab and newline shown as an escape."""
    return _CONTROL.sub(_visible, text)


def cell_text(value: object) -> object:
    """A CSV cell: control characters shown as escapes (tab, CR and LF stay; CSV quotes them)."""
    return _CONTROL_IN_CELL.sub(_visible, value) if isinstance(value, str) else value
