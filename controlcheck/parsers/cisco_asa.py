"""Cisco ASA: running-config (ciscoconfparse2) and show commands (ntc-templates)
-> the ``system`` and ``network`` facts of docs/facts-model.md."""

from __future__ import annotations

import re

from .cisco_common import (DEFAULT_COMMUNITIES, ParsedFacts, ends_with, finder, is_any_network, parse_config,
                           textfsm_parse, uptime_seconds)
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


def config_complete(text: str) -> bool:
    """The ASA prints ``: end`` as the last line of a running-config (and of a saved one)."""
    return ends_with(text, (": end",))


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    """Facts of an ASA running-config, one section helper per concern. Read to its ``: end``,
    a line the config lacks gives the ASA default or null/empty (docs/facts-model.md)."""
    facts = facts or ParsedFacts()
    facts.source = "running-config"
    if not config_complete(text):
        facts.read_short("it does not end with the ': end' line the ASA prints last (cut short?)")
    conf = parse_config(text, "asa")
    # by indentation: ciscoconfparse2 takes the lines after an ASA one-line 'banner' as its children
    top = [o for o in conf.objs if not o.text[:1].isspace()]
    find = finder(top)

    for obj in find(r"^hostname\s+\S+"):
        facts.set("system.hostname", obj.text.split()[1], [obj])
    _management_access(find, facts)
    _ssh(find, facts)
    _aaa(find, facts)
    _enable_and_users(find, facts)
    _logging_and_ntp(find, facts)
    _snmp(find, facts)
    _acls_and_icmp(find, facts)
    _failover_and_banners(find, facts)
    _interfaces(find, facts)
    return facts


def _listed(facts: ParsedFacts, path: str, values: list, objs: list, rule: str) -> None:
    if values:
        facts.set(path, values, objs)
    else:
        facts.not_configured(path, rule, value=[])


def _present(facts: ParsedFacts, path: str, objs: list, rule: str) -> None:
    """A feature a line turns on: True with that line, else not configured (False)."""
    if objs:
        facts.set(path, True, objs)
    else:
        facts.not_configured(path, rule, value=False)


def _management_access(find, facts: ParsedFacts) -> None:
    """``telnet|ssh|http <net> <mask> <interface>`` lines, and the services they open."""
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
        _listed(facts, f"network.management_access.{service}", entries, objs,
                f"no '{service} <network> <mask> <interface>' line: no {service} management access")
    _present(facts, "network.services.https_server", find(r"^http server enable\b"),   # ASDM is HTTPS
             "no 'http server enable' line: the ASDM/HTTPS server is off")
    facts.default("network.services.http_server", False, "the ASA has no plain-HTTP management server")
    _present(facts, "network.services.telnet_server", find(r"^telnet\s+[\d.]+\s+[\d.]+\s+\S+"),
             "no 'telnet <network> <mask> <interface>' line: telnet to the ASA is refused")


def _ssh(find, facts: ParsedFacts) -> None:
    ssh_version = find(r"^ssh version\s+\d")
    if ssh_version:
        facts.set("network.ssh.version", ssh_version[-1].text.split()[2], ssh_version[-1:])
    else:
        facts.default("network.ssh.version", "1.99", "no 'ssh version' line: the ASA accepts SSH 1 and 2")
    _present(facts, "network.ssh.enabled", find(r"^ssh\s+[\d.]+\s+[\d.]+\s+\S+"),
             "no 'ssh <network> <mask> <interface>' line: no SSH access is allowed")
    weak_kex = find(r"^ssh key-exchange group dh-group1-sha1\b")
    if weak_kex:
        facts.set("network.ssh.weak_kex", True, weak_kex)
    else:
        facts.default("network.ssh.weak_kex", False,
                      "no 'ssh key-exchange group dh-group1-sha1' line: that group is not configured")


