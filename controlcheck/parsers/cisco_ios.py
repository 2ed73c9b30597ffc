"""Cisco IOS / IOS-XE: running-config (ciscoconfparse2) and show commands (ntc-templates)
-> the ``system`` and ``network`` facts of docs/facts-model.md."""

from __future__ import annotations

import re

from .cisco_common import DEFAULT_COMMUNITIES, ParsedFacts, parse_config, textfsm_parse, uptime_seconds
from . import redaction

PLATFORM = "cisco_ios"


def redact_config(text: str) -> str:
    """Every secret of this platform's table (parsers/redaction.py) replaced; what controls judge kept."""
    return redaction.redact(PLATFORM, text)
# exec-timeout when a line has none (IOS default: 10 minutes)
DEFAULT_EXEC_TIMEOUT = 600
_PHYSICAL = re.compile(r"^(Fast|Gigabit|TenGigabit|TwentyFiveGig|FortyGigabit|HundredGig|)Ethernet\d", re.I)
_SECRET_TYPES = {"0", "4", "5", "7", "8", "9"}


def _line_type(name: str) -> str:
    first = name.split()[0].lower()
    if first in ("con", "console"):
        return "console"
    if first == "aux":
        return "aux"
    if first == "vty":
        return "vty"
    return "tty"


def _secret_type(tokens: list[str]) -> int:
    """Type of ``secret|password [type] VALUE``: a leading 0/4/5/7/8/9 followed by a value, else 0."""
    if len(tokens) >= 2 and tokens[0] in _SECRET_TYPES:
        return int(tokens[0])
    return 0


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    conf = parse_config(text, "ios")
    top = [o for o in conf.objs if o.parent is o]   # banner text lines are the banner's children

    def find(pattern: str) -> list:
        regex = re.compile(pattern)
        return [o for o in top if regex.search(o.text)]

    for obj in find(r"^hostname\s+\S+"):
        facts.set("system.hostname", obj.text.split()[1], [obj])

    aaa_new_model = find(r"^aaa new-model\s*$")
    facts.set("network.aaa.new_model", bool(aaa_new_model), aaa_new_model)
    auth_login = find(r"^aaa authentication login\s+")
    facts.set("network.aaa.authentication_login",
              [o.text.split(None, 3)[3] for o in auth_login if len(o.text.split(None, 3)) == 4], auth_login)
    _servers(conf, top, facts, "tacacs")
    _servers(conf, top, facts, "radius")

    pwenc = find(r"^service password-encryption\s*$")
    facts.set("network.services.password_encryption", bool(pwenc), pwenc)

    # enable secret / password
    secrets = find(r"^enable secret\s+")
    if secrets:
        tokens = secrets[-1].text.split()[2:]
        if tokens[:1] == ["level"]:
            tokens = tokens[2:]
        facts.set("network.enable.secret_type", _secret_type(tokens), secrets[-1:])
    passwords = find(r"^enable password\s+")
    facts.set("network.enable.password_present", bool(passwords), passwords)
    if passwords:
        tokens = passwords[-1].text.split()[2:]
        if tokens[:1] == ["level"]:
            tokens = tokens[2:]
        facts.set("network.enable.password_type", _secret_type(tokens), passwords[-1:])

    # local users: never the hash, only its type
    users, user_lines = [], []
    for obj in find(r"^username\s+\S+"):
        tokens = obj.text.split()
        entry: dict = {"name": tokens[1]}
        if "privilege" in tokens:
            try:
                entry["privilege"] = int(tokens[tokens.index("privilege") + 1])
            except (IndexError, ValueError):
                pass
        if "algorithm-type" in tokens:
            algo = tokens[tokens.index("algorithm-type") + 1] if len(tokens) > tokens.index("algorithm-type") + 1 else ""
            entry["secret_type"] = {"scrypt": 9, "sha256": 8, "md5": 5}.get(algo, 0)
        elif "secret" in tokens:
            entry["secret_type"] = _secret_type(tokens[tokens.index("secret") + 1:])
        elif "password" in tokens:
            entry["secret_type"] = _secret_type(tokens[tokens.index("password") + 1:])
        elif "nopassword" in tokens:
            entry["secret_type"] = 0
            entry["no_password"] = True
        users.append(entry)
        user_lines.append(obj)
    facts.set("network.users", users, user_lines)

    _snmp(top, facts)

    ntp_servers = find(r"^ntp server\s+")
    servers = []
    for obj in ntp_servers:
        tokens = obj.text.split()[2:]
        if tokens[:1] == ["vrf"]:
            tokens = tokens[2:]
        if tokens:
            servers.append(tokens[0])
    facts.set("network.ntp.servers", servers, ntp_servers)
    ntp_auth = find(r"^ntp authenticate\s*$")
    facts.set("network.ntp.authenticate", bool(ntp_auth), ntp_auth)

    log_hosts = find(r"^logging (host\s+)?\d+\.\d+\.\d+\.\d+|^logging host\s+\S+")
    hosts = []
    for obj in log_hosts:
        tokens = obj.text.split()[1:]
        if tokens[:1] == ["host"]:
            tokens = tokens[1:]
        if tokens[:1] in (["ipv6"], ["vrf"]):
            tokens = tokens[1:] if tokens[0] == "ipv6" else tokens[2:]
        if tokens:
            hosts.append(tokens[0])
    facts.set("network.logging.hosts", hosts, log_hosts)
    buffered = find(r"^logging buffered\s+\d+")
    if buffered:
        facts.set("network.logging.buffered_size", int(buffered[-1].text.split()[2]), buffered[-1:])
    trap = find(r"^logging trap\s+\S+")
    if trap:
        facts.set("network.logging.trap_level", trap[-1].text.split()[2], trap[-1:])

    http = find(r"^ip http server\s*$")
    facts.set("network.services.http_server", bool(http), http)
    https = find(r"^ip http secure-server\s*$")
    facts.set("network.services.https_server", bool(https), https)
    no_cdp = find(r"^no cdp run\s*$")
    facts.set("network.services.cdp", not no_cdp, no_cdp)   # CDP runs unless disabled
    lldp = find(r"^lldp run\s*$")
    facts.set("network.services.lldp", bool(lldp), lldp)

    for kind in ("motd", "login", "exec"):
        banner = find(rf"^banner {kind}\b")
        if kind != "exec":
            facts.set(f"network.banner.{kind}", bool(banner), banner)

    block = find(r"^login block-for\s+\d+")
    facts.set("network.login_block.configured", bool(block), block)

    ssh_version = find(r"^ip ssh version\s+\d")
    if ssh_version:
        facts.set("network.ssh.version", ssh_version[-1].text.split()[3], ssh_version[-1:])

    _lines(conf, top, facts, aaa_new_model=bool(aaa_new_model))
    _interfaces(top, facts)
    _acls(conf, top, facts)
    return facts


