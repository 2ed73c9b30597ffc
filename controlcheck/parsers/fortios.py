"""Fortinet FortiOS (FortiGate): the configuration (``show`` / ``show full-configuration``,
or a backup file) and ``get system status`` -> the platform-neutral ``system`` and
``network`` facts, plus the firewall facts (``network.admin.*``, management access per
interface, untrusted interfaces, any-to-any policies).

FortiOS ``show`` omits settings left at their default, so a setting a configuration does not
name is the FortiOS 7.x default, recorded with a ``(default: ...)`` provenance line.
"""

from __future__ import annotations

import re

from . import redaction
from .cisco_common import DEFAULT_COMMUNITIES, ParsedFacts
from .config_tree import Statement, fortios_statements, put, set_default

PLATFORM = "fortios"
VENDOR = "Fortinet"
ADMIN_PROTOCOLS = ("https", "ssh", "http", "telnet", "snmp")
# an interface is untrusted when FortiOS calls its role wan, or its name says so
UNTRUSTED_NAME = re.compile(r"wan|internet|outside|untrust|external", re.I)


def _settings(st: list[Statement], section: str) -> dict[str, Statement]:
    """``set`` lines of one ``config <section>`` without ``edit`` (last one wins)."""
    out: dict[str, Statement] = {}
    n = len(section.split())
    for s in st:
        words = s.words
        if " ".join(words[:n]) == section and words[n:n + 1] == ["set"] and len(words) > n + 1:
            out[words[n + 1]] = s
    return out


def _entries(st: list[Statement], section: str) -> dict[str, dict[str, Statement]]:
    """``edit <name>`` entries of ``config <section>``: name -> {key: statement}."""
    out: dict[str, dict[str, Statement]] = {}
    n = len(section.split())
    for s in st:
        words = s.words
        if " ".join(words[:n]) == section and len(words) > n + 2 and words[n + 1] == "set":
            out.setdefault(words[n], {})[words[n + 2]] = s
        elif " ".join(words[:n]) == section and len(words) > n + 1 and words[n + 1] == "set":
            continue
    return out


def _values(s: Statement | None, skip: int) -> list[str]:
    return s.words[skip:] if s else []


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    st = fortios_statements(text)

    if st.damaged:   # a config cut short: its absences prove nothing (undetermined, not defaults)
        facts.read_short(st.damaged)
    facts.set("system.vendor", VENDOR)
    facts.set("system.os_name", "FortiOS")
    match = re.search(r"^#config-version=\S+?-(\d+\.\d+\.\d+)-", text, re.M)
    if match:   # the release that wrote the backup
        facts.set("system.os_version", match.group(1))
        facts.note("system.os_version", [match.group(0)])
    glob = _settings(st, "system global")

    def global_value(key: str) -> tuple[list[str], list[Statement]]:
        s = glob.get(key)
        return (s.words[4:], [s]) if s else ([], [])

    hostname, lines = global_value("hostname")
    if hostname:
        facts.set("system.hostname", hostname[0], lines)

    _admin(st, glob, facts)
    _interfaces(st, facts)
    _logging_ntp_snmp(st, facts)
    _policies(st, facts)
    set_default(facts, "network.ssh.version", "2", "FortiOS speaks SSH protocol 2 only")
    banner, lines = global_value("pre-login-banner")
    put(facts, "network.banner.login", banner[:1] == ["enable"], lines, "pre-login-banner disable")
    tls, lines = global_value("admin-https-ssl-versions")
    put(facts, "network.services.https_tls_versions", tls or ["tlsv1-2", "tlsv1-3"], lines,
        "admin-https-ssl-versions tlsv1-2 tlsv1-3")
    return facts


