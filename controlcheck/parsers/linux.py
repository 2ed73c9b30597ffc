"""Linux host outputs -> ``host.*`` / ``system.*`` facts (docs/facts-model.md).

Every parser is a pure function of command text. It returns ``{fact path: (value,
[source lines])}`` holding only what the text determines; odd or unreadable input
yields fewer facts, never an exception. Collectors add these with their evidence id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..vocabulary import Parsed   # path -> (value, the output lines that decided it)


# ID from /etc/os-release -> vendor (only distributions we can name for sure)
_VENDORS = {
    "debian": "Debian", "ubuntu": "Canonical", "rhel": "Red Hat", "centos": "CentOS", "fedora": "Fedora",
    "rocky": "Rocky Enterprise Software Foundation", "almalinux": "AlmaLinux", "sles": "SUSE",
    "opensuse-leap": "SUSE", "ol": "Oracle", "linuxmint": "Linux Mint", "alpine": "Alpine", "amzn": "Amazon",
    "arch": "Arch Linux", "kali": "Kali",
}


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines()


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# -- OS ------------------------------------------------------------------------------------
def parse_os_release(text: str) -> Parsed:
    """``/etc/os-release``: system.os_name/os_version/vendor, host.os.name/version."""
    values: dict[str, tuple[str, str]] = {}
    for line in _lines(text):
        m = re.match(r"^\s*([A-Z0-9_]+)=(.*)$", line)
        if not m:
            continue
        raw = m.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            raw = raw[1:-1]
        values[m.group(1)] = (raw, line)
    out: Parsed = {"host.os.family": ("linux", [])}
    if "NAME" in values:
        name, line = values["NAME"]
        out["system.os_name"] = (name, [line])
        out["host.os.name"] = (name, [line])
    version = values.get("VERSION_ID") or values.get("BUILD_ID")
    if version and version[0]:
        out["system.os_version"] = (version[0], [version[1]])
        out["host.os.version"] = (version[0], [version[1]])
    if "ID" in values and values["ID"][0].lower() in _VENDORS:
        out["system.vendor"] = (_VENDORS[values["ID"][0].lower()], [values["ID"][1]])
    if "PRETTY_NAME" in values:
        out["host.os.pretty_name"] = (values["PRETTY_NAME"][0], [values["PRETTY_NAME"][1]])
    return out


def parse_uname_nr(text: str) -> Parsed:
    """``uname -n -r``: ``<hostname> <kernel release>``."""
    for line in _lines(text):
        parts = line.split()
        if len(parts) == 2:
            return {"system.hostname": (parts[0], [line]), "host.os.kernel": (parts[1], [line])}
    return {}


# -- sshd ----------------------------------------------------------------------------------
_SSHD_LISTS = ("ciphers", "macs", "kexalgorithms")
# keywords whose every occurrence counts (the others: the first value wins, as in sshd)
_SSHD_MULTI = {"acceptenv", "hostkey", "listenaddress", "port", "subsystem", "allowusers", "denyusers",
               "allowgroups", "denygroups", "hostcertificate", "setenv"}


def _sshd_result(settings: dict[str, tuple[str, str]]) -> Parsed:
    out: Parsed = {}
    for key, (value, line) in settings.items():
        out[f"host.sshd.{key}"] = (value, [line])
    for key in _SSHD_LISTS:
        if key in settings:
            value, line = settings[key]
            out[f"host.sshd_list.{key}"] = ([v for v in value.split(",") if v], [line])
    return out


def parse_sshd_t(text: str) -> Parsed:
    """``sshd -T``: one ``keyword value`` per line, keywords already lowercased."""
    settings: dict[str, tuple[str, str]] = {}
    for line in _lines(text):
        parts = line.strip().split(None, 1)
        if len(parts) != 2 or not re.fullmatch(r"[a-z0-9]+", parts[0]):
            continue
        key, value = parts[0], parts[1].strip()
        if key in settings and key in _SSHD_MULTI:
            settings[key] = (settings[key][0] + " " + value, settings[key][1])
        elif key not in settings:
            settings[key] = (value, line)
    return _sshd_result(settings)


SSHD_DIR = "/etc/ssh"      # sshd resolves a relative Include against its compiled-in SSHDIR
_INCLUDE_DEPTH = 16         # sshd's own limit on nested Include


def sshd_includes(text: str) -> list[str]:
    """The ``Include`` patterns of an sshd_config, in order, resolved as sshd does (a relative
    pattern is under /etc/ssh, whatever the config file's own directory)."""
    found = []
    for line in _lines(text):
        parts = line.strip().split()
        if len(parts) >= 2 and parts[0].lower() == "include":
            for pattern in parts[1:]:
                found.append(pattern if pattern.startswith("/") else f"{SSHD_DIR}/{pattern}")
    return found


_SSHD_TIMES = {"logingracetime", "clientaliveinterval"}
_TIME_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def sshd_seconds(value: str) -> str:
    """sshd_config(5) TIME FORMATS (``5s``, ``1m30s``, ``2m``) -> seconds as ``sshd -T`` prints
    them; anything else is kept as written (a policy then reports a type mismatch)."""
    parts = re.findall(r"(\d+)([smhdwSMHDW]?)", value)
    if not parts or "".join(n + u for n, u in parts) != value.replace(" ", ""):
        return value
    return str(sum(int(n) * _TIME_UNITS[u.lower()] for n, u in parts))


@dataclass
class SshdConfigRead:
    """The configured sshd settings read from files: facts with their ``file:line: text``,
    the file that set each fact, and the Includes that could not be followed."""

    facts: Parsed
    files: dict[str, str]            # fact path -> file that set it
    errors: list[str]


def parse_sshd_config(text: str, included: dict[str, Any] | None = None, path: str = "/etc/ssh/sshd_config",
                      overrides: "SshdDaemonOptions | None" = None) -> Parsed:
    """Configured (not effective) settings; see :func:`read_sshd_config`. ``included`` may
    also map a pattern to the concatenated text of its files."""
    expanded = {pattern: [(pattern, entry)] if isinstance(entry, str) else entry
                for pattern, entry in (included or {}).items()}
    return read_sshd_config(path, text, expanded, overrides).facts


def read_sshd_config(path: str, text: str, included: dict[str, Any],
                     overrides: "SshdDaemonOptions | None" = None) -> SshdConfigRead:
    """Configured sshd settings, as the daemon reads them: ``Include`` expanded from
    ``included`` (resolved pattern -> ``[(file, text), ...]`` in glob order, or a string
    saying why it was not read), the first value of a keyword wins, a ``Match`` block is
    conditional and ends at the next ``Match`` or at the end of the file it is in (settings
    after an Include that held a Match still apply), and the daemon's command-line ``-p`` /
    ``-o`` override the files. Keywords set nowhere are absent (see :func:`sshd_defaults`)."""
    settings: dict[str, tuple[str, str]] = {}
    files: dict[str, str] = {}
    errors: list[str] = []

    def put(key: str, value: str, where: str, shown: str) -> None:
        if key in ("ciphers", "macs", "kexalgorithms"):
            value = value.lower()
        if key in _SSHD_TIMES:
            value = sshd_seconds(value)
        if key in settings and key in _SSHD_MULTI:
            settings[key] = (settings[key][0] + " " + value, settings[key][1])
        elif key not in settings:
            settings[key] = (value.lower() if value.lower() in ("yes", "no") else value, shown)
            files[key] = where

    if overrides is not None:                 # the command line comes first: its values win
        for key, value in overrides.options:
            put(key, value, "command line", f"{overrides.shown}: -o {key}={value}")
        if overrides.ports:
            settings["port"] = (" ".join(overrides.ports), f"{overrides.shown}: -p {' -p '.join(overrides.ports)}")
            files["port"] = "command line"

    def walk(where: str, body: str, depth: int) -> None:
        in_match = False                       # a Match block ends at the end of its file
        for number, line in enumerate(_lines(body), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            parts = re.split(r"\s+|\s*=\s*", stripped, maxsplit=1)
            if len(parts) != 2:
                continue
            key, value = parts[0].lower(), " ".join(parts[1].strip().strip('"').split())
            if key == "match":
                in_match = value.lower() != "all"
                continue
            if in_match:
                continue
            if key == "include":
                for pattern in sshd_includes(stripped):
                    entry = included.get(pattern)
                    if depth >= _INCLUDE_DEPTH:
                        errors.append(f"Include {pattern} in {where}:{number} not followed: nested too deep")
                    elif isinstance(entry, list):
                        for inc_path, inc_text in entry:
                            walk(inc_path, inc_text, depth + 1)
                    else:
                        errors.append(f"Include {pattern} in {where}:{number} not followed"
                                      + (f": {entry}" if entry else ""))
                continue
            if key == "port" and overrides is not None and overrides.ports:
                continue                       # sshd ignores the file's Port when -p is given
            put(key, value, where, f"{where}:{number}: {stripped}")

    walk(path, text, 0)
    facts = _sshd_result(settings)
    by_path = {f"host.sshd.{k}": f for k, f in files.items()}
    by_path.update({f"host.sshd_list.{k}": files[k] for k in _SSHD_LISTS if k in files})
    return SshdConfigRead(facts=facts, files=by_path, errors=errors)


@dataclass
class SshdDaemonOptions:
    """What a running sshd's command line says: its ``-f`` config, ``-p`` ports and ``-o`` options."""

    config: str | None = None
    ports: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)   # (lowercased keyword, value)
    shown: str = "sshd command line"

    def arguments(self) -> list[str]:
        """The ``-p``/``-o`` arguments to give ``sshd -T``/``-G`` so it prints what this daemon runs."""
        out = []
        for port in self.ports:
            out += ["-p", port]
        for key, value in self.options:
            out += ["-o", f"{key}={value}"]
        return out


_OPTION = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:=|\s+)(\S.*)$")