def _servers(conf, top, facts: ParsedFacts, proto: str) -> None:
    addresses, objs = [], []
    for obj in top:
        tokens = obj.text.split()
        if tokens[:2] == [f"{proto}-server", "host"] and len(tokens) > 2:
            addresses.append(tokens[2])
            objs.append(obj)
        elif tokens[:2] == [proto, "server"]:
            for child in obj.children:
                ctoks = child.text.split()
                if ctoks[:1] == ["address"] and len(ctoks) >= 3:
                    addresses.append(ctoks[2])
                    objs.append(child)
    facts.set(f"network.aaa.{proto}_servers", addresses, objs)


def _snmp(top, facts: ParsedFacts) -> None:
    communities, community_objs = [], []
    groups, group_objs = [], []
    users, user_objs = [], []
    trap_hosts, trap_objs = [], []
    for obj in top:
        tokens = obj.text.split()
        if tokens[:2] == ["snmp-server", "community"] and len(tokens) >= 3:
            rest = tokens[3:]
            if rest[:1] == ["view"]:
                rest = rest[2:]
            access = "RO"
            if rest and rest[0].upper() in ("RO", "RW"):
                access = rest[0].upper()
                rest = rest[1:]
            entry = {"access": access, "is_default": tokens[2].lower() in DEFAULT_COMMUNITIES}
            acl = [t for t in rest if t not in ("ipv6",)]
            if acl:
                entry["acl"] = acl[-1]
            communities.append(entry)
            community_objs.append(obj)
        elif tokens[:2] == ["snmp-server", "group"] and len(tokens) >= 5 and tokens[3] == "v3":
            groups.append({"name": tokens[2], "security_level": tokens[4]})
            group_objs.append(obj)
        elif tokens[:2] == ["snmp-server", "user"] and len(tokens) >= 5:
            entry = {"name": tokens[2], "group": tokens[3]}
            if "auth" in tokens:
                i = tokens.index("auth")
                entry["auth_protocol"] = tokens[i + 1].lower() if len(tokens) > i + 1 else ""
            if "priv" in tokens:
                i = tokens.index("priv")
                entry["priv_protocol"] = " ".join(tokens[i + 1:i + 3]).lower() if tokens[i + 1:i + 2] == ["aes"] \
                    else (tokens[i + 1].lower() if len(tokens) > i + 1 else "")
            users.append(entry)
            user_objs.append(obj)
        elif tokens[:2] == ["snmp-server", "host"] and len(tokens) >= 3:
            trap_hosts.append(tokens[2])
            trap_objs.append(obj)
    facts.set("network.snmp.communities", communities, community_objs)
    facts.set("network.snmp.v3_groups", groups, group_objs)
    facts.set("network.snmp.v3_users", users, user_objs)
    facts.set("network.snmp.trap_hosts", trap_hosts, trap_objs)


