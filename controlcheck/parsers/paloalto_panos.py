"""Palo Alto Networks PAN-OS: the configuration as XML (a saved ``running-config.xml``, or
``show config running`` with XML output), in the CLI's brace form, or as ``set`` lines, and
``show system info`` -> the platform-neutral ``system`` and ``network`` facts plus the
firewall facts (``network.admin.*``, management access, untrusted zones, any-to-any rules).

All three forms become the same set-form statements (``deviceconfig system hostname fw1``;
the ``config``, ``devices <name>`` and ``vsys <name>`` levels are dropped). A setting the
configuration does not name is the PAN-OS schema default (``(default: ...)`` provenance).
"""

from __future__ import annotations

import re

from . import redaction
from .cisco_common import DEFAULT_COMMUNITIES, ParsedFacts
from .config_tree import Statement, brace_statements, put, select, set_default, set_statements, xml_statements

PLATFORM = "paloalto_panos"
VENDOR = "Palo Alto Networks"
UNTRUSTED_ZONE = re.compile(r"untrust|outside|internet|wan|external", re.I)
ADMIN_SERVICES = ("https", "ssh", "http", "telnet", "snmp")


def _normalise(st: list[Statement]) -> list[Statement]:
    for s in st:
        w = s.words
        if w[:1] == ["config"]:
            w = w[1:]
        if w[:1] == ["devices"] and len(w) > 1:
            w = w[2:]
        if w[:1] == ["vsys"] and len(w) > 1:
            w = w[2:]
        s.words = w
    return st


def statements(text: str) -> list[Statement]:
    head = text.lstrip()[:200]
    if head.startswith("<"):
        return _normalise(xml_statements(text))
    if re.search(r"^\s*set\s", text, re.M) and not re.search(r"\{\s*$", text, re.M):
        return _normalise(set_statements(text))
    return _normalise(brace_statements(text))


def hash_strength(value: str) -> int | None:
    if value.startswith(("$5$", "$6$")):
        return 8
    if value.startswith("$1$"):
        return 5
    return None   # masked (*) or unknown: not judged


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    st = statements(text)

    if st.damaged:   # a config cut short: its absences prove nothing (undetermined, not defaults)
        facts.read_short(st.damaged)
    facts.set("system.vendor", VENDOR)
    facts.set("system.os_name", "PAN-OS")
    match = re.search(r'<config\b[^>]*\bversion="([\d.]+)"', text[:2000])
    if match:   # the release that wrote the configuration
        facts.set("system.os_version", match.group(1))
        facts.note("system.os_version", [match.group(0)])
    for s in select(st, "deviceconfig", "system", "hostname")[-1:]:
        if len(s.words) > 3:
            facts.set("system.hostname", s.words[3], [s])
    _management(st, facts)
    _admin(st, facts)
    _logging_ntp_snmp(st, facts)
    _rules(st, facts)
    set_default(facts, "network.ssh.version", "2", "PAN-OS speaks SSH protocol 2 only")
    banner = select(st, "deviceconfig", "system", "login-banner")
    put(facts, "network.banner.login", bool(banner), banner[:1], "no login-banner")
    return facts


def _flag(st: list[Statement], *path: str) -> tuple[str | None, list[Statement]]:
    found = [s for s in select(st, *path) if len(s.words) > len(path)]
    return (found[-1].words[len(path)], found[-1:]) if found else (None, [])