def _aaa(find, facts: ParsedFacts) -> None:
    tacacs, radius, tacacs_objs, radius_objs = [], [], [], []
    protocols: dict[str, str] = {}
    for obj in find(r"^aaa-server\s+\S+\s+protocol\s+\S+"):
        tokens = obj.text.split()
        protocols[tokens[1]] = tokens[3].lower()
    for obj in find(r"^aaa-server\s+\S+\s+\(\S+\)\s+host\s+\S+"):
        tokens = obj.text.split()
        proto = protocols.get(tokens[1], "")
        if proto.startswith("tacacs"):
            tacacs.append(tokens[4])
            tacacs_objs.append(obj)
        elif proto == "radius":
            radius.append(tokens[4])
            radius_objs.append(obj)
    _listed(facts, "network.aaa.tacacs_servers", tacacs, tacacs_objs, "no TACACS+ aaa-server host")
    _listed(facts, "network.aaa.radius_servers", radius, radius_objs, "no RADIUS aaa-server host")
    ssh_auth = find(r"^aaa authentication ssh console\s+\S+")
    if ssh_auth:
        facts.set("network.aaa.ssh_authentication", " ".join(ssh_auth[-1].text.split()[4:]), ssh_auth[-1:])
    else:
        facts.not_configured("network.aaa.ssh_authentication", "no 'aaa authentication ssh console' line")
    _present(facts, "network.aaa.new_model", find(r"^aaa authentication "), "no 'aaa authentication' line")


def _enable_and_users(find, facts: ParsedFacts) -> None:
    enable = find(r"^enable password\s+")
    if enable:
        tokens = enable[-1].text.split()
        facts.set("network.enable.secret_type", _hash_type(tokens), enable[-1:])
        facts.set("network.enable.password_present", _hash_type(tokens) == 0, enable[-1:])
    else:
        rule = "no 'enable password' line: the ASA's enable password is blank"
        facts.not_configured("network.enable.secret_type", rule)
        facts.not_configured("network.enable.password_present", rule, value=False)
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
    _listed(facts, "network.users", users, user_objs, "no 'username' line: no local user")


def _logging_and_ntp(find, facts: ParsedFacts) -> None:
    log_hosts = find(r"^logging host\s+\S+\s+\S+")
    _listed(facts, "network.logging.hosts", [o.text.split()[3] for o in log_hosts], log_hosts,
            "no 'logging host' line: no remote syslog")
    trap = find(r"^logging trap\s+\S+")
    if trap:
        facts.set("network.logging.trap_level", trap[-1].text.split()[2], trap[-1:])
    else:
        facts.not_configured("network.logging.trap_level", "no 'logging trap' line: nothing is sent to syslog hosts")
    ntp = find(r"^ntp server\s+\S+")
    _listed(facts, "network.ntp.servers", [o.text.split()[2] for o in ntp], ntp, "no 'ntp server' line")
    ntp_auth = find(r"^ntp authenticate\s*$")
    if ntp_auth:
        facts.set("network.ntp.authenticate", True, ntp_auth)
    else:
        facts.default("network.ntp.authenticate", False, "no 'ntp authenticate' line: off by default")


def _snmp(find, facts: ParsedFacts) -> None:
    """Community names are never recorded, only whether they are the defaults."""
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
    _listed(facts, "network.snmp.communities", communities, c_objs, "no SNMP community configured")
    _listed(facts, "network.snmp.trap_hosts", trap_hosts, t_objs, "no 'snmp-server host' line")
    groups = find(r"^snmp-server group\s+\S+\s+v3\s+\S+")
    _listed(facts, "network.snmp.v3_groups", [{"name": o.text.split()[2], "security_level": o.text.split()[4]}
                                              for o in groups], groups, "no 'snmp-server group ... v3' line")


def _acls_and_icmp(find, facts: ParsedFacts) -> None:
    any_any = re.compile(r"\bpermit\s+ip\s+(any4?|0\.0\.0\.0 0\.0\.0\.0)\s+(any4?|0\.0\.0\.0 0\.0\.0\.0)(\s|$)")
    acl = [o for o in find(r"^access-list\s+") if any_any.search(o.text)]
    _listed(facts, "network.acls.any_any_permits", [o.text.strip() for o in acl], acl,
            "no access-list line permits ip any any")
    icmp = find(r"^icmp\s+(permit|deny)\s+.*\boutside\s*$")
    if icmp:
        facts.set("network.icmp.unrestricted", False, icmp)
    else:
        facts.default("network.icmp.unrestricted", True, "no 'icmp permit|deny ... outside' line: the ASA "
                                                         "answers ICMP to its outside interface by default")


def _failover_and_banners(find, facts: ParsedFacts) -> None:
    failover = find(r"^failover\s*$")
    if failover:
        facts.set("network.failover.enabled", True, failover)
    else:
        facts.default("network.failover.enabled", False, "no 'failover' line: failover is off by default")
    for kind in ("motd", "login"):
        _present(facts, f"network.banner.{kind}", find(rf"^banner {kind}\b")[:1], f"no 'banner {kind}' line")


def _interfaces(find, facts: ParsedFacts) -> None:
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
    _listed(facts, "network.interfaces", interfaces, if_objs, "no 'interface' block")


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