def _lines(conf, top, facts: ParsedFacts, aaa_new_model: bool) -> None:
    lines, objs = [], []
    telnet = False
    for obj in top:
        tokens = obj.text.split()
        if tokens[:1] != ["line"] or len(tokens) < 2:
            continue
        name = " ".join(tokens[1:])
        entry: dict = {"name": name, "type": _line_type(name), "exec_timeout_seconds": DEFAULT_EXEC_TIMEOUT}
        login = None
        for child in obj.children:
            ctoks = child.text.split()
            if ctoks[:2] == ["transport", "input"]:
                entry["transport_input"] = ctoks[2:]
            elif ctoks[:1] == ["exec-timeout"] and len(ctoks) >= 2:
                try:
                    entry["exec_timeout_seconds"] = int(ctoks[1]) * 60 + (int(ctoks[2]) if len(ctoks) > 2 else 0)
                except ValueError:
                    pass
            elif ctoks[:1] == ["no"] and ctoks[1:2] == ["exec-timeout"]:
                entry["exec_timeout_seconds"] = 0
            elif ctoks[:1] == ["access-class"] and ctoks[-1] == "in":
                entry["access_class_in"] = ctoks[1]
            elif ctoks[:1] == ["login"]:
                if ctoks[1:2] == ["local"]:
                    login = "local"
                elif ctoks[1:2] == ["authentication"]:
                    login = " ".join(ctoks[1:])
                else:
                    login = "line"
            elif ctoks[:2] == ["no", "login"]:
                login = "none"
            elif ctoks[:1] == ["password"]:
                entry["password_set"] = True
            elif ctoks[:2] == ["privilege", "level"] and len(ctoks) > 2 and ctoks[2].isdigit():
                entry["privilege_level"] = int(ctoks[2])
        if login is None:
            login = "authentication default" if aaa_new_model else "none"
        entry["login"] = login
        entry.setdefault("password_set", False)
        if any(t in ("telnet", "all") for t in entry.get("transport_input", [])):
            telnet = True
        lines.append(entry)
        objs.append(obj)
    facts.set("network.lines", lines, objs)
    facts.set("network.services.telnet_server", telnet,
              [o for o in objs if re.search(r"transport input .*(telnet|all)", "\n".join(c.text for c in o.children))])