def _management(st: list[Statement], facts: ParsedFacts) -> None:
    permitted = select(st, "deviceconfig", "system", "permitted-ip")
    any_source = not permitted
    enabled: dict[str, tuple[bool, list]] = {}
    for service in ("telnet", "http", "https", "ssh", "snmp"):
        value, lines = _flag(st, "deviceconfig", "system", "service", f"disable-{service}")
        enabled[service] = (value != "yes", lines)
    for service in ("telnet", "ssh", "http", "https"):
        on, lines = enabled[service]
        entries = [{"interface": "management", "network": "any" if any_source else "permitted-ip",
                    "mask": "", "any_source": any_source}] if on else []
        put(facts, f"network.management_access.{service}", entries, lines + permitted[:1],
            f"disable-{service} no (the PAN-OS schema default)")
    put(facts, "network.services.telnet_server", enabled["telnet"][0], enabled["telnet"][1],
        "disable-telnet no (the PAN-OS schema default)")
    put(facts, "network.services.http_server", enabled["http"][0], enabled["http"][1],
        "disable-http no (the PAN-OS schema default)")
    put(facts, "network.services.https_server", enabled["https"][0], enabled["https"][1],
        "disable-https no (the PAN-OS schema default)")
    put(facts, "network.ssh.enabled", enabled["ssh"][0], enabled["ssh"][1], "disable-ssh no (the PAN-OS schema default)")

    # dataplane interfaces with a management profile, in an untrusted zone
    profiles: dict[str, set[str]] = {}
    for s in select(st, "network", "profiles", "interface-management-profile", "*"):
        if len(s.words) > 5 and s.words[5] == "yes" and s.words[4] in ADMIN_SERVICES:
            profiles.setdefault(s.words[3], set()).add(s.words[4])
    iface_profile: dict[str, tuple[str, Statement]] = {}
    for s in select(st, "network", "interface"):
        if "interface-management-profile" in s.words:
            i = s.words.index("interface-management-profile")
            if i + 1 < len(s.words):
                name = s.words[3] if len(s.words) > 3 else s.words[-1]
                iface_profile[name] = (s.words[i + 1], s)
    zone_of: dict[str, str] = {}
    for s in select(st, "zone", "*", "network"):
        if len(s.words) > 4:
            zone_of[s.words[-1]] = s.words[1]
    untrusted, objs = [], []
    for iface, (profile, stmt) in iface_profile.items():
        services = sorted(profiles.get(profile, set()))
        zone = zone_of.get(iface, "")
        if services and UNTRUSTED_ZONE.search(zone):
            untrusted.append(f"{iface} (zone {zone}): {' '.join(services)}")
            objs.append(stmt)
    put(facts, "network.management_access.untrusted_interfaces", untrusted, objs,
        "no management profile on an interface of an untrusted zone")


def _admin(st: list[Statement], facts: ParsedFacts) -> None:
    users: dict[str, dict] = {}
    objs = []
    for s in select(st, "mgt-config", "users", "*"):
        name = s.words[2]
        entry = users.setdefault(name, {"name": name})
        rest = s.words[3:]
        if rest[:1] == ["phash"] and len(rest) > 1:
            strength = hash_strength(rest[1])
            if strength is not None:
                entry["secret_type"] = strength
            objs.append(s)
        elif rest[:3] == ["permissions", "role-based", "superuser"] and rest[3:4] == ["yes"]:
            entry["privilege"] = 15
    put(facts, "network.users", list(users.values()), objs, "only the factory 'admin' account")
    admin_lines = [s for s in select(st, "mgt-config", "users", "admin")][:1]
    put(facts, "network.admin.default_account_present", "admin" in users or not users, admin_lines,
        "the factory 'admin' account exists unless the configuration removes it")
    idle, lines = _flag(st, "deviceconfig", "setting", "management", "idle-timeout")
    if idle and idle.isdigit():
        facts.set("network.admin.idle_timeout_seconds", int(idle) * 60, lines)
    else:
        set_default(facts, "network.admin.idle_timeout_seconds", 3600, "idle-timeout 60 (minutes)")
    attempts, lines = _flag(st, "deviceconfig", "setting", "management", "admin-lockout", "failed-attempts")
    if attempts and attempts.isdigit():
        facts.set("network.admin.lockout_threshold", int(attempts), lines)
    else:
        set_default(facts, "network.admin.lockout_threshold", 0, "no admin-lockout: failed logins never lock")
    minutes, lines = _flag(st, "deviceconfig", "setting", "management", "admin-lockout", "lockout-time")
    if minutes and minutes.isdigit():
        facts.set("network.admin.lockout_seconds", int(minutes) * 60, lines)


