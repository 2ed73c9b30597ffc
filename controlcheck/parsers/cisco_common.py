"""What Cisco IOS and ASA parsing share: config parsing (ciscoconfparse2), ntc-templates/TextFSM
parsing, redaction and small token rules. Facts go into ``ParsedFacts`` (vocabulary.py).

Parsers are pure functions of text: they never raise on odd input, they skip
what they cannot read, and a fact they cannot decide stays absent.
"""

from __future__ import annotations

import re

from ciscoconfparse2 import CiscoConfParse

from ..vocabulary import ParsedFacts as ParsedFacts   # re-exported: the parsers' one facts type

DEFAULT_COMMUNITIES = frozenset({"public", "private"})


def parse_config(text: str, syntax: str) -> CiscoConfParse:
    lines = [line.rstrip("\r") for line in text.splitlines()]
    return CiscoConfParse(lines, syntax=syntax)


def textfsm_parse(platform: str, command: str, text: str) -> list[dict]:
    """Parse with the ntc-templates template for ``platform``/``command``; [] when none
    matches or the output does not fit the template."""
    try:
        from ntc_templates.parse import parse_output
        return [{k.lower(): v for k, v in row.items()} for row in parse_output(platform=platform, command=command,
                                                                                 data=text)]
    except Exception:  # a template that does not fit this output is no fact, not a crash
        return []


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
REDACTED = "<removed>"
_SECRET_WORDS = {"secret", "password", "passwd", "key", "key-string", "md5", "pre-shared-key",
                 "authentication-key"}
_SNMP_ALGORITHMS = {"md5", "sha", "sha224", "sha256", "sha384", "sha512", "aes", "des", "3des", "128", "192",
                    "256"}


def _redact_tokens(tokens: list[str], start: int = 0) -> list[str]:
    out = list(tokens)
    i = start
    while i < len(out):
        word = out[i].lower()
        if word in _SECRET_WORDS and i + 1 < len(out):
            j = i + 1
            if word == "pre-shared-key" and out[j] == "address":
                i += 1                                    # the key follows as 'key <value>'
                continue
            if word == "authentication-key" and j + 1 < len(out):
                j += 1                                    # ntp authentication-key <n> md5 <value>
                if out[j].lower() == "md5" and j + 1 < len(out):
                    j += 1
            elif out[j].isdigit() and len(out[j]) == 1 and j + 1 < len(out):
                j += 1                                    # '<word> 7 <value>': keep the type
            out[j] = REDACTED
            i = j + 1
            continue
        i += 1
    return out


def _redact_snmp_user(tokens: list[str]) -> list[str]:
    out = list(tokens)
    for i, token in enumerate(out):
        if token.lower() in ("auth", "priv"):
            j = i + 1
            while j < len(out) and out[j].lower() in _SNMP_ALGORITHMS:
                j += 1
            if j < len(out) and out[j].lower() not in ("priv", "access"):
                out[j] = REDACTED
    return out


def _redact_snmp_host(tokens: list[str]) -> list[str]:
    """IOS ``snmp-server host <addr> [traps|informs] [version 1|2c|3 [auth|noauth|priv]] <community> ...``,
    ASA ``snmp-server host <if> <addr> community <community> ...``."""
    out = list(tokens)
    if "community" in [t.lower() for t in out]:
        i = [t.lower() for t in out].index("community")
        if i + 1 < len(out) and out[i + 1].lower() not in DEFAULT_COMMUNITIES:
            out[i + 1] = REDACTED
        return out
    i = 3
    if i < len(out) and out[i] in ("traps", "informs"):
        i += 1
    if i < len(out) and out[i] == "version":
        i += 2
        if i < len(out) and out[i] in ("auth", "noauth", "priv"):
            i += 1
    if i < len(out) and out[i].lower() not in DEFAULT_COMMUNITIES:
        out[i] = REDACTED
    return out


def redact_config(text: str) -> str:
    """Replace every password, secret, key and non-default SNMP community value with
    ``<removed>``; a secret's type digit (``secret 5``) is kept, it is what controls judge."""
    out_lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        indent = body[:len(body) - len(body.lstrip())]
        tokens = body.split()
        if not tokens or tokens[0] in ("!", "description", ":"):
            out_lines.append(line)
            continue
        if tokens[:2] == ["snmp-server", "community"] and len(tokens) > 2:
            if tokens[2].lower() not in DEFAULT_COMMUNITIES:
                tokens[2] = REDACTED
        elif tokens[:2] == ["snmp-server", "host"]:
            tokens = _redact_snmp_host(tokens)
        elif tokens[:2] == ["snmp-server", "user"]:
            tokens = _redact_snmp_user(tokens)
        elif tokens[:3] == ["crypto", "isakmp", "key"] and len(tokens) > 3:
            tokens[3] = REDACTED
        else:
            tokens = _redact_tokens(tokens)
        new = indent + " ".join(tokens)
        out_lines.append((new if tokens != body.split() else body) + ending)
    return "".join(out_lines)