def sshd_daemon_options(args_line: str) -> SshdDaemonOptions:
    """``ps -o args=`` of a listener (``sshd: /usr/sbin/sshd -D -f /opt/x/sshd_config -p 37933
    -o MaxSessions=3 [listener] ...``) -> its options. ``ps`` joins argv with spaces, so an
    option is read as ``Keyword=value`` (the form that survives that)."""
    found = SshdDaemonOptions(shown=f"sshd command line '{args_line.strip()[:200]}'")
    tokens = args_line.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        flag, rest = token[:2], token[2:]
        if flag in ("-f", "-p", "-o") and token.startswith("-"):
            value = rest or (tokens[i + 1] if i + 1 < len(tokens) else "")
            i += 1 if rest else 2
            if flag == "-f" and value:
                found.config = value
            elif flag == "-p" and value.isdigit():
                found.ports.append(value)
            elif flag == "-o":
                m = _OPTION.match(value)
                if m:
                    found.options.append((m.group(1).lower(), m.group(2)))
            continue
        i += 1
    return found


def openssh_version(text: str) -> tuple[int, int] | None:
    """``OpenSSH_9.2p1 Debian-2+deb12u10`` (sshd's usage, ``ssh -V``) -> (9, 2)."""
    m = re.search(r"OpenSSH_(\d+)\.(\d+)", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def sshd_g_offered(output: str) -> bool:
    """Does this sshd know ``-G`` (print the effective configuration without loading host keys,
    newer OpenSSH)? An sshd without it answers ``unknown option -- G`` (or ``illegal option``)
    and its usage."""
    text = (output or "").lower()
    return not ("unknown option -- g" in text or "illegal option -- g" in text or "usage: sshd" in text
                or "not found" in text or "no such file" in text)


# sshd's compiled-in defaults for the keywords the policies read, from sshd_config(5); each
# applies from the OpenSSH release given (before it, the default differed or is not recorded)
_SSHD_DEFAULTS: dict[str, tuple[tuple[int, int], str]] = {
    "port": ((1, 0), "22"),
    "permitrootlogin": ((7, 0), "prohibit-password"),
    "passwordauthentication": ((1, 0), "yes"),
    "permitemptypasswords": ((1, 0), "no"),
    "pubkeyauthentication": ((1, 0), "yes"),
    "hostbasedauthentication": ((1, 0), "no"),
    "ignorerhosts": ((1, 0), "yes"),
    "maxauthtries": ((3, 9), "6"),
    "maxsessions": ((5, 1), "10"),
    "maxstartups": ((6, 2), "10:30:100"),
    "logingracetime": ((6, 2), "120"),
    "clientaliveinterval": ((3, 8), "0"),
    "clientalivecountmax": ((3, 8), "3"),
    "x11forwarding": ((1, 0), "no"),
    "permituserenvironment": ((1, 0), "no"),
    "usedns": ((6, 8), "no"),
    "kexalgorithms": ((9, 0), "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
                              "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
                              "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
                              "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"),
}


def sshd_defaults(version: tuple[int, int] | None, configured: set[str]) -> tuple[dict[str, str], list[str]]:
    """The compiled-in defaults of the keywords not in ``configured``: ``({keyword: value},
    [keywords whose default depends on a release that is unknown or older than we know])``."""
    values, unknown = {}, []
    for key, (since, value) in _SSHD_DEFAULTS.items():
        if key in configured:
            continue
        if version is not None and version >= since:
            values[key] = value
        else:
            unknown.append(key)
    return values, unknown


def sshd_default_facts(defaults: dict[str, str]) -> dict[str, Any]:
    """Fact path -> value for :func:`sshd_defaults` values (lists split, as ``sshd -T`` facts)."""
    out: dict[str, Any] = {}
    for key, value in defaults.items():
        out[f"host.sshd.{key}"] = value
        if key in _SSHD_LISTS:
            out[f"host.sshd_list.{key}"] = value.split(",")
    return out


def sshd_listener_config(ps_tree: str, args_line: str | None = None) -> tuple[int | None, str | None]:
    """From ``echo $$; ps -eo pid=,ppid=,comm=``: the pid of the sshd listener that serves this
    session (topmost sshd ancestor). From its ``ps -o args=`` line: its ``-f`` config file."""
    lines = _lines(ps_tree)
    if not lines:
        return None, None
    me = _int(lines[0])
    parents: dict[int, tuple[int, str]] = {}
    for line in lines[1:]:
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            parents[int(parts[0])] = (int(parts[1]), parts[2].strip())
    listener = None
    pid, seen = me, 0
    while pid in parents and seen < 64:
        ppid, comm = parents[pid]
        if comm.startswith("sshd"):
            listener = pid
        pid, seen = ppid, seen + 1
    config = None
    if args_line:
        m = re.search(r"(?:^|\s)-f\s*(\S+)", args_line)
        if m:
            config = m.group(1)
    return listener, config


# -- installed packages ----------------------------------------------------------------------
def parse_dpkg_list(text: str) -> list[dict]:
    """``dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\\n'`` -> the installed
    packages (status ``ii`` or held ``hi``; removed ones with config left, ``rc``, are not)."""
    out = []
    for line in _lines(text):
        parts = line.split()
        if len(parts) >= 3 and parts[0] in ("ii", "hi"):
            out.append({"name": parts[1], "version": parts[2]})
    return out


def parse_rpm_list(text: str) -> list[dict]:
    """``rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE}\\n'`` -> the installed packages."""
    out = []
    for line in _lines(text):
        parts = line.split()
        if len(parts) == 2:
            out.append({"name": parts[0], "version": parts[1]})
    return out


# -- password policy -------------------------------------------------------------------------
def parse_login_defs(text: str) -> Parsed:
    out: Parsed = {}
    names = {"PASS_MAX_DAYS": "max_days", "PASS_MIN_DAYS": "min_days", "PASS_WARN_AGE": "warn_age"}
    for line in _lines(text):
        parts = line.split()
        if len(parts) >= 2 and parts[0] in names and _int(parts[1]) is not None:
            out[f"host.password_policy.{names[parts[0]]}"] = (_int(parts[1]), [line])
    return out


def _kv_conf(text: str) -> dict[str, tuple[str, str]]:
    values: dict[str, tuple[str, str]] = {}
    for line in _lines(text):
        stripped = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z_]+)\s*=?\s*(\S*)", stripped)
        if m and stripped:
            values[m.group(1).lower()] = (m.group(2), line)
    return values


