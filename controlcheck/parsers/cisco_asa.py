"""Cisco ASA: running-config (ciscoconfparse2) and show commands (ntc-templates)
-> the ``system`` and ``network`` facts of docs/facts-model.md."""

from __future__ import annotations

import re

from .cisco_common import (DEFAULT_COMMUNITIES, ParsedFacts, is_any_network, parse_config, textfsm_parse,
                           uptime_seconds)
from . import redaction

PLATFORM = "cisco_asa"


def redact_config(text: str) -> str:
    """Every secret of this platform's table (parsers/redaction.py) replaced; what controls judge kept."""
    return redaction.redact(PLATFORM, text)


def _hash_type(tokens: list[str]) -> int:
    """ASA stores enable and user passwords hashed: ``encrypted`` (MD5-based, like IOS type 5)
    or ``pbkdf2`` (like type 8); a bare value would be clear text (0)."""
    if "pbkdf2" in tokens:
        return 8
    if "encrypted" in tokens:
        return 5
    return 0


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    conf = parse_config(text, "asa")
    # by indentation: ciscoconfparse2 takes the lines after an ASA one-line 'banner' as its children
    top = [o for o in conf.objs if not o.text[:1].isspace()]

    def find(pattern: str) -> list:
        regex = re.compile(pattern)
        return [o for o in top if regex.search(o.text)]

    for obj in find(r"^hostname\s+\S+"):
        facts.set("system.hostname", obj.text.split()[1], [obj])

    # management access: telnet/ssh/http <net> <mask> <interface>
    for service in ("telnet", "ssh", "http"):
        entries, objs = [], []
        for obj in find(rf"^{service}\s+\S+\s+\S+\s+\S+\s*$"):
            tokens = obj.text.split()
            if not re.match(r"^[\d.]+$|^[0-9a-fA-F:]+/\d+$|^any", tokens[1]):
                continue   # 'ssh timeout 5', 'http server enable', 'telnet timeout 5' ...
            net, mask, interface = tokens[1], tokens[2], tokens[3]
            entries.append({"network": net, "mask": mask, "interface": interface,
                            "any_source": is_any_network(net, mask)})
            objs.append(obj)
        facts.set(f"network.management_access.{service}", entries, objs)
    http_enable = find(r"^http server enable\b")
    facts.set("network.services.https_server", bool(http_enable), http_enable)  # ASDM is HTTPS
    facts.set("network.services.http_server", False)
    telnet_lines = find(r"^telnet\s+[\d.]+\s+[\d.]+\s+\S+")
    facts.set("network.services.telnet_server", bool(telnet_lines), telnet_lines)

    ssh_version = find(r"^ssh version\s+\d")
    if ssh_version:
        facts.set("network.ssh.version", ssh_version[-1].text.split()[2], ssh_version[-1:])
    else:
        facts.set("network.ssh.version", "1.99")   # ASA accepts v1 and v2 unless 'ssh version 2'
    ssh_access = find(r"^ssh\s+[\d.]+\s+[\d.]+\s+\S+")
    facts.set("network.ssh.enabled", bool(ssh_access), ssh_access)
    weak_kex = find(r"^ssh key-exchange group dh-group1-sha1\b")
    facts.set("network.ssh.weak_kex", bool(weak_kex), weak_kex)

    # AAA
    tacacs, radius, aaa_objs = [], [], []
    protocols: dict[str, str] = {}
    for obj in find(r"^aaa-server\s+\S+\s+protocol\s+\S+"):
        tokens = obj.text.split()
        protocols[tokens[1]] = tokens[3].lower()
    for obj in find(r"^aaa-server\s+\S+\s+\(\S+\)\s+host\s+\S+"):
        tokens = obj.text.split()
        group, address = tokens[1], tokens[4]
        proto = protocols.get(group, "")
        (tacacs if proto.startswith("tacacs") else radius if proto == "radius" else []).append(address)
        aaa_objs.append(obj)
    facts.set("network.aaa.tacacs_servers", tacacs, aaa_objs)
    facts.set("network.aaa.radius_servers", radius, aaa_objs)
    ssh_auth = find(r"^aaa authentication ssh console\s+\S+")
    if ssh_auth:
        facts.set("network.aaa.ssh_authentication", " ".join(ssh_auth[-1].text.split()[4:]), ssh_auth[-1:])
    facts.set("network.aaa.new_model", bool(find(r"^aaa authentication ")),
              find(r"^aaa authentication "))

    enable = find(r"^enable password\s+")
    if enable:
        tokens = enable[-1].text.split()
        facts.set("network.enable.secret_type", _hash_type(tokens), enable[-1:])
        facts.set("network.enable.password_present", _hash_type(tokens) == 0, enable[-1:])
    else:
        facts.set("network.enable.password_present", False)

    users, user_objs = [], []
    for obj in find(r"^username\s+\S+\s+(password|nopassword)"):
        tokens = obj.text.split()
        entry: dict = {"name": tokens[1], "secret_type": _hash_type(tokens)}
        if "privilege" in tokens:
            try:
                entry["privilege"] = int(tokens[tokens.index("privilege") + 1])
            except (IndexError, ValueError):
                pass
        users.append(entry)
        user_objs.append(obj)
    facts.set("network.users", users, user_objs)

    # logging, NTP
    log_hosts = find(r"^logging host\s+\S+\s+\S+")
    facts.set("network.logging.hosts", [o.text.split()[3] for o in log_hosts], log_hosts)
    trap = find(r"^logging trap\s+\S+")
    if trap:
        facts.set("network.logging.trap_level", trap[-1].text.split()[2], trap[-1:])
    ntp = find(r"^ntp server\s+\S+")
    facts.set("network.ntp.servers", [o.text.split()[2] for o in ntp], ntp)
    ntp_auth = find(r"^ntp authenticate\s*$")
    facts.set("network.ntp.authenticate", bool(ntp_auth), ntp_auth)

    # SNMP: community names are never recorded, only whether they are the defaults
    communities, c_objs, trap_hosts, t_objs = [], [], [], []
    for obj in find(r"^snmp-server\s+(community|host)\s+"):
        tokens = obj.text.split()
        if tokens[1] == "community" and len(tokens) >= 3:
            communities.append({"access": "RO", "is_default": tokens[2].lower() in DEFAULT_COMMUNITIES})
            c_objs.append(obj)
        elif tokens[1] == "host" and len(tokens) >= 4:
            trap_hosts.append(tokens[3])
            t_objs.append(obj)
            if "community" in tokens:
                name = tokens[tokens.index("community") + 1] if len(tokens) > tokens.index("community") + 1 else ""
                if name and set(name) != {"*"}:
                    communities.append({"access": "RO", "is_default": name.lower() in DEFAULT_COMMUNITIES,
                                        "acl": f"host {tokens[3]}"})
                    c_objs.append(obj)
    facts.set("network.snmp.communities", communities, c_objs)
    facts.set("network.snmp.trap_hosts", trap_hosts, t_objs)
    groups = find(r"^snmp-server group\s+\S+\s+v3\s+\S+")
    facts.set("network.snmp.v3_groups", [{"name": o.text.split()[2], "security_level": o.text.split()[4]}
                                         for o in groups], groups)

    # access lists and ICMP
    any_any = re.compile(r"\bpermit\s+ip\s+(any4?|0\.0\.0\.0 0\.0\.0\.0)\s+(any4?|0\.0\.0\.0 0\.0\.0\.0)(\s|$)")
    acl = [o for o in find(r"^access-list\s+") if any_any.search(o.text)]
    facts.set("network.acls.any_any_permits", [o.text.strip() for o in acl], acl)
    icmp = find(r"^icmp\s+(permit|deny)\s+.*\boutside\s*$")
    facts.set("network.icmp.unrestricted", not icmp, icmp)

    failover = find(r"^failover\s*$")
    facts.set("network.failover.enabled", bool(failover), failover)

    for kind in ("motd", "login"):
        banner = find(rf"^banner {kind}\b")
        facts.set(f"network.banner.{kind}", bool(banner), banner[:1])

    interfaces, if_objs = [], []
    for obj in find(r"^interface\s+\S+"):
        children = [c.text.strip() for c in obj.children]
        entry = {"name": obj.text.split()[1], "admin_up": "shutdown" not in children}
        nameif = next((c.split()[1] for c in children if c.startswith("nameif ") and len(c.split()) > 1), None)
        if nameif:
            entry["description"] = nameif
        address = next((c.split()[2] for c in children if c.startswith("ip address ") and len(c.split()) > 3
                        and c.split()[2][:1].isdigit()), None)
        if address:
            entry["ip_address"] = address
        interfaces.append(entry)
        if_objs.append(obj)
    facts.set("network.interfaces", interfaces, if_objs)
    return facts


