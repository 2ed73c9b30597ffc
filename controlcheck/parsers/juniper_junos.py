"""Juniper Junos: the configuration in either form (``set`` lines, as ``show configuration |
display set`` prints them, or curly braces, as ``show configuration`` and most backups do)
and ``show version`` -> the platform-neutral ``system`` and ``network`` facts.

Junos has no vty lines: the SSH and Telnet services become ``network.lines`` entries of type
``vty`` (idle timeout from the login classes, the loopback input filter as access class), so
the line controls apply unchanged. The root password plays the enable secret's part. A
configuration is complete: what it does not set is the Junos default (``(default: ...)``).
"""

from __future__ import annotations

import re

from . import redaction
from .cisco_common import DEFAULT_COMMUNITIES, ParsedFacts
from .config_tree import Statement, brace_statements, put, select, set_default, set_statements

PLATFORM = "juniper_junos"
VENDOR = "Juniper"
_PHYSICAL = re.compile(r"^(ge|xe|et|fe|mge)-\d")


def statements(text: str) -> list[Statement]:
    """Either form, as set-form statements with their line numbers."""
    if re.search(r"^\s*set\s", text, re.M) and not re.search(r"^\s*\S[^\n]*\{\s*$", text, re.M):
        return set_statements(text)
    return brace_statements(text)


def hash_strength(value: str) -> int:
    """Junos crypt hashes on the facts model's scale: $6$/$5$ strong (8), $1$ MD5 (5), $9$ reversible (7)."""
    if value.startswith(("$6$", "$5$", "$sha")):
        return 8
    if value.startswith("$1$"):
        return 5
    if value.startswith("$9$"):
        return 7
    return 0


def is_firewall(st: list[Statement]) -> bool:
    return bool(select(st, "security", "policies") or select(st, "security", "zones"))


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    st = statements(text)

    if st.damaged:   # a config cut short: its absences prove nothing (undetermined, not defaults)
        facts.read_short(st.damaged)
    facts.set("system.vendor", VENDOR)
    facts.set("system.os_name", "Junos")
    for s in select(st, "system", "host-name")[-1:]:
        if len(s.words) > 2:
            facts.set("system.hostname", s.words[2], [s])
    for s in select(st, "version")[-1:]:
        if len(s.words) > 1:   # the release that wrote this configuration
            facts.set("system.os_version", s.words[1], [s])

    _services(st, facts)
    _users(st, facts)
    _snmp(st, facts)
    _logging_ntp(st, facts)
    _interfaces(st, facts)
    _policies(st, facts)
    set_default(facts, "network.services.cdp", False, "Junos has no CDP")
    lldp = select(st, "protocols", "lldp")
    put(facts, "network.services.lldp", bool(lldp) and not select(st, "protocols", "lldp", "disable"), lldp[:1],
        "LLDP is not configured")
    set_default(facts, "network.services.password_encryption", True, "Junos keeps local secrets hashed")
    set_default(facts, "network.aaa.new_model", True, "Junos always authenticates through its login classes")
    return facts


def _services(st: list[Statement], facts: ParsedFacts) -> None:
    ssh = select(st, "system", "services", "ssh")
    telnet = select(st, "system", "services", "telnet")
    put(facts, "network.ssh.enabled", bool(ssh), ssh[:1], "system services ssh is not configured")
    versions = select(st, "system", "services", "ssh", "protocol-version")
    spoken = {w for s in versions for w in s.words[4:]}
    version = "2" if "v1" not in spoken else ("1.99" if "v2" in spoken else "1")
    put(facts, "network.ssh.version", version, versions, "Junos speaks SSH protocol 2 only")
    put(facts, "network.services.telnet_server", bool(telnet), telnet[:1], "telnet is not configured")
    http = select(st, "system", "services", "web-management", "http")
    https = select(st, "system", "services", "web-management", "https")
    put(facts, "network.services.http_server", bool(http), http[:1], "J-Web over HTTP is not configured")
    put(facts, "network.services.https_server", bool(https), https[:1], "J-Web over HTTPS is not configured")

    # the idle timeout of a session is its login class's; a class without one never times out
    classes = {s.words[3]: s for s in select(st, "system", "login", "class", "*", "idle-timeout") if len(s.words) > 5}
    user_classes = {s.words[3]: s.words[5] for s in select(st, "system", "login", "user", "*", "class")
                    if len(s.words) > 5}
    timeouts, timeout_lines = [], []
    for cls in set(user_classes.values()) or {"(none)"}:
        line = classes.get(cls)
        timeouts.append(int(line.words[5]) * 60 if line and line.words[5].isdigit() else 0)
        if line:
            timeout_lines.append(line)
    worst = 0 if 0 in timeouts else max(timeouts)
    lo0_filter = [s for s in select(st, "interfaces", "lo0", "unit", "*", "family", "inet", "filter", "input")
                  if len(s.words) > 8]
    auth_order = select(st, "system", "authentication-order")
    lines, objs = [], []
    for name, present, transport in (("system services ssh", ssh, "ssh"), ("system services telnet", telnet, "telnet")):
        if not present:
            continue
        entry: dict = {"name": name, "type": "vty", "transport_input": [transport], "exec_timeout_seconds": worst,
                       "login": "authentication " + " ".join(w for s in auth_order for w in s.words[2:])
                       if auth_order else "local", "password_set": False}
        if lo0_filter:
            entry["access_class_in"] = lo0_filter[-1].words[8]
        lines.append(entry)
        objs.extend(present[:1])
    # the same services as firewall management access: from anywhere unless lo0 filters input
    for name, present in (("ssh", ssh), ("telnet", telnet)):
        entries = [{"interface": "any", "network": lo0_filter[-1].words[8] if lo0_filter else "any", "mask": "",
                    "any_source": not lo0_filter}] if present else []
        put(facts, f"network.management_access.{name}", entries, present[:1] + lo0_filter[-1:],
            f"system services {name} is not configured")
    console = {"name": "console", "type": "console", "exec_timeout_seconds": worst, "login": "local",
               "password_set": False}
    lines.append(console)
    objs.extend(timeout_lines + lo0_filter[-1:])
    put(facts, "network.lines", lines, objs, "no login class sets an idle-timeout")


