"""Small helpers several report formats share (no format logic here)."""

from __future__ import annotations

import datetime as dt
from json.encoder import encode_basestring as _json_str   # the C function when available

from ..vocabulary import STATUSES, parse_utc
from ..vocabulary import SEVERITY_RANK as SEV_RANK

# the order findings are listed in: what needs action first
STATUS_RANK = {"fail": 0, "error": 1, "waived": 2, "pass": 3, "skip": 4}


def control(results: dict, control_id: str) -> dict:
    return (results.get("controls") or {}).get(control_id) or {"id": control_id}


def frameworks_text(frameworks: dict | None) -> str:
    """``pci-dss-4.0 2.2.7, 1.2.1; nist-800-53-r5 AC-17(2)``."""
    return "; ".join(f"{fw} {', '.join(str(r) for r in refs)}" for fw, refs in sorted((frameworks or {}).items()))


def evidence_text(finding: dict) -> str:
    """One line per evidence item: id, source, sha256 and the lines that decided the finding."""
    parts = []
    for ev in finding.get("evidence") or []:
        line = f"{ev.get('id', '')} {ev.get('source', '')} sha256={ev.get('sha256', '')}".strip()
        if ev.get("lines"):
            line += " | " + " / ".join(str(x) for x in ev["lines"])
        parts.append(line)
    return "\n".join(parts)


def waiver_text(finding: dict) -> str:
    w = finding.get("waiver")
    if not w:
        return ""
    return f"until {w.get('expires')} by {w.get('approver')}: {w.get('justification')}"


def asset_index(results: dict) -> dict[str, dict]:
    return {a["id"]: a for a in results.get("assets") or []}


def sorted_findings(results: dict) -> list[dict]:
    """Findings worst first: status (fail, error, waived, pass), severity, asset, control."""
    return sorted(results.get("findings") or [],
                  key=lambda f: (STATUS_RANK.get(f["status"], 9), -SEV_RANK.get(f["severity"], 0), f["asset_id"],
                                 f["control_id"]))


def spreadsheet_safe(value: object) -> object:
    """A device string that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
    tab, CR) gets a leading apostrophe (OWASP CSV injection). Numbers pass unchanged."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def iso_z(value: str | None, default: str | None = None) -> str | None:
    """A timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), or ``default`` when it is not one."""
    parsed = parse_utc(value)
    if parsed is None:
        return default
    return parsed.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def counts_by_status(results: dict) -> dict[str, int]:
    s = (results.get("summary") or {}).get("by_status")
    if s:
        return {k: int(s.get(k, 0)) for k in STATUSES}
    out = {k: 0 for k in STATUSES}
    for f in results.get("findings") or []:
        out[f["status"]] = out.get(f["status"], 0) + 1
    return out


def finding_location(finding: dict, asset: dict | None = None) -> tuple[str | None, int | None]:
    """The saved configuration file and the 1-based line that decided a finding (from its
    evidence), else the asset's config file at line 1 (a setting absent from the whole file);
    (None, None) for a finding with no file behind it (a live device)."""
    for ev in finding.get("evidence") or []:
        if ev.get("file"):
            numbers = ev.get("line_numbers") or []
            return ev["file"], (min(numbers) if numbers else 1)
    config = (asset or {}).get("config") or {}
    if config.get("path"):
        return config["path"], 1
    return None, None


_INF = float("inf")
_LONG_LIST = 64
_JSON_CONSTANT_KEYS = {True: '"true"', False: '"false"', None: '"null"'}


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (_INF, -_INF):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return _json_str(key)
    if isinstance(key, float):
        return _json_str(_json_float(key))
    if key is True or key is False or key is None:
        return _JSON_CONSTANT_KEYS[key]
    if isinstance(key, int):
        return _json_str(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _encode_indented(o: object, nl: str, add) -> None:
    if isinstance(o, str):
        add(_json_str(o))
    elif isinstance(o, dict):
        if not o:
            add("{}")
            return
        inner = nl + "  "
        sep = "{" + inner
        for k, v in o.items():
            add(sep + (_json_str(k) if type(k) is str else _json_key(k)) + ": ")
            sep = "," + inner
            if type(v) is str:
                add(_json_str(v))
            else:
                _encode_indented(v, inner, add)
        add(nl + "}")
    elif isinstance(o, (list, tuple)):
        if not o:
            add("[]")
            return
        inner = nl + "  "
        sep = "[" + inner
        long = len(o) > _LONG_LIST
        for v in o:
            add(sep)
            sep = "," + inner
            if type(v) is str:
                add(_json_str(v))
            elif long:            # one string per item: a fleet's findings are 1.4M parts otherwise
                parts: list[str] = []
                _encode_indented(v, inner, parts.append)
                add("".join(parts))
            else:
                _encode_indented(v, inner, add)
        add(nl + "]")
    elif o is None:
        add("null")
    elif o is True:
        add("true")
    elif o is False:
        add("false")
    elif isinstance(o, int):
        add(int.__repr__(o))
    elif isinstance(o, float):
        add(_json_float(o))
    else:
        _encode_indented(str(o), nl, add)       # json.dumps(default=str)


def indented_json(value: object, indent: str = "", end: str = "") -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, default=str) + end``, byte for byte,
    about twice as fast: json's indenting encoder is pure Python and passes every token up a
    chain of generators, one per level; this appends to one list. ``indent`` starts every
    line after the first (the value nested in an enclosing document)."""
    parts: list[str] = []
    _encode_indented(value, "\n" + indent, parts.append)
    parts.append(end)
    return "".join(parts)
