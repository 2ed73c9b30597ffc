"""What Cisco IOS and ASA parsing share: the config tree, ntc-templates/TextFSM
parsing, redaction and small token rules. Facts go into ``ParsedFacts`` (vocabulary.py).

Parsers are pure functions of text: they never raise on odd input, they skip
what they cannot read, and a fact they cannot decide stays absent. A running-config
printed to its end makes absence a fact (parsers/parsed.py, docs/facts-model.md).
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import textfsm

from ..vocabulary import ParsedFacts as ParsedFacts   # re-exported: the parsers' one facts type
from . import redaction
from .parsed import ends_with as ends_with           # the absence rule's end-marker test

DEFAULT_COMMUNITIES = frozenset({"public", "private"})


def snmp_community(words: list[str]) -> dict:
    """``snmp-server community NAME [view V] [ro|rw] [ipv6 ACL] [ACL]`` (IOS and EOS alike):
    the access (RO unless written), whether NAME is a default community, and the ACL if any."""
    rest = words[3:]
    if rest[:1] == ["view"]:
        rest = rest[2:]
    access = "RO"
    if rest and rest[0].upper() in ("RO", "RW"):
        access = rest[0].upper()
        rest = rest[1:]
    entry = {"access": access, "is_default": words[2].lower() in DEFAULT_COMMUNITIES}
    acl = [t for t in rest if t != "ipv6"]
    if acl:
        entry["acl"] = acl[-1]
    return entry
class CfgLine:
    """One line of an IOS/ASA config: its text as printed (indentation kept), its 0-based
    line number in the text, its parent (itself at the top level) and its children."""

    __slots__ = ("text", "linenum", "parent", "children")

    def __init__(self, text: str, linenum: int) -> None:
        self.text = text
        self.linenum = linenum
        self.parent = self
        self.children: list[CfgLine] = []


class CiscoConfig:
    """A config read into the tree ciscoconfparse2 builds (``.objs``, ``.parent``,
    ``.children``, ``.linenum``), in one linear pass.

    ciscoconfparse2 made an object of a dozen properties per line and cost 0.6-1.0 ms per
    KiB, too slow for a thousand saved configs in CI (docs/performance.md); we only ever
    read text, line number, parent and children. The rules are ciscoconfparse2's, and
    tests/test_cisco_tree.py holds the two trees equal on every real config of the corpus:
    a line's parent is the nearest earlier config line indented less; a ``!`` comment is
    never a parent, and is nobody's child when the line above it is indented more; blank
    lines go; an IOS ``banner motd ^C`` takes every line up to the one holding its
    delimiter as its children (ASA banners are one line each: ``syntax="asa"``).
    """

    __slots__ = ("objs",)

    def __init__(self, text: str, syntax: str = "ios") -> None:
        lines = [line.rstrip("\r") for line in text.splitlines()]
        objs: list[CfgLine] = []
        stack: list[tuple[int, CfgLine]] = []      # the chain of open config lines, indent rising
        above = 0                                  # indentation of the line above (blank ones too)
        banners: list[CfgLine] = []
        for i, line in enumerate(lines):
            stripped = line.lstrip()
            indent = len(line) - len(stripped)
            if not stripped:
                above = indent
                continue
            obj = CfgLine(line, i)
            objs.append(obj)
            if stripped[0] == "!":
                if indent > 0 and above <= indent:
                    parent = next((p for d, p in reversed(stack) if d < indent), None)
                    if parent is not None:
                        parent.children.append(obj)
                        obj.parent = parent
            else:
                while stack and stack[-1][0] >= indent:
                    stack.pop()
                if indent > 0 and stack:
                    parent = stack[-1][1]
                    parent.children.append(obj)
                    obj.parent = parent
                stack.append((indent, obj))
                if indent == 0 and syntax == "ios" and stripped[:7] == "banner ":
                    banners.append(obj)
            above = indent
        if banners:
            _banner_bodies(banners, objs, lines)
        self.objs = objs


_BANNER = re.compile(r"^(?:set\s+)*banner\s+(?:login|motd|incoming|exec|telnet|lcd)")
_BANNER_DELIMITER = re.compile(r"^(?:(?:set\s+)*banner\s\w+\s+)(\S)")


def _banner_bodies(banners: list[CfgLine], objs: list[CfgLine], lines: list[str]) -> None:
    """Every line after a delimited IOS banner, up to and with the one holding its delimiter,
    becomes the banner's child (blank lines kept): banner text is not config."""
    at_line = {o.linenum: o for o in objs}
    for banner in banners:
        match = _BANNER_DELIMITER.search(banner.text) if _BANNER.search(banner.text) else None
        if match is None or len(banner.text.split(match.group(1))) > 2:   # none, or opened and closed
            continue
        delimiter = match.group(1)
        for j in range(banner.linenum + 1, len(lines)):
            obj = at_line.get(j) or CfgLine(lines[j], j)
            banner.children.append(obj)
            obj.parent = banner
            if delimiter in lines[j].strip():
                break