_PAM_QUALITY = re.compile(r"^\s*-?password\s+(?:\[[^\]]*\]|\S+)\s+(?:\S*/)?(pam_pwquality\.so|pam_cracklib\.so|pam_unix\.so)(.*)$")


def parse_password_quality(pwquality_conf: str | None, pam_password: str | None,
                           login_defs: str | None = None) -> Parsed:
    """Minimum length and complexity from pwquality.conf, the PAM password stack (module
    arguments override the file) and, only when no quality module is in use, PASS_MIN_LEN."""
    conf = _kv_conf(pwquality_conf or "")
    quality_line = None
    unix_line = None
    unix_args: dict[str, tuple[str, str]] = {}
    quality_args: dict[str, tuple[str, str]] = {}
    for line in _lines(pam_password):
        if line.strip().startswith("#"):
            continue
        m = _PAM_QUALITY.match(line)
        if not m:
            continue
        args = {}
        for token in m.group(2).split():
            if "=" in token:
                k, v = token.split("=", 1)
                args[k.lower()] = (v, line)
        if m.group(1) == "pam_unix.so":
            unix_args = args
            unix_line = line
        else:
            quality_line = line
            quality_args = args
    merged = dict(conf)
    merged.update(quality_args)
    in_use = quality_line is not None or any(k in conf for k in ("minlen", "minclass", "dcredit", "ucredit",
                                                                    "lcredit", "ocredit"))
    out: Parsed = {}
    if in_use:
        if "minlen" in merged and _int(merged["minlen"][0]) is not None:
            out["host.password_policy.min_length"] = (_int(merged["minlen"][0]), [merged["minlen"][1]])
        elif quality_line is not None:
            out["host.password_policy.min_length"] = (8 if "pwquality" in quality_line else 5, [quality_line])
        minclass = _int(merged.get("minclass", ("0", ""))[0]) or 0
        required = sum(1 for k in ("dcredit", "ucredit", "lcredit", "ocredit")
                       if (_int(merged.get(k, ("0", ""))[0]) or 0) < 0)
        deciding = [merged[k][1] for k in ("minclass", "dcredit", "ucredit", "lcredit", "ocredit") if k in merged]
        out["host.password_policy.complexity"] = (max(minclass, required) >= 3,
                                                  deciding or ([quality_line] if quality_line else []))
    elif unix_line is not None:
        # no quality module: pam_unix checks only its own minlen (default 6, pam_unix(8))
        if "minlen" in unix_args and _int(unix_args["minlen"][0]) is not None:
            out["host.password_policy.min_length"] = (_int(unix_args["minlen"][0]), [unix_args["minlen"][1]])
        else:
            out["host.password_policy.min_length"] = (6, [unix_line])
        out["host.password_policy.complexity"] = (False, [unix_line])
    if "host.password_policy.min_length" not in out and not in_use:
        for line in _lines(login_defs):
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "PASS_MIN_LEN" and _int(parts[1]) is not None:
                out["host.password_policy.min_length"] = (_int(parts[1]), [line])
    return out


