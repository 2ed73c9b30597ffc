"""Asterisk configuration and CLI outputs -> ``pbx.*`` facts (docs/facts-model.md).

Asterisk's INI dialect: ``[name]``, ``[name](!)`` (template), ``[name](tpl1,tpl2)``
(inherits), ``[name](+)`` (appends to an earlier section), ``key = value`` and
``key => value``, ``;`` comments (``\\;`` is a literal), ``;-- block --;`` comments,
``#include``/``#tryinclude`` (expanded by :func:`expand_includes` when the caller can
fetch the file). Secrets are judged in memory only: facts name the endpoint or user
whose secret is weak, never the secret; :func:`redact_config` makes the text that
is kept as evidence. Parsers skip what they cannot read; they never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..vocabulary import Parsed   # path -> (value, the output lines that decided it)


MASK = "********"
DEFAULT_SECRETS = {
    "1234", "12345", "123456", "1234567", "12345678", "0000", "1111", "password", "passw0rd", "secret", "admin",
    "asterisk", "amp111", "ampmgrpass", "changeme", "default", "welcome", "sip", "voip", "pbx", "test", "qwerty",
    "letmein", "freepbx", "mysecret", "supersecret", "elastix", "palosanto", "eLaStIx.2oo7".lower(), "passw0rd!",
}
_SECRET_KEY = re.compile(r"(?i)^(?:[a-z0-9_.-]*(?:secret|passw(?:or)?d|pass|pwd|md5_cred|pin)[a-z0-9_.-]*)$")
_URI_CRED = re.compile(r"(?<![A-Za-z0-9+.-])([A-Za-z0-9_+.%-]+):([^@\s;:/,()]+)@")
_URI_SCHEMES = {"sip", "sips", "tel", "http", "https", "ws", "wss", "pjsip", "iax", "iax2", "mailto", "urn"}
_PIN_APPS = re.compile(r"(?i)\b(Authenticate|DISA)\(([^,)]*)")


# -- redaction ---------------------------------------------------------------------------------
def _mask_uri_creds(text: str) -> str:
    def repl(m: re.Match) -> str:
        return m.group(0) if m.group(1).lower() in _URI_SCHEMES else f"{m.group(1)}:{MASK}@"
    return _URI_CRED.sub(repl, text)


def redact_line(line: str) -> str:
    """One config line with every secret value replaced by ``********``."""
    body, sep, comment = _split_comment(line)
    m = re.match(r"^(\s*)([^=\s\[;#][^=]*?)(\s*=>?\s*)(.*?)(\s*)$", body)
    if m and _SECRET_KEY.match(m.group(2).strip()) and m.group(4):
        body = f"{m.group(1)}{m.group(2)}{m.group(3)}{MASK}{m.group(5)}"
    elif m and m.group(2).strip().lower() == "register":
        body = _mask_uri_creds(body)
        # register => user:secret:authuser@host/contact  (the second field is the secret)
        body = re.sub(r"(=>?\s*(?:[a-z]+://)?[^:@\s]+):([^@:\s]+)", lambda x: f"{x.group(1)}:{MASK}"
                      if x.group(2) != MASK else x.group(0), body, count=1)
    else:
        body = _mask_uri_creds(body)
    body = _PIN_APPS.sub(lambda x: f"{x.group(1)}({MASK if x.group(2) else ''}", body)
    comment = _mask_uri_creds(comment)
    return body + sep + comment


def redact_config(raw: bytes) -> bytes:
    """Evidence form of an Asterisk config file: every secret/password value masked."""
    text = raw.decode("utf-8", "surrogateescape")
    out = "".join(redact_line(line[:-1] if line.endswith("\n") else line) + ("\n" if line.endswith("\n") else "")
                  for line in text.splitlines(keepends=True))
    return out.encode("utf-8", "surrogateescape")


def is_weak_secret(secret: str | None, names: list[str | None] = ()) -> bool | None:
    """Short (< 12), only digits, equal to a user/endpoint name, or a known default. None: no secret."""
    if secret is None:
        return None
    s = secret.strip()
    if len(s) < 12 or s.isdigit() or s.lower() in DEFAULT_SECRETS:
        return True
    return any(n and s.lower() == str(n).lower() for n in names)


# -- the INI dialect ---------------------------------------------------------------------------
@dataclass
class Section:
    name: str
    options: list[str] = field(default_factory=list)
    items: list[tuple[str, str, str]] = field(default_factory=list)   # (key, value, raw line)
    line: str = ""

    @property
    def is_template(self) -> bool:
        return "!" in self.options

    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v, _ in reversed(self.items):
            if k == key:
                return v
        return default

    def all(self, key: str) -> list[str]:
        return [v for k, v, _ in self.items if k == key]

    def raw(self, key: str) -> list[str]:
        return [line for k, _, line in self.items if k == key]


@dataclass
class Config:
    sections: list[Section] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]

    def first(self, name: str) -> Section | None:
        found = self.named(name)
        return found[0] if found else None


def _split_comment(line: str) -> tuple[str, str, str]:
    i = 0
    while True:
        i = line.find(";", i)
        if i < 0:
            return line, "", ""
        if i > 0 and line[i - 1] == "\\":
            i += 1
            continue
        return line[:i], ";", line[i + 1:]


_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*(?:\(([^)]*)\))?\s*$")
_INCLUDE = re.compile(r"^\s*#(?:try)?include\s+[\"<]?([^\"'>\s]+)[\"'>]?", re.I)


def expand_includes(text: str, fetch: Callable[[str], str | None], depth: int = 0) -> tuple[str, list[str]]:
    """Replace ``#include file`` lines with ``fetch(file)`` (None: left as is). Returns the text
    and the list of included names (each once)."""
    names: list[str] = []
    out = []
    for line in text.splitlines():
        m = _INCLUDE.match(line)
        if m and depth < 3:
            name = m.group(1)
            names.append(name)
            body = fetch(name)
            if body is not None:
                inner, more = expand_includes(body, fetch, depth + 1)
                names.extend(n for n in more if n not in names)
                out.append(inner)
                continue
        out.append(line)
    return "\n".join(out), names


def parse_config(text: str | None) -> Config:
    """Sections with template inheritance resolved (an inherited section starts with the
    template's items; its own items follow and win)."""
    cfg = Config()
    current: Section | None = None
    in_block = False
    for raw_line in (text or "").splitlines():
        line = raw_line
        if in_block:
            end = line.find("--;")
            if end < 0:
                continue
            line = line[end + 3:]
            in_block = False
        start = line.find(";--")
        if start >= 0:
            end = line.find("--;", start + 3)
            if end < 0:
                in_block = True
                line = line[:start]
            else:
                line = line[:start] + line[end + 3:]
        m = _INCLUDE.match(line)
        if m:
            cfg.includes.append(m.group(1))
            continue
        body = _split_comment(line)[0].replace("\\;", ";").strip()
        if not body or body.startswith("#"):
            continue
        m = _SECTION.match(body)
        if m:
            name = m.group(1).strip()
            options = [o.strip() for o in (m.group(2) or "").split(",") if o.strip()]
            if "+" in options:
                earlier = cfg.named(name)
                if earlier:
                    current = earlier[-1]
                    continue
            current = Section(name=name, options=options, line=raw_line)
            for tpl in options:
                if tpl in ("!", "+"):
                    continue
                parents = [s for s in cfg.sections if s.name == tpl]
                if parents:
                    current.items.extend(parents[-1].items)
            cfg.sections.append(current)
            continue
        kv = re.match(r"^([^=]+?)\s*=>?\s*(.*)$", body)
        if kv and current is not None:
            current.items.append((kv.group(1).strip().lower(), kv.group(2).strip(), raw_line))
    return cfg


def _yes(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("yes", "true", "y", "t", "1", "on"):
        return True
    if v in ("no", "false", "n", "f", "0", "off"):
        return False
    return None


def _bind_all(addr: str | None) -> bool:
    if addr is None:
        return False
    host = addr.strip()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    return host in ("0.0.0.0", "::", "", "*")


def _r(lines: list[str]) -> list[str]:
    return [redact_line(line) for line in lines if line]


# -- CLI outputs ------------------------------------------------------------------------------
def parse_core_show_version(text: str) -> Parsed:
    m = re.search(r"Asterisk\s+(?:certified[/-])?(\d+(?:\.\d+)*(?:[-.][\w.]+)?)", text or "")
    if not m:
        return {}
    version = m.group(1)
    line = next((ln for ln in text.splitlines() if m.group(0) in ln), m.group(0))
    return {"pbx.version": (version, [line]), "system.os_name": ("Asterisk", []),
            "system.os_version": (version, [line])}


def parse_module_show(text: str) -> dict[str, bool]:
    """``module show like chan_``: module file -> running."""
    found = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if parts and parts[0].endswith(".so"):
            found[parts[0]] = "Running" in line or "running" in line.lower().split()
    return found


def chan_sip_from_modules_conf(cfg: Config, version: str | None) -> bool | None:
    """Would chan_sip be loaded according to modules.conf (and the release: gone in 21)?"""
    if version:
        major = re.match(r"(\d+)", version)
        if major and int(major.group(1)) >= 21:
            return False
    mods = cfg.first("modules")
    if mods is None:
        return None
    if any(v.strip() == "chan_sip.so" for v in mods.all("noload")):
        return False
    if any(v.strip() == "chan_sip.so" for v in mods.all("load") + mods.all("require")):
        return True
    return bool(_yes(mods.get("autoload", "no")))


def parse_fail2ban_status(text: str) -> Parsed:
    for line in (text or "").splitlines():
        m = re.search(r"Jail list:\s*(.*)$", line)
        if m:
            jails = [j.strip() for j in m.group(1).split(",") if j.strip()]
            sip = [j for j in jails if re.search(r"asterisk|sip|freepbx|voip|pbx", j, re.I)]
            return {"pbx.fail2ban.sip_jail": (bool(sip), [line]), "pbx.fail2ban.jails": (jails, [line])}
    return {}


# -- PJSIP / chan_sip -------------------------------------------------------------------------
def _pjsip_by_type(cfg: Config) -> dict[str, list[Section]]:
    by_type: dict[str, list[Section]] = {}
    for s in cfg.sections:
        if s.is_template:
            continue
        t = (s.get("type") or "").lower()
        by_type.setdefault(t, []).append(s)
    return by_type


def parse_pjsip(text: str) -> dict:
    """Transports and endpoints of pjsip.conf (weakness judged, secrets dropped)."""
    cfg = parse_config(text)
    by_type = _pjsip_by_type(cfg)
    auths = {s.name: s for s in by_type.get("auth", [])}
    identified = {e.strip() for s in by_type.get("identify", []) for e in (s.get("endpoint") or "").split(",")}
    transports = []
    for s in by_type.get("transport", []):
        transports.append({"name": s.name, "protocol": (s.get("protocol") or "udp").lower(),
                           "bind": s.get("bind") or "", "_lines": s.raw("protocol") + s.raw("bind") or [s.line]})
    endpoints = []
    for s in by_type.get("endpoint", []):
        ep: dict[str, Any] = {"name": s.name}
        auth_names = [a.strip() for a in (s.get("auth") or "").split(",") if a.strip()]
        auth = next((auths[a] for a in auth_names if a in auths), None)
        lines = s.raw("auth") or [s.line]
        if auth is not None:
            ep["auth_type"] = (auth.get("auth_type") or "userpass").lower()
            weak = is_weak_secret(auth.get("password"), [s.name, auth.get("username"), auth.name])
            if weak is not None:
                ep["weak_secret"] = weak
            lines = lines + auth.raw("password") + auth.raw("md5_cred")
        elif s.name in identified:
            ep["identified_by_ip"] = True
        ep["media_encryption"] = (s.get("media_encryption") or "no").lower()
        ep["context"] = s.get("context") or "default"
        ep["_lines"] = lines
        endpoints.append(ep)
    return {"transports": transports, "endpoints": endpoints, "config": cfg}


def parse_sip_conf(text: str) -> dict:
    """chan_sip: [general] options, listeners and peers/users/friends."""
    cfg = parse_config(text)
    general = cfg.first("general") or Section("general")
    transports = []
    udp_bind = general.get("udpbindaddr") or general.get("bindaddr") or "0.0.0.0"
    port = general.get("bindport") or general.get("port")
    if port and ":" not in udp_bind:
        udp_bind = f"{udp_bind}:{port}"
    transports.append({"name": "chan_sip-udp", "protocol": "udp", "bind": udp_bind,
                       "_lines": general.raw("udpbindaddr") + general.raw("bindaddr") or [general.line]})
    if _yes(general.get("tcpenable")):
        transports.append({"name": "chan_sip-tcp", "protocol": "tcp", "bind": general.get("tcpbindaddr") or udp_bind,
                           "_lines": general.raw("tcpenable")})
    if _yes(general.get("tlsenable")):
        transports.append({"name": "chan_sip-tls", "protocol": "tls", "bind": general.get("tlsbindaddr") or "",
                           "_lines": general.raw("tlsenable")})
    peers = []
    for s in cfg.sections:
        if s.is_template or s.name in ("general", "authentication") or (s.get("type") or "").lower() not in (
                "peer", "user", "friend"):
            continue
        ep: dict[str, Any] = {"name": s.name}
        secret, md5 = s.get("secret"), s.get("md5secret")
        host = (s.get("host") or "dynamic").lower()
        if secret is not None and secret != "":
            ep["auth_type"] = "userpass"
            ep["weak_secret"] = bool(is_weak_secret(secret, [s.name, s.get("username"), s.get("defaultuser")]))
        elif md5:
            ep["auth_type"] = "md5"
        elif host != "dynamic":
            ep["identified_by_ip"] = True
        ep["media_encryption"] = "sdes" if _yes(s.get("encryption")) else "no"
        ep["context"] = s.get("context") or general.get("context") or "default"
        ep["_lines"] = s.raw("secret") + s.raw("md5secret") + s.raw("host") or [s.line]
        peers.append(ep)
    return {"general": general, "transports": transports, "endpoints": peers, "config": cfg}


# -- AMI / HTTP / ARI / logger -------------------------------------------------------------------
def _acl_restricted(s: Section) -> bool:
    if s.get("acl"):
        return True
    denies = [d.replace(" ", "") for d in s.all("deny")]
    permits = [p.replace(" ", "") for p in s.all("permit")]
    deny_all = any(d in ("0.0.0.0/0.0.0.0", "0.0.0.0/0", "::/0") for d in denies)
    open_permit = any(p in ("0.0.0.0/0.0.0.0", "0.0.0.0/0", "::/0") for p in permits)
    return deny_all and bool(permits) and not open_permit


def parse_manager_conf(text: str) -> Parsed:
    cfg = parse_config(text)
    general = cfg.first("general")
    out: Parsed = {}
    if general is None:
        out["pbx.ami.enabled"] = (False, ["(no [general] section: AMI disabled by default)"])
        return out
    enabled = bool(_yes(general.get("enabled", "no")))
    out["pbx.ami.enabled"] = (enabled, _r(general.raw("enabled")))
    bindaddr = general.get("bindaddr", "0.0.0.0")
    out["pbx.ami.bindaddr"] = (bindaddr, _r(general.raw("bindaddr")))
    out["pbx.ami.bind_all"] = (_bind_all(bindaddr), _r(general.raw("bindaddr")))
    users, weak, lines = [], [], []
    for s in cfg.sections:
        if s.name == "general" or s.is_template:
            continue
        write = {w.strip().lower() for v in s.all("write") for w in v.split(",")}
        w = bool(is_weak_secret(s.get("secret"), [s.name]))
        users.append({"name": s.name, "permit_restricted": _acl_restricted(s), "weak_secret": w,
                      "write_all": "all" in write or {"system", "command", "originate"} <= write})
        if w:
            weak.append(s.name)
            lines.extend(_r(s.raw("secret")))
    out["pbx.ami.users"] = (users, [])
    out["pbx.ami.weak_secrets"] = (weak, lines)
    return out


def parse_http_conf(text: str) -> Parsed:
    cfg = parse_config(text)
    general = cfg.first("general") or Section("general")
    enabled = bool(_yes(general.get("enabled", "no")))
    bindaddr = general.get("bindaddr")
    out: Parsed = {"pbx.http.enabled": (enabled, _r(general.raw("enabled")))}
    if bindaddr is not None:
        out["pbx.http.bindaddr"] = (bindaddr, _r(general.raw("bindaddr")))
    out["pbx.http.bind_all"] = (enabled and (bindaddr is None or _bind_all(bindaddr)), _r(general.raw("bindaddr")))
    out["pbx.http.tls"] = (bool(_yes(general.get("tlsenable", "no"))), _r(general.raw("tlsenable")))
    return out


def parse_ari_conf(text: str, http_enabled: bool | None) -> Parsed:
    """ARI is reachable when ari.conf ``enabled`` (default yes) and the HTTP server is on."""
    cfg = parse_config(text)
    general = cfg.first("general") or Section("general")
    out: Parsed = {}
    if http_enabled is not None:
        on = bool(_yes(general.get("enabled", "yes"))) and http_enabled
        out["pbx.ari.enabled"] = (on, _r(general.raw("enabled")))
    weak = [s.name for s in cfg.sections if (s.get("type") or "").lower() == "user" and not s.is_template
            and (s.get("password_format") or "plain").lower() == "plain"
            and is_weak_secret(s.get("password"), [s.name])]
    out["pbx.ari.weak_secrets"] = (weak, [])
    return out


def parse_logger_conf(text: str) -> Parsed:
    cfg = parse_config(text)
    logfiles = cfg.first("logfiles")
    lines = []
    if logfiles is not None:
        for _key, value, line in logfiles.items:
            if "security" in [v.strip().lower() for v in re.split(r"[,\s]+", value)]:
                lines.append(line)
    return {"pbx.security_log": (bool(lines), lines)}


# -- dialplan: does an international number reach a trunk? ----------------------------------------
TEST_NUMBERS = ("011442079460000", "00442079460000", "+442079460000", "9011442079460000", "900442079460000",
                "0011442079460000")
_BLOCK_APPS = {"hangup", "congestion", "busy"}


@dataclass
class Ext:
    pattern: str
    apps: list[tuple[str, str, str]]   # (app, args, raw line)
    has_priority_1: bool = False        # without priority 1 a call never enters it (e.g. subroutines)


def parse_dialplan(text: str) -> dict[str, dict]:
    """extensions.conf -> {context: {"exts": {pattern: Ext}, "includes": [ctx]}}."""
    cfg = parse_config(text)
    contexts: dict[str, dict] = {}
    for s in cfg.sections:
        if s.name in ("general", "globals") or s.is_template:
            continue
        ctx = contexts.setdefault(s.name, {"exts": {}, "includes": []})
        last: Ext | None = None
        for key, value, line in s.items:
            if key == "include":
                ctx["includes"].append(value.split(",")[0].strip())
                continue
            if key not in ("exten", "same"):
                continue
            if key == "exten":
                parts = value.split(",", 2)
                if len(parts) < 3:
                    continue
                pattern, prio, app = parts[0].strip(), parts[1].strip(), parts[2].strip()
                if prio.lower() == "hint":
                    continue
                ext = ctx["exts"].get(pattern)
                if ext is None:
                    ext = ctx["exts"][pattern] = Ext(pattern, [])
                if re.match(r"^1(\(|$)", prio):
                    ext.has_priority_1 = True
                last = ext
            else:
                if last is None:
                    continue
                parts = value.split(",", 1)
                if len(parts) < 2:
                    continue
                app = parts[1].strip()
                ext = last
            m = re.match(r"^([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$", app, re.S)
            if m:
                ext.apps.append((m.group(1), m.group(2) or "", line))
    return contexts


def _pattern_regex(pattern: str) -> re.Pattern | None:
    if not pattern.startswith("_"):
        return None
    out = ""
    i, p = 0, pattern[1:]
    while i < len(p):
        c = p[i]
        if c in "Xx":
            out += "[0-9]"
        elif c in "Zz":
            out += "[1-9]"
        elif c in "Nn":
            out += "[2-9]"
        elif c == ".":
            out += ".+"
        elif c == "!":
            out += ".*"
        elif c == "[":
            end = p.find("]", i)
            if end < 0:
                return None
            out += "[" + re.sub(r"[\\\]^]", lambda m: "\\" + m.group(0), p[i + 1:end]) + "]"
            i = end
        elif c == "-":
            pass
        else:
            out += re.escape(c)
        i += 1
    try:
        return re.compile(out + r"\Z")
    except re.error:
        return None


def _specificity(pattern: str) -> tuple:
    """Lower sorts first: literals, then narrower character classes (Asterisk's ordering, roughly)."""
    if not pattern.startswith("_"):
        return (0,)
    key = []
    for c in pattern[1:]:
        key.append({"x": 10, "z": 9, "n": 8, ".": 1000, "!": 1001}.get(c.lower(), 1))
    return (1, *key)


def _match(contexts: dict, ctx: str, number: str, seen: set) -> tuple[str, Ext] | None:
    """Best match of ``number`` in ``ctx`` (own extensions first, then includes in order)."""
    if ctx in seen or ctx not in contexts:
        return None
    seen = seen | {ctx}
    own = contexts[ctx]["exts"]
    candidates = []
    for pattern, ext in own.items():
        if not ext.has_priority_1:
            continue
        if pattern == number:
            candidates.append(((0,), ext))
        else:
            rx = _pattern_regex(pattern)
            if rx is not None and rx.match(number):
                candidates.append((_specificity(pattern), ext))
    if candidates:
        return ctx, sorted(candidates, key=lambda c: c[0])[0][1]
    for inc in contexts[ctx]["includes"]:
        found = _match(contexts, inc, number, seen)
        if found:
            return found
    return None


def _subst_exten(expr: str, number: str) -> str | None:
    """``${EXTEN}``, ``${EXTEN:n}``, ``${EXTEN:n:m}`` with literal prefixes; None if other variables."""
    def repl(m: re.Match) -> str:
        start = int(m.group(1) or 0)
        length = int(m.group(2)) if m.group(2) else None
        part = number[start:] if start >= 0 else number[start:]
        return part[:length] if length is not None else part
    out = re.sub(r"\$\{EXTEN(?::(-?\d+))?(?::(\d+))?\}", repl, expr.strip())
    return None if "${" in out else out


def _split_args(args: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for c in args:
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += c
    out.append(cur)
    return [a.strip() for a in out]


def _external_target(target: str) -> bool:
    t = target.strip()
    if not t or re.match(r"(?i)^local/", t):
        return False
    return not re.match(r"(?i)^(pjsip|sip|iax2?)/[^/@&]+$", t)


def trace_number(contexts: dict, ctx: str, number: str, depth: int = 0) -> tuple[bool, list[str], str | None]:
    """Follow ``number`` dialled from ``ctx``: (reaches an outside trunk, raw lines, matched pattern)."""
    if depth > 8:
        return False, [], None
    found = _match(contexts, ctx, number, set())
    if found is None:
        return False, [], None
    where, ext = found
    lines: list[str] = []
    for app, args, line in ext.apps:
        name = app.lower()
        lines.append(line)
        if name in ("authenticate", "vmauthenticate", "disa"):
            return False, lines, ext.pattern       # PIN before dialling: restricted
        if name in _BLOCK_APPS:
            return False, lines, ext.pattern
        if name == "dial":
            targets = _split_args(args)[0] if args else ""
            for target in targets.split("&"):
                local = re.match(r"(?i)^local/([^@]+)@([^/,]+)", target.strip())
                if local:
                    num = _subst_exten(local.group(1), number)
                    if num:
                        ok, more, _ = trace_number(contexts, local.group(2), num, depth + 1)
                        if ok:
                            return True, lines + more, ext.pattern
                elif _external_target(target):
                    return True, lines, ext.pattern
        if name in ("macro", "gosub") and args and re.search(r"(?i)dialout|outbound|trunk", _split_args(args)[0]):
            return True, lines, ext.pattern
        if name == "goto":
            parts = _split_args(args)
            if len(parts) == 3:
                num = _subst_exten(parts[1], number)
                if num:
                    ok, more, _ = trace_number(contexts, parts[0], num, depth + 1)
                    return ok, lines + more, ext.pattern
                return False, lines, ext.pattern
    return False, lines, ext.pattern


def dialplan_international(contexts: dict, endpoint_contexts: list[str]) -> Parsed:
    """International test numbers dialled from each endpoint context: which patterns carry them
    to a trunk without a PIN."""
    patterns: list[str] = []
    lines: list[str] = []
    for ctx in dict.fromkeys(endpoint_contexts):
        for number in TEST_NUMBERS:
            ok, trace, pattern = trace_number(contexts, ctx, number)
            if ok and pattern:
                if pattern not in patterns:
                    patterns.append(pattern)
                    lines.extend(_r([f"[{ctx}] dials {number}: "] + trace[:4]))
    return {"pbx.dialplan.international_unrestricted": (bool(patterns), lines[:20]),
            "pbx.dialplan.international_patterns": (patterns, [])}