def finder(top: list[CfgLine]):
    """``find(pattern)``: the top-level lines whose text ``pattern`` searches, in order.

    A parser asks some forty patterns of a config; most start with a fixed first word
    (``^hostname\\s+``, ``^no aaa new-model``), and such a pattern is tried only on the lines
    that begin with that word instead of on all of them (a 15,000-line config has thousands)."""
    by_word: dict[str, list[CfgLine]] = {}
    for obj in top:
        if obj.text[:1] not in ("", " ", "\t"):
            by_word.setdefault(obj.text.split(None, 1)[0], []).append(obj)

    def find(pattern: str) -> list[CfgLine]:
        regex = re.compile(pattern)
        word = _first_word(pattern)
        return [o for o in (top if word is None else by_word.get(word, ())) if regex.search(o.text)]
    return find


@functools.lru_cache(maxsize=512)
def _first_word(pattern: str) -> str | None:
    """The word every text ``pattern`` matches must begin with, followed by a blank or the
    end (``^ip\\s+ssh`` -> ``ip``); None when the pattern does not say (then every line is tried)."""
    try:
        from re import _constants as sc, _parser as sp
        tree = list(sp.parse(pattern))
    except Exception:  # noqa: BLE001 - an internal API that may change: then every line is tried
        return None
    if not tree or tree[0] != (sc.AT, sc.AT_BEGINNING):
        return None
    word = ""
    blank = [(sc.IN, [(sc.CATEGORY, sc.CATEGORY_SPACE)])]
    for op, arg in tree[1:]:
        if op is sc.LITERAL and chr(arg) not in " \t":
            word += chr(arg)
            continue
        ends_word = ((op is sc.LITERAL and chr(arg) in " \t") or [(op, arg)] == blank or (op, arg) == (sc.AT, sc.AT_END)
                     or (op in (sc.MAX_REPEAT, sc.MIN_REPEAT) and arg[0] >= 1 and list(arg[2]) in (blank, [(sc.LITERAL, 32)])))
        return word if word and ends_word else None
    return None


def parse_config(text: str, syntax: str) -> CiscoConfig:
    return CiscoConfig(text, syntax)


def textfsm_parse(platform: str, command: str, text: str) -> list[dict]:
    """Parse with the ntc-templates template for ``platform``/``command``; [] when none
    matches or the output does not fit the template."""
    try:
        template = _template(platform, command)
        if template is None:      # several templates merged, or none: ntc-templates' own path
            from ntc_templates.parse import parse_output
            rows = parse_output(platform=platform, command=command, data=text)
            return [{k.lower(): v for k, v in row.items()} for row in rows]
        fsm = textfsm.TextFSM(io.StringIO(template))
        header = [h.lower() for h in fsm.header]
        return [dict(zip(header, record, strict=True)) for record in fsm.ParseText(text)]
    except Exception:  # a template that does not fit this output is no fact, not a crash
        return []


@functools.lru_cache(maxsize=128)
def _template(platform: str, command: str) -> str | None:
    """The text of the one ntc-templates template for a command, found in its index once per
    run (ntc-templates looks it up and reads the file on every call, under a global lock)."""
    from ntc_templates.parse import _get_template_dir
    from textfsm import clitable

    folder = _get_template_dir()
    index = clitable.CliTable("index", folder).index
    row = index.GetRowMatch({"Command": command, "Platform": platform})
    if not row:
        return None
    names = index.index[row]["Template"].split(":")
    if len(names) != 1:
        return None
    return (Path(folder) / names[0].strip()).read_text(encoding="utf-8")


_UPTIME_UNITS = {"year": 365 * 86400, "week": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60, "second": 1}


def uptime_seconds(text: str) -> int | None:
    """``1 year, 2 weeks, 3 days, 4 hours, 5 minutes`` -> seconds; None if nothing matched."""
    total, matched = 0, False
    for number, unit in re.findall(r"(\d+)\s+(year|week|day|hour|minute|second)s?", text or ""):
        total += int(number) * _UPTIME_UNITS[unit]
        matched = True
    return total if matched else None


def is_any_network(net: str, mask: str) -> bool:
    return (net in ("0.0.0.0", "0", "any", "any4", "::/0") and mask in ("0.0.0.0", "0", "")) or net in ("any",
                                                                                                         "any4")


# -- redaction: what leaves the device in evidence and provenance never holds a secret --------
def redact_config(text: str, platform: str = "cisco_ios") -> str:
    """Every secret of ``platform``'s table (:mod:`.redaction`) replaced by ``<removed>``."""
    return redaction.redact(platform, text)


def redact_config_bytes(raw: bytes, platform: str = "cisco_ios") -> bytes:
    return redaction.redact_bytes(platform, raw)