# -- accounts --------------------------------------------------------------------------------
def parse_passwd_summary(text: str) -> Parsed:
    """``awk -F: '{print $1":"$3":"($2==""?"empty":"-")}' /etc/passwd``: user:uid:empty|-."""
    uid0, uid0_lines, empty, empty_lines = [], [], [], []
    for line in _lines(text):
        parts = line.strip().split(":")
        if len(parts) != 3 or not parts[0]:
            continue
        if parts[1] == "0":
            uid0.append(parts[0])
            uid0_lines.append(line)
        if parts[2] == "empty":
            empty.append(parts[0])
            empty_lines.append(line)
    if not uid0 and not empty and not text.strip():
        return {}
    return {"host.accounts.uid0": (uid0, uid0_lines), "host.accounts.passwd_empty": (empty, empty_lines)}


def parse_user_list(text: str) -> list[str]:
    """One user name per line (``awk ... /etc/shadow`` prints only names)."""
    return [line.strip() for line in _lines(text) if re.fullmatch(r"[A-Za-z0-9._@$-]+", line.strip())]


def parse_admin_groups(text: str) -> Parsed:
    """``getent group sudo wheel admin``: members of the administrative groups."""
    members: list[str] = []
    lines = []
    for line in _lines(text):
        parts = line.strip().split(":")
        if len(parts) == 4:
            lines.append(line)
            for user in parts[3].split(","):
                if user and user not in members:
                    members.append(user)
    if not lines:
        return {}
    return {"host.accounts.local_admins": (members, lines)}