def _admin(st: list[Statement], glob: dict[str, Statement], facts: ParsedFacts) -> None:
    def number(key: str, default: int, why: str, scale: int = 1) -> None:
        s = glob.get(key)
        value = s.words[4] if s and len(s.words) > 4 else None
        path = {"admintimeout": "network.admin.idle_timeout_seconds",
                "admin-lockout-threshold": "network.admin.lockout_threshold",
                "admin-lockout-duration": "network.admin.lockout_seconds"}[key]
        if value is not None and value.isdigit():
            facts.set(path, int(value) * scale, [s])
        else:
            set_default(facts, path, default * scale, why)

    number("admintimeout", 5, "admintimeout 5 (minutes)", scale=60)
    number("admin-lockout-threshold", 3, "admin-lockout-threshold 3")
    number("admin-lockout-duration", 60, "admin-lockout-duration 60")
    admins = _entries(st, "system admin")
    users, objs, trusted = [], [], []
    for name, keys in admins.items():
        entry: dict = {"name": name}
        profile = _values(keys.get("accprofile"), 5)
        if profile:
            entry["profile"] = profile[0]
            entry["privilege"] = 15 if profile[0] == "super_admin" else 1
        if keys.get("password"):
            entry["secret_type"] = 8    # FortiOS stores admin passwords as salted SHA-256 (ENC SH2)
        hosts = [v for k, v in keys.items() if k.startswith("trusthost") and v.words[5:] not in (
            ["0.0.0.0", "0.0.0.0"], ["0.0.0.0/0"], [])]
        entry["trusted_hosts"] = len(hosts)
        trusted.append(bool(hosts))
        users.append(entry)
        objs.extend(list(keys.values())[:1])
    put(facts, "network.users", users, objs, "only the factory 'admin' account")
    default_admin = "admin" in admins or not admins
    put(facts, "network.admin.default_account_present", default_admin,
        [list(admins["admin"].values())[0]] if "admin" in admins else [],
        "the factory 'admin' account exists unless the configuration removes it")
    # management from anywhere unless every administrator is bound to trusted hosts
    facts.values["_any_source"] = not (trusted and all(trusted))


def _interfaces(st: list[Statement], facts: ParsedFacts) -> None:
    any_source = facts.values.pop("_any_source", True)
    interfaces, objs = [], []
    access: dict[str, list] = {p: [] for p in ("telnet", "ssh", "http", "https")}
    access_objs: dict[str, list] = {p: [] for p in access}
    untrusted, untrusted_objs = [], []
    for name, keys in _entries(st, "system interface").items():
        allow = _values(keys.get("allowaccess"), 5)
        role = _values(keys.get("role"), 5)
        status = _values(keys.get("status"), 5)
        entry: dict = {"name": name, "admin_up": status[:1] != ["down"]}
        ip = _values(keys.get("ip"), 5)
        if ip and ip[0] != "0.0.0.0":
            entry["ip_address"] = ip[0]
        alias = _values(keys.get("description"), 5) or _values(keys.get("alias"), 5)
        if alias and alias[0]:
            entry["description"] = " ".join(alias)
        if allow:
            entry["admin_access"] = allow
        if role:
            entry["role"] = role[0]
        interfaces.append(entry)
        objs.append(next(iter(keys.values())))
        for proto in access:
            if proto in allow:
                access[proto].append({"interface": name, "network": "any" if any_source else "trusted hosts",
                                      "mask": "", "any_source": any_source})
                access_objs[proto].append(keys["allowaccess"])
        admin = [p for p in ADMIN_PROTOCOLS if p in allow]
        if admin and (role[:1] == ["wan"] or UNTRUSTED_NAME.search(name)):
            untrusted.append(f"{name}: {' '.join(admin)}")
            untrusted_objs.append(keys["allowaccess"])
    put(facts, "network.interfaces", interfaces, objs, "no interface is configured")
    for proto in access:
        put(facts, f"network.management_access.{proto}", access[proto], access_objs[proto],
            f"no interface allows {proto}")
    put(facts, "network.management_access.untrusted_interfaces", untrusted, untrusted_objs,
        "no administrative access on a WAN interface")
    put(facts, "network.services.telnet_server", bool(access["telnet"]), access_objs["telnet"],
        "no interface allows telnet")
    put(facts, "network.services.http_server", bool(access["http"]), access_objs["http"],
        "no interface allows http")
    put(facts, "network.services.https_server", bool(access["https"]), access_objs["https"],
        "no interface allows https")
    put(facts, "network.ssh.enabled", bool(access["ssh"]), access_objs["ssh"], "no interface allows ssh")