def parse_show_version(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    facts.set("system.vendor", "Cisco")
    facts.set("system.os_name", "ASA")
    rows = textfsm_parse(PLATFORM, "show version", text)
    if rows:
        row = rows[0]
        facts.set("system.os_version", row.get("version") or None)
        facts.set("system.image", row.get("image") or None)
        facts.set("system.model", row.get("model") or None)
        serial = row.get("serial") or []
        facts.set("system.serial", serial[0] if serial else None)
        facts.set("system.uptime_seconds", uptime_seconds(row.get("uptime", "")))
    else:
        match = re.search(r"Adaptive Security Appliance Software Version\s+(\S+)", text)
        facts.set("system.os_version", match.group(1) if match else None)
    facts.note("system.os_version", [line for line in text.splitlines() if "Software Version" in line][:1])
    return facts


def parse_show_failover(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    match = re.search(r"^Failover (On|Off)", text, re.M)
    if match:
        facts.set("network.failover.enabled", match.group(1) == "On")
        state = re.search(r"This host:\s*(\w+)\s*-\s*(\w[\w ]*)", text)
        facts.set("network.failover.state", f"{state.group(1)} - {state.group(2).strip()}" if state else
                  ("off" if match.group(1) == "Off" else None))
        facts.note("network.failover.enabled", [match.group(0)])
    return facts