# -- firewall --------------------------------------------------------------------------------
def parse_systemctl_is_active(text: str, units: list[str]) -> dict[str, str]:
    """``systemctl is-active a b c`` prints one state per unit, in order."""
    states = [line.strip() for line in _lines(text) if line.strip()]
    return {unit: state for unit, state in zip(units, states, strict=False)}


def parse_ufw_status(text: str) -> Parsed:
    for line in _lines(text):
        m = re.match(r"^\s*Status:\s*(\w+)", line)
        if m:
            return {"host.firewall.enabled": (m.group(1).lower() == "active", [line]),
                    "host.firewall.backend": ("ufw", [])}
    return {}


def parse_nft_ruleset(text: str) -> Parsed:
    """Enabled when an input-hook chain drops by default or holds at least one rule."""
    in_input = False
    rules = 0
    policy_drop = False
    deciding: list[str] = []
    for line in _lines(text):
        stripped = line.strip()
        if re.match(r"^chain\s+\S+\s*\{", stripped):
            in_input = False
            continue
        if re.search(r"\bhook\s+input\b", stripped):
            in_input = True
            deciding.append(line)
            policy_drop = policy_drop or bool(re.search(r"policy\s+drop", stripped))
            continue
        if stripped.startswith("}"):
            in_input = False
            continue
        if in_input and stripped and not stripped.startswith("#"):
            rules += 1
            if len(deciding) < 20:
                deciding.append(line)
    return {"host.firewall.enabled": (policy_drop or rules > 0, deciding),
            "host.firewall.backend": ("nftables", []),
            "host.firewall.input_rules": (rules, [])}