def _logging_ntp_snmp(st: list[Statement], facts: ParsedFacts) -> None:
    hosts = [s for s in select(st, "shared", "log-settings", "syslog", "*", "server", "*", "server")
             if len(s.words) > 7]
    put(facts, "network.logging.hosts", [s.words[7] for s in hosts], hosts, "no syslog server profile")
    ntp = [s for s in select(st, "deviceconfig", "system", "ntp-servers", "*", "ntp-server-address")
           if len(s.words) > 5]
    put(facts, "network.ntp.servers", [s.words[5] for s in ntp], ntp, "no NTP server")
    auth = [s for s in select(st, "deviceconfig", "system", "ntp-servers", "*", "authentication-type")
            if len(s.words) > 5 and s.words[5] != "none"]
    put(facts, "network.ntp.authenticate", bool(auth), auth, "NTP authentication none")
    communities = [s for s in select(st, "deviceconfig", "system", "snmp-setting", "access-setting", "version",
                                     "v2c", "snmp-community-string") if len(s.words) > 7]
    put(facts, "network.snmp.communities",
        [{"access": "RO", "is_default": s.words[7].lower() in DEFAULT_COMMUNITIES} for s in communities],
        communities, "no SNMPv2c community")
    users = [s for s in select(st, "deviceconfig", "system", "snmp-setting", "access-setting", "version", "v3",
                               "users", "*")]
    names = list(dict.fromkeys(s.words[7] for s in users))
    put(facts, "network.snmp.v3_users", [{"name": n, "group": ""} for n in names], users, "no SNMPv3 user")


def _rules(st: list[Statement], facts: ParsedFacts) -> None:
    rules: dict[str, dict] = {}
    for s in select(st, "rulebase", "security", "rules", "*"):
        if len(s.words) < 6:
            continue
        rule = rules.setdefault(s.words[3], {"fields": {}, "first": s})
        rule["fields"].setdefault(s.words[4], set()).add(s.words[5])
        if s.words[4] == "action":
            rule["action_line"] = s
    hits, objs = [], []
    for name, rule in rules.items():
        f = rule["fields"]
        if "allow" not in f.get("action", set()) or "yes" in f.get("disabled", set()):
            continue
        if all("any" in f.get(k, set()) for k in ("from", "to", "source", "destination", "application")) \
                and f.get("service", {"any"}) & {"any", "application-default"}:
            hits.append(f"rule {name}: any -> any application any allow")
            objs.append(rule.get("action_line", rule["first"]))
    put(facts, "network.acls.any_any_permits", hits, objs, "no security rule allows any to any")
    facts.set("network.firewall_policies", len(rules))


def parse_show_version(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    """``show system info``."""
    facts = facts or ParsedFacts()
    for path, pattern in (("system.hostname", r"^hostname:\s*(\S+)"), ("system.model", r"^model:\s*(\S+)"),
                          ("system.serial", r"^serial:\s*(\S+)"), ("system.os_version", r"^sw-version:\s*(\S+)")):
        match = re.search(pattern, text, re.M)
        if match:
            facts.set(path, match.group(1).strip())
            facts.note(path, [match.group(0)])
    match = re.search(r"^uptime:\s*(?:(\d+) days?, )?(\d+):(\d+):(\d+)", text, re.M)
    if match:
        days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
        facts.set("system.uptime_seconds", ((days * 24 + hours) * 60 + minutes) * 60 + seconds)
        facts.note("system.uptime_seconds", [match.group(0)])
    if facts.values:
        facts.set("system.vendor", VENDOR)
        facts.set("system.os_name", "PAN-OS")
    return facts


# -- redaction -----------------------------------------------------------------------------------
def redact_config(text: str) -> str:
    """The platform's table in parsers/redaction.py (every secret-bearing form; hash kinds,
    type words and public/private communities kept: the controls judge them)."""
    redacted = redaction.redact(PLATFORM, text)
    if text.lstrip().startswith("<"):   # XML stays well formed: the marker is escaped
        redacted = redacted.replace("<removed>", "&lt;removed&gt;")
    return redacted