def _interfaces(top, facts: ParsedFacts) -> None:
    interfaces, objs, unused, unused_objs = [], [], [], []
    for obj in top:
        tokens = obj.text.split()
        if tokens[:1] != ["interface"] or len(tokens) < 2:
            continue
        name = tokens[1]
        children = [c.text.strip() for c in obj.children]
        shut = "shutdown" in children
        description = next((c.split(None, 1)[1] for c in children if c.startswith("description ")
                            and len(c.split(None, 1)) > 1), None)
        address = next((c.split()[2] for c in children if c.startswith("ip address ") and len(c.split()) > 3
                        and c.split()[2][:1].isdigit()), None)
        entry = {"name": name, "admin_up": not shut}
        if description:
            entry["description"] = description
        if address:
            entry["ip_address"] = address
        interfaces.append(entry)
        objs.append(obj)
        in_bundle = any(c.startswith("channel-group ") for c in children)
        if _PHYSICAL.match(name) and not shut and not description and not address and not in_bundle:
            unused.append(name)
            unused_objs.append(obj)
    facts.set("network.interfaces", interfaces, objs)
    facts.set("network.unused_interfaces_not_shut", unused, unused_objs)


def _acls(conf, top, facts: ParsedFacts) -> None:
    hits, objs = [], []
    any_any = re.compile(r"\bpermit\s+ip\s+any\s+any\b")
    for obj in top:
        text = obj.text.strip()
        if text.startswith("access-list ") and any_any.search(text):
            hits.append(text)
            objs.append(obj)
        elif text.startswith("ip access-list "):
            for child in obj.children:
                if any_any.search(child.text):
                    hits.append(f"{text}: {child.text.strip()}")
                    objs.append(child)
    facts.set("network.acls.any_any_permits", hits, objs)


def parse_show_version(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    rows = textfsm_parse(PLATFORM, "show version", text)
    head = text.splitlines()[:3]
    facts.set("system.vendor", "Cisco" if "Cisco" in text else None)
    if re.search(r"IOS[ -]XE", text):
        facts.set("system.os_name", "IOS-XE")
    elif "IOS" in text:
        facts.set("system.os_name", "IOS")
    facts.note("system.os_name", head)
    if rows:
        row = rows[0]
        facts.set("system.os_version", row.get("version") or None)
        facts.set("system.image", row.get("running_image") or None)
        hardware = row.get("hardware") or []
        facts.set("system.model", hardware[0] if hardware else None)
        serial = row.get("serial") or []
        facts.set("system.serial", serial[0] if serial else None)
        facts.set("system.uptime_seconds", uptime_seconds(row.get("uptime", "")))
    else:
        match = re.search(r"Version\s+([^\s,]+)", text)
        facts.set("system.os_version", match.group(1) if match else None)
    for path, pattern in (("system.os_version", r"Version\s"), ("system.image", r"System image file"),
                          ("system.uptime_seconds", r"uptime is")):
        facts.note(path, [line for line in text.splitlines() if re.search(pattern, line)][:1])
    return facts


def parse_show_ip_ssh(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    """``SSH Enabled - version 2.0`` -> enabled, version "2"; ``1.99`` stays "1.99"."""
    facts = facts or ParsedFacts()
    match = re.search(r"SSH\s+(Enabled|Disabled)\s*-\s*version\s+([\d.]+)", text)
    if match:
        facts.set("network.ssh.enabled", match.group(1) == "Enabled")
        version = match.group(2)
        facts.set("network.ssh.version", "2" if version == "2.0" else ("1" if version == "1.5" else version))
        facts.note("network.ssh.enabled", [match.group(0)])
        facts.note("network.ssh.version", [match.group(0)])
    return facts


def parse_show_ip_interface_brief(text: str) -> dict[str, bool]:
    """Interface name -> protocol (operational) up."""
    return {row["interface"]: row.get("proto", "").lower() == "up"
            for row in textfsm_parse(PLATFORM, "show ip interface brief", text) if row.get("interface")}


def parse_show_snmp_user(text: str) -> list[dict]:
    users = []
    for row in textfsm_parse(PLATFORM, "show snmp user", text):
        entry = {"name": row.get("user_name", ""), "group": row.get("group_name", "")}
        for field_name, key in (("authentication_protocol", "auth_protocol"), ("privacy_protocol", "priv_protocol")):
            value = (row.get(field_name) or "").lower()
            if value:
                entry[key] = "none" if value in ("-", "none") else value
        if row.get("access_list"):
            entry["acl"] = row["access_list"]
        if entry["name"]:
            users.append(entry)
    return users