def parse_iptables_s(text: str) -> Parsed:
    """``iptables -S``: enabled when INPUT drops by default or has at least one rule."""
    deciding = [line for line in _lines(text) if re.match(r"^-(P INPUT (DROP|REJECT)|A INPUT )", line)]
    return {"host.firewall.enabled": (bool(deciding), deciding[:20]), "host.firewall.backend": ("iptables", [])}


# -- updates ---------------------------------------------------------------------------------
def parse_apt_simulate(text: str) -> Parsed:
    """``apt-get -s upgrade``: ``Inst pkg [old] (new origin [arch])``; security = from a
    ``*-security`` origin."""
    pending, security, lines = 0, 0, []
    saw_summary = False
    for line in _lines(text):
        if line.startswith("Inst "):
            pending += 1
            m = re.search(r"\(([^)]*)\)", line)
            if m and re.search(r"securi", m.group(1), re.I):
                security += 1
                if len(lines) < 20:
                    lines.append(line)
        elif re.match(r"^\d+ upgraded,", line):
            saw_summary = True
    if not saw_summary and pending == 0:
        return {}
    return {"host.updates.pending": (pending, []), "host.updates.pending_security": (security, lines)}


def parse_apt_periodic(apt_config_dump: str, unattended_installed: bool | None) -> Parsed:
    """``apt-config dump``: automatic updates when unattended-upgrades is installed and both
    APT::Periodic::Update-Package-Lists and ::Unattended-Upgrade are non-zero."""
    values: dict[str, tuple[str, str]] = {}
    for line in _lines(apt_config_dump):
        m = re.match(r'^\s*APT::Periodic::([A-Za-z-]+)\s+"([^"]*)";', line)
        if m:
            values[m.group(1)] = (m.group(2), line)
    update = values.get("Update-Package-Lists", ("0", ""))
    upgrade = values.get("Unattended-Upgrade", ("0", ""))

    def on(v: str) -> bool:
        return v.strip() not in ("", "0", "false", "no")

    lines = [line for _, line in (update, upgrade) if line]
    if unattended_installed is None:
        return {}
    return {"host.updates.automatic": (bool(unattended_installed and on(update[0]) and on(upgrade[0])), lines)}