def _logging_ntp_snmp(st: list[Statement], facts: ParsedFacts) -> None:
    hosts, objs = [], []
    for section in ("log syslogd setting", "log syslogd2 setting", "log syslogd3 setting", "log syslogd4 setting",
                    "log fortianalyzer setting"):
        settings = _settings(st, section)
        status, server = settings.get("status"), settings.get("server")
        if status and status.words[-1] == "enable" and server and len(server.words) > len(section.split()) + 2:
            hosts.append(server.words[-1])
            objs.extend([server])
    put(facts, "network.logging.hosts", hosts, objs, "syslogd status disable")

    ntp = _settings(st, "system ntp")
    sync = ntp.get("ntpsync")
    kind = ntp.get("type")
    if sync and sync.words[-1] == "disable":
        facts.set("network.ntp.servers", [], [sync])
    elif kind and kind.words[-1] == "custom":
        servers = [s for s in st if s.words[:3] == ["system", "ntp", "ntpserver"] and s.words[4:6] == ["set", "server"]]
        facts.set("network.ntp.servers", [s.words[-1] for s in servers], servers or [kind])
    else:
        put(facts, "network.ntp.servers", ["fortiguard"], [kind] if kind else [],
            "ntpsync enable, type fortiguard")
    auth = [s for s in st if s.words[:3] == ["system", "ntp", "ntpserver"] and s.words[4:6] == ["set", "authentication"]
            and s.words[-1] == "enable"]
    put(facts, "network.ntp.authenticate", bool(auth), auth, "NTP authentication disable")

    communities, c_objs = [], []
    for _, keys in _entries(st, "system snmp community").items():
        name = _values(keys.get("name"), 6)
        status = _values(keys.get("status"), 6)
        if status[:1] == ["disable"]:
            continue
        entry = {"access": "RO", "is_default": bool(name) and name[0].lower() in DEFAULT_COMMUNITIES}
        communities.append(entry)
        c_objs.append(keys.get("name") or next(iter(keys.values())))
    put(facts, "network.snmp.communities", communities, c_objs, "no SNMP community")
    users, u_objs = [], []
    for name, keys in _entries(st, "system snmp user").items():
        level = _values(keys.get("security-level"), 6)
        users.append({"name": name, "group": "", "security_level": {"auth-priv": "priv", "auth-no-priv": "auth"}.get(
            level[0] if level else "", "noauth")})
        u_objs.append(next(iter(keys.values())))
    put(facts, "network.snmp.v3_users", users, u_objs, "no SNMPv3 user")


def _policies(st: list[Statement], facts: ParsedFacts) -> None:
    hits, objs = [], []
    policies = _entries(st, "firewall policy")
    for pid, keys in policies.items():
        action = _values(keys.get("action"), 5)
        status = _values(keys.get("status"), 5)
        if action[:1] != ["accept"] or status[:1] == ["disable"]:
            continue
        src, dst = _values(keys.get("srcaddr"), 5), _values(keys.get("dstaddr"), 5)
        service = _values(keys.get("service"), 5)
        if "all" in src and "all" in dst and "ALL" in service:
            name = _values(keys.get("name"), 5)
            hits.append(f"policy {pid}{' ' + name[0] if name else ''}: all -> all service ALL accept")
            objs.append(keys["action"])
    put(facts, "network.acls.any_any_permits", hits, objs, "no policy accepts all to all")
    facts.set("network.firewall_policies", len(policies))


def parse_show_version(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    """``get system status``."""
    facts = facts or ParsedFacts()
    for path, pattern in (("system.os_version", r"^Version:\s*\S+\s+v(\d+\.\d+\.\d+)"),
                          ("system.serial", r"^Serial-Number:\s*(\S+)"), ("system.hostname", r"^Hostname:\s*(\S+)"),
                          ("system.model", r"^Version:\s*(\S+)")):
        match = re.search(pattern, text, re.M)
        if match:
            facts.set(path, match.group(1))
            facts.note(path, [match.group(0)])
    if facts.values:
        facts.set("system.vendor", VENDOR)
        facts.set("system.os_name", "FortiOS")
    return facts


# -- redaction -----------------------------------------------------------------------------------
def redact_config(text: str) -> str:
    """The platform's table in parsers/redaction.py (it scopes SNMP community names by their
    config section)."""
    return redaction.redact(PLATFORM, text)