def _users(st: list[Statement], facts: ParsedFacts) -> None:
    users: dict[str, dict] = {}
    objs = []
    for s in select(st, "system", "login", "user", "*"):
        name = s.words[3]
        entry = users.setdefault(name, {"name": name})
        rest = s.words[4:]
        if rest[:1] == ["class"] and len(rest) > 1:
            entry["class"] = rest[1]
            if rest[1] == "super-user":
                entry["privilege"] = 15
        elif rest[:2] == ["authentication", "encrypted-password"] and len(rest) > 2:
            entry["secret_type"] = hash_strength(rest[2])
            objs.append(s)
        elif rest[:2] == ["authentication", "ssh-rsa"] or rest[:2] == ["authentication", "ssh-ed25519"]:
            entry.setdefault("public_key", True)
    root = select(st, "system", "root-authentication", "encrypted-password")
    put(facts, "network.users", list(users.values()), objs, "no local users")
    put(facts, "network.enable.password_present", False, [], "Junos has no enable password")
    if root and len(root[-1].words) > 3:   # the root password is the superuser's secret
        facts.set("network.enable.secret_type", hash_strength(root[-1].words[3]), root[-1:])
    tacacs = [s for s in select(st, "system", "tacplus-server") if len(s.words) > 2]
    radius = [s for s in select(st, "system", "radius-server") if len(s.words) > 2]
    put(facts, "network.aaa.tacacs_servers", sorted({s.words[2] for s in tacacs}), tacacs, "no TACACS+ server")
    put(facts, "network.aaa.radius_servers", sorted({s.words[2] for s in radius}), radius, "no RADIUS server")
    order = select(st, "system", "authentication-order")
    put(facts, "network.aaa.authentication_login", [" ".join(w for s in order for w in s.words[2:])] if order else [],
        order, "local password only")
    retry = select(st, "system", "login", "retry-options")
    put(facts, "network.login_block.configured", bool(retry), retry[:1], "no login retry-options")
    for kind, word in (("login", "message"), ("motd", "announcement")):
        banner = select(st, "system", "login", word)
        put(facts, f"network.banner.{kind}", bool(banner), banner[:1], f"no login {word}")


def _snmp(st: list[Statement], facts: ParsedFacts) -> None:
    communities: dict[str, dict] = {}
    objs = []
    for s in select(st, "snmp", "community", "*"):
        name = s.words[2]
        entry = communities.setdefault(name, {"access": "RO", "is_default": name.lower() in DEFAULT_COMMUNITIES})
        rest = s.words[3:]
        if rest[:1] == ["authorization"] and len(rest) > 1:
            entry["access"] = "RW" if rest[1] == "read-write" else "RO"
        elif rest[:1] == ["clients"] and len(rest) > 1 and "restrict" not in rest:
            entry["acl"] = rest[1]
        objs.append(s)
    put(facts, "network.snmp.communities", list(communities.values()), objs, "no SNMP community")
    levels = {"privacy": "priv", "authentication": "auth", "none": "noauth"}
    groups, g_objs = {}, []
    for s in select(st, "snmp", "v3", "vacm", "access", "group", "*"):
        if "security-level" in s.words:
            i = s.words.index("security-level")
            if i + 1 < len(s.words):
                groups[s.words[5]] = {"name": s.words[5], "security_level": levels.get(s.words[i + 1], s.words[i + 1])}
                g_objs.append(s)
    put(facts, "network.snmp.v3_groups", list(groups.values()), g_objs, "no SNMPv3 group")
    users, u_objs = {}, []
    for s in select(st, "snmp", "v3", "usm", "local-engine", "user", "*"):
        entry = users.setdefault(s.words[5], {"name": s.words[5], "group": ""})
        for w in s.words[6:7]:
            if w.startswith("authentication-"):
                entry["auth_protocol"] = w.split("-", 1)[1]
            elif w.startswith("privacy-"):
                entry["priv_protocol"] = w.split("-", 1)[1]
        u_objs.append(s)
    put(facts, "network.snmp.v3_users", list(users.values()), u_objs, "no SNMPv3 user")
    targets = [s for s in select(st, "snmp", "trap-group", "*", "targets") if len(s.words) > 4]
    put(facts, "network.snmp.trap_hosts", [s.words[4] for s in targets], targets, "no SNMP trap target")