# -- disks -----------------------------------------------------------------------------------
def parse_lsblk_json(text: str) -> Parsed:
    """``lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT``: is ``/`` under a crypt (LUKS) device?"""
    try:
        data = json.loads(text)
        roots = data["blockdevices"]
    except (ValueError, KeyError, TypeError):
        return {}
    volumes: list[dict] = []
    system: bool | None = None
    lines: list[str] = []

    def walk(node: Any, under_crypt: bool, chain: list[str]) -> None:
        nonlocal system
        if not isinstance(node, dict):
            return
        name = str(node.get("name", "?"))
        encrypted = under_crypt or node.get("type") == "crypt"
        here = f"{name} ({node.get('type')})"
        for mount in node.get("mountpoints") or [node.get("mountpoint")]:
            if not mount:
                continue
            volumes.append({"name": str(mount), "device": name, "encrypted": encrypted,
                            "method": "luks" if encrypted else "none"})
            if mount == "/":
                system = encrypted
                lines.append(" > ".join(chain + [f"{here} on /"]))
        for child in node.get("children") or []:
            walk(child, encrypted, chain + [here])

    for root in roots if isinstance(roots, list) else []:
        walk(root, False, [])
    out: Parsed = {"host.disk_encryption.volumes": (volumes, [])}
    if system is not None:
        out["host.disk_encryption.system_encrypted"] = (system, lines)
    return out


# -- services --------------------------------------------------------------------------------
def parse_timedatectl_show(text: str) -> Parsed:
    for line in _lines(text):
        if line.startswith("NTPSynchronized="):
            return {"host.time_sync.synchronized": (line.split("=", 1)[1].strip() == "yes", [line])}
    return {}


def parse_auditctl_rules(text: str) -> Parsed:
    lines = [line for line in _lines(text) if line.strip() and not line.startswith("No rules")]
    return {"host.audit.rules": (len(lines), lines[:5])}


ENDPOINT_PROTECTION = {
    "clamd", "clamonacc", "falcon-sensor", "falcond", "wdavdaemon", "mdatp", "sentinelagent", "sentinelone",
    "s1-agent", "cbagentd", "cbdaemon", "ds_agent", "savd", "sophosav", "sophos-spl", "soph_av", "esets_daemon",
    "esets", "oneav", "xagt", "elastic-endpoint", "cylancesvc", "taniumclient", "mfetpd", "mfeespd", "cmdagent",
    "bdsecd", "epagd", "kesl", "klnagent", "wazuh-agentd", "qualys-cloud-ag", "trendmicro", "ds_am",
}


def parse_process_names(text: str) -> list[str]:
    return [line.strip() for line in _lines(text) if line.strip() and line.strip() != "COMMAND"]


def endpoint_protection(processes: list[str]) -> list[str]:
    found = []
    for name in processes:
        if name.lower() in ENDPOINT_PROTECTION and name not in found:
            found.append(name)
    return found


_DISPLAY_MANAGERS = {"gdm", "gdm3", "lightdm", "sddm", "xdm", "lxdm", "slim", "Xorg", "Xwayland", "gnome-shell",
                     "plasmashell", "xfce4-session", "cinnamon-sessio", "mate-session"}


def desktop_processes(processes: list[str]) -> list[str]:
    return [p for p in processes if p in _DISPLAY_MANAGERS]


def parse_modprobe_dry_run(text: str) -> tuple[bool | None, list[str]]:
    """``modprobe -n -v usb-storage``: ``install /bin/false`` = blocked; ``insmod ...`` = loadable."""
    for line in _lines(text):
        stripped = line.strip()
        if stripped.startswith("install "):
            return bool(re.search(r"/(false|true)\b", stripped)), [line]
        if stripped.startswith("insmod ") and "usb-storage" in stripped.replace("_", "-"):
            return False, [line]
    return None, []


def parse_modprobe_d(text: str) -> tuple[bool | None, list[str]]:
    """modprobe.d lines about usb-storage: ``install usb-storage /bin/false`` or ``blacklist usb-storage``."""
    lines = []
    blocked = False
    for line in _lines(text):
        stripped = line.split("#", 1)[0].strip()
        parts = stripped.split()
        if len(parts) >= 2 and parts[1].replace("_", "-") == "usb-storage":
            if parts[0] == "blacklist" or (parts[0] == "install" and re.search(r"/(false|true)\b", stripped)):
                blocked = True
                lines.append(line)
    return (True, lines) if blocked else (None, [])


def usb_storage_loaded(proc_modules: str) -> str | None:
    for line in _lines(proc_modules):
        if line.split(" ", 1)[0] == "usb_storage":
            return line
    return None


def parse_dconf_screen_lock(text: str) -> Parsed:
    """GNOME settings from a dconf keyfile (``/etc/dconf/db/local.d/*``)."""
    section = ""
    out: Parsed = {}
    for line in _lines(text):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        if "=" not in stripped or stripped.startswith("#"):
            continue
        key, value = (s.strip() for s in stripped.split("=", 1))
        value = value.replace("uint32", "").strip()
        if section == "org/gnome/desktop/session" and key == "idle-delay" and _int(value) is not None:
            out["idle-delay"] = (_int(value), [line])
        elif section == "org/gnome/desktop/screensaver" and key == "lock-enabled":
            out["lock-enabled"] = (value.lower() == "true", [line])
        elif section == "org/gnome/desktop/screensaver" and key == "lock-delay" and _int(value) is not None:
            out["lock-delay"] = (_int(value), [line])
    return out


def parse_gsettings(text: str) -> Parsed:
    """``gsettings get org.gnome.desktop.session idle-delay; gsettings get ... lock-enabled; ... lock-delay``
    printed as ``idle-delay=uint32 900`` style lines by the collector's script."""
    out: Parsed = {}
    for line in _lines(text):
        if "=" not in line:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        value = value.replace("uint32", "").strip()
        if key in ("idle-delay", "lock-delay") and _int(value) is not None:
            out[key] = (_int(value), [line])
        elif key == "lock-enabled" and value in ("true", "false"):
            out[key] = (value == "true", [line])
    return out


def screen_lock_facts(settings: Parsed) -> Parsed:
    """GNOME: locks when lock-enabled (default true) after idle-delay (+ lock-delay) seconds;
    idle-delay 0 = never idle = no lock."""
    if "idle-delay" not in settings:
        return {}
    idle, idle_lines = settings["idle-delay"]
    lock_enabled, lock_lines = settings.get("lock-enabled", (True, []))
    delay, delay_lines = settings.get("lock-delay", (0, []))
    enabled = bool(lock_enabled) and idle > 0
    out: Parsed = {"host.screen_lock.enabled": (enabled, lock_lines + idle_lines)}
    if enabled:
        out["host.screen_lock.timeout_seconds"] = (idle + delay, idle_lines + delay_lines)
    else:
        out["host.screen_lock.timeout_seconds"] = (0, idle_lines + lock_lines)
    return out