def _logging_ntp(st: list[Statement], facts: ParsedFacts) -> None:
    servers = [s for s in select(st, "system", "ntp", "server") if len(s.words) > 3]
    put(facts, "network.ntp.servers", list(dict.fromkeys(s.words[3] for s in servers)), servers, "no NTP server")
    keys = select(st, "system", "ntp", "trusted-key")
    put(facts, "network.ntp.authenticate", bool(keys), keys[:1], "no NTP trusted-key")
    hosts = [s for s in select(st, "system", "syslog", "host") if len(s.words) > 3]
    put(facts, "network.logging.hosts", list(dict.fromkeys(s.words[3] for s in hosts)), hosts,
        "no remote syslog host (local files only)")


def _interfaces(st: list[Statement], facts: ParsedFacts) -> None:
    found: dict[str, dict] = {}
    first: dict[str, Statement] = {}
    for s in select(st, "interfaces", "*"):
        name = s.words[1]
        entry = found.setdefault(name, {"name": name, "admin_up": True})
        first.setdefault(name, s)
        rest = s.words[2:]
        if rest[:1] == ["disable"]:
            entry["admin_up"] = False
        elif rest[:1] == ["description"] and len(rest) > 1:
            entry.setdefault("description", " ".join(rest[1:]))
        elif "address" in rest and rest.index("address") + 1 < len(rest):
            entry.setdefault("ip_address", rest[rest.index("address") + 1].split("/")[0])
        elif "description" in rest and rest.index("description") + 1 < len(rest):
            entry.setdefault("description", " ".join(rest[rest.index("description") + 1:]))
    put(facts, "network.interfaces", list(found.values()), list(first.values()), "no interfaces configured")
    unused = [n for n, e in found.items() if _PHYSICAL.match(n) and e["admin_up"] and "description" not in e
              and "ip_address" not in e]
    put(facts, "network.unused_interfaces_not_shut", unused, [first[n] for n in unused], "no unused port left enabled")


def _policies(st: list[Statement], facts: ParsedFacts) -> None:
    """Filter terms without a ``from`` that accept, and SRX policies matching any/any/any that permit."""
    hits, objs = [], []
    rules: dict[tuple, dict] = {}
    for s in select(st, "security", "policies", "from-zone", "*", "to-zone", "*", "policy", "*"):
        key = tuple(s.words[3:8])
        rule = rules.setdefault(key, {"match": {}, "permit": False, "stmts": []})
        rest = s.words[8:]
        if rest[:1] == ["match"] and len(rest) > 2:
            rule["match"].setdefault(rest[1], set()).add(rest[2])
        elif rest[:2] == ["then", "permit"]:
            rule["permit"] = True
        rule["stmts"].append(s)
    for key, rule in rules.items():
        m = rule["match"]
        if rule["permit"] and all("any" in m.get(k, set()) or "any-ipv4" in m.get(k, set())
                                  for k in ("source-address", "destination-address")) \
                and "any" in m.get("application", set()):
            hits.append(f"from-zone {key[0]} to-zone {key[2]} policy {key[4]}: any any any permit")
            objs.append(rule["stmts"][0])
    put(facts, "network.acls.any_any_permits", hits, objs, "no policy permits any to any")
    facts.set("network.firewall_policies", len(rules))


def parse_show_version(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    for path, pattern in (("system.hostname", r"^Hostname:\s*(\S+)"), ("system.model", r"^Model:\s*(\S+)"),
                          ("system.os_version", r"^Junos:\s*(\S+)")):
        match = re.search(pattern, text, re.M)
        if match:
            facts.set(path, match.group(1))
            facts.note(path, [match.group(0)])
    if facts.values:
        facts.set("system.vendor", VENDOR)
        facts.set("system.os_name", "Junos")
    return facts


# -- redaction -----------------------------------------------------------------------------------
REDACTED = "<removed>"
_COMMUNITY_RE = re.compile(r"(\bsnmp\s+community\s+|^\s*community\s+)(\S+)", re.M)


def _number_communities(text: str) -> str:
    """Each SNMP community gets a distinct stand-in (``<removed-2>``), so the lines of one
    community still group together once redacted; the table leaves numbered stand-ins alone."""
    if "community" not in text:
        return text
    names: dict[str, str] = {}

    def community(match: re.Match) -> str:
        name = match.group(2).strip('"')
        if name.lower() in DEFAULT_COMMUNITIES or name == "{":
            return match.group(0)
        return match.group(1) + names.setdefault(name, f"<removed-{len(names) + 1}>")

    return _COMMUNITY_RE.sub(community, text)


def redact_config(text: str) -> str:
    """SNMP communities numbered (see above), then the platform's table in parsers/redaction.py."""
    return redaction.redact(PLATFORM, _number_communities(text))
