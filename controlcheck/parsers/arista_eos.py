"""Arista EOS: running-config (indented, IOS-like) and ``show version`` -> the platform-neutral
``system`` and ``network`` facts of docs/facts-model.md.

EOS has no ``line vty``: SSH and Telnet are ``management ssh`` / ``management telnet`` blocks.
They are mapped onto ``network.lines`` (type ``vty``) so the line controls apply unchanged;
the console is ``management console``. A running-config is complete, so what it does not
say is the EOS default, recorded with a ``(default: ...)`` provenance line.
"""

from __future__ import annotations

import re

from . import redaction
from .cisco_common import ParsedFacts, snmp_community
from .config_tree import Node, indent_tree, put, set_default

PLATFORM = "arista_eos"
VENDOR = "Arista"
DEFAULT_KIND = "switch"
# what only a live device tells (the config file does not hold it)
LIVE_ONLY = ("system.os_version", "system.model", "system.serial", "system.image", "system.uptime_seconds",
             "network.interfaces[].oper_up")
_PHYSICAL = re.compile(r"^Ethernet\d", re.I)


def hash_strength(words: list[str]) -> int:
    """A secret's type on the facts model's Cisco scale (docs/facts-model.md): 0 clear, 7
    reversible, 5 MD5-crypt, 8 a strong salted hash (EOS sha512-crypt)."""
    if not words:
        return 0
    kind = words[0].lower()
    value = words[1] if len(words) > 1 else kind
    if kind == "sha512" or value.startswith("$6$") or value.startswith("$5$"):
        return 8
    if kind == "5" or value.startswith("$1$"):
        return 5
    if kind == "7":
        return 7
    return 0


def _child(node: Node, *first: str) -> list[Node]:
    n = len(first)
    return [c for c in node.children if c.words[:n] == list(first)]


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    facts = facts or ParsedFacts()
    top = indent_tree(text)
    if not any(line.strip() == "end" for line in text.rstrip().splitlines()[-3:]):
        # 'show running-config' ends with 'end': without it the config was cut short
        facts.read_short("the configuration does not end with 'end' (cut short?)")

    def find(*first: str) -> list[Node]:
        n = len(first)
        return [o for o in top if o.words[:n] == list(first)]

    facts.set("system.vendor", VENDOR)
    facts.set("system.os_name", "EOS")
    for obj in find("hostname")[-1:]:
        if len(obj.words) > 1:
            facts.set("system.hostname", obj.words[1], [obj])

    _management(top, find, facts)
    _auth(find, facts)
    _snmp(top, facts)
    _logging_ntp(find, facts)
    _interfaces(find, facts)

    no_lldp = find("no", "lldp", "run")
    put(facts, "network.services.lldp", not no_lldp, no_lldp, "EOS runs LLDP")
    set_default(facts, "network.services.cdp", False, "EOS has no CDP")
    set_default(facts, "network.services.password_encryption", True, "EOS keeps local secrets hashed")
    for kind in ("motd", "login"):
        banner = find("banner", kind)
        put(facts, f"network.banner.{kind}", bool(banner), banner, "no banner")
    lockout = find("aaa", "authentication", "policy", "lockout")
    put(facts, "network.login_block.configured", bool(lockout), lockout, "no lockout policy")

    hits, objs = [], []
    for acl in find("ip", "access-list"):
        for rule in acl.children:
            if re.search(r"\bpermit\s+ip\s+any\s+any\b", rule.text):
                hits.append(f"{acl.text}: {rule.text}")
                objs.append(rule)
    put(facts, "network.acls.any_any_permits", hits, objs, "no ACL permits ip any any")
    return facts


def _management(top: list[Node], find, facts: ParsedFacts) -> None:
    ssh = find("management", "ssh")
    telnet = find("management", "telnet")
    console = find("management", "console")
    aaa_login = find("aaa", "authentication", "login", "default")
    login = "authentication default" if aaa_login else "local"

    ssh_shut = any(c.words == ["shutdown"] for b in ssh for c in b.children)
    put(facts, "network.ssh.enabled", not ssh_shut, [c for b in ssh for c in _child(b, "shutdown")],
        "EOS runs its SSH server")
    set_default(facts, "network.ssh.version", "2", "EOS speaks SSH protocol 2 only")
    telnet_on = any(c.words == ["no", "shutdown"] for b in telnet for c in b.children)
    put(facts, "network.services.telnet_server", telnet_on, telnet, "management telnet is shut down")

    lines, objs = [], []

    def block_line(name: str, blocks: list[Node], transport: list[str]) -> dict:
        entry: dict = {"name": name, "type": "vty" if name != "console" else "console",
                       "exec_timeout_seconds": 0, "login": login, "password_set": False}
        if transport:
            entry["transport_input"] = transport
        for b in blocks:
            for c in b.children:
                w = c.words
                if w[:1] == ["idle-timeout"] and len(w) > 1 and w[1].isdigit():
                    entry["exec_timeout_seconds"] = int(w[1]) * 60
                elif w[:2] in (["ip", "access-group"], ["ipv4", "access-group"]) and len(w) > 2:
                    entry["access_class_in"] = w[2]
        return entry

    if not ssh_shut:
        lines.append(block_line("management ssh", ssh, ["ssh"]))
        objs.extend(ssh)
    if telnet_on:
        lines.append(block_line("management telnet", telnet, ["telnet"]))
        objs.extend(telnet)
    lines.append(block_line("console", console, []))
    objs.extend(console)
    put(facts, "network.lines", lines, objs, "management ssh with EOS defaults (no idle-timeout, no ACL)")

    api = find("management", "api", "http-commands")
    api_on = any(c.words == ["no", "shutdown"] for b in api for c in b.children)
    protocols = {" ".join(c.words[1:2]) for b in api for c in _child(b, "protocol")}
    http = api_on and "http" in protocols
    https = api_on and (not protocols or "https" in protocols)
    put(facts, "network.services.http_server", http, api, "eAPI is shut down")
    put(facts, "network.services.https_server", https, api, "eAPI is shut down")


def _auth(find, facts: ParsedFacts) -> None:
    enable = [o for o in find("enable", "password") + find("enable", "secret")]
    no_enable = find("no", "enable", "password")
    put(facts, "network.enable.password_present", False, enable or no_enable,
        "no enable password (EOS stores it hashed as 'enable password sha512')")
    if enable:
        facts.set("network.enable.secret_type", hash_strength(enable[-1].words[2:]), enable[-1:])
    else:   # 'no enable password' (or none at all): enable asks for no secret
        facts.not_configured("network.enable.secret_type", "no 'enable password|secret': enable needs no secret",
                             None, no_enable)

    users, objs = [], []
    for obj in find("username"):
        w = obj.words
        if len(w) < 2:
            continue
        entry: dict = {"name": w[1]}
        if "privilege" in w and w.index("privilege") + 1 < len(w) and w[w.index("privilege") + 1].isdigit():
            entry["privilege"] = int(w[w.index("privilege") + 1])
        if "role" in w and w.index("role") + 1 < len(w):
            entry["role"] = w[w.index("role") + 1]
        if "nopassword" in w:
            entry["secret_type"] = 0
            entry["no_password"] = True
        elif "secret" in w:
            entry["secret_type"] = hash_strength(w[w.index("secret") + 1:])
        users.append(entry)
        objs.append(obj)
    put(facts, "network.users", users, objs, "no local users")
    set_default(facts, "network.aaa.new_model", True, "EOS always authenticates through AAA")
    auth_login = find("aaa", "authentication", "login")
    put(facts, "network.aaa.authentication_login", [" ".join(o.words[3:]) for o in auth_login], auth_login,
        "local login")
    for proto in ("tacacs", "radius"):
        hosts = [o for o in find(f"{proto}-server", "host") if len(o.words) > 2]
        put(facts, f"network.aaa.{proto}_servers", [o.words[2] for o in hosts], hosts, f"no {proto} server")


def _snmp(top: list[Node], facts: ParsedFacts) -> None:
    communities, c_objs, groups, g_objs, users, u_objs, hosts, h_objs = [], [], [], [], [], [], [], []
    for obj in top:
        w = obj.words
        if w[:1] != ["snmp-server"]:
            continue
        if w[1:2] == ["community"] and len(w) > 2:
            communities.append(snmp_community(w))
            c_objs.append(obj)
        elif w[1:2] == ["group"] and len(w) >= 5 and w[3] == "v3":
            groups.append({"name": w[2], "security_level": w[4]})
            g_objs.append(obj)
        elif w[1:2] == ["user"] and len(w) >= 5:
            entry = {"name": w[2], "group": w[3]}
            if "auth" in w and w.index("auth") + 1 < len(w):
                entry["auth_protocol"] = w[w.index("auth") + 1].lower()
            if "priv" in w and w.index("priv") + 1 < len(w):
                entry["priv_protocol"] = w[w.index("priv") + 1].lower()
            users.append(entry)
            u_objs.append(obj)
        elif w[1:2] == ["host"] and len(w) > 2:
            hosts.append(w[2])
            h_objs.append(obj)
    put(facts, "network.snmp.communities", communities, c_objs, "no SNMP community")
    put(facts, "network.snmp.v3_groups", groups, g_objs, "no SNMPv3 group")
    put(facts, "network.snmp.v3_users", users, u_objs, "no SNMPv3 user")
    put(facts, "network.snmp.trap_hosts", hosts, h_objs, "no SNMP trap host")


def _after_vrf(words: list[str]) -> list[str]:
    return words[2:] if words[:1] == ["vrf"] else words


def _logging_ntp(find, facts: ParsedFacts) -> None:
    ntp = find("ntp", "server")
    servers = [rest[0] for o in ntp if (rest := _after_vrf(o.words[2:]))]
    put(facts, "network.ntp.servers", servers, ntp, "no NTP server")
    auth = find("ntp", "authenticate")
    put(facts, "network.ntp.authenticate", bool(auth), auth, "NTP authentication off")
    hosts, objs = [], []
    for o in find("logging"):
        rest = _after_vrf(o.words[1:])
        if rest[:1] == ["host"] and len(rest) > 1:
            hosts.append(rest[1])
            objs.append(o)
    put(facts, "network.logging.hosts", hosts, objs, "no remote syslog host")
    buffered = [o for o in find("logging", "buffered") if len(o.words) > 2 and o.words[2].isdigit()]
    if buffered:
        facts.set("network.logging.buffered_size", int(buffered[-1].words[2]), buffered[-1:])
    trap = [o for o in find("logging", "trap") if len(o.words) > 2]
    if trap:
        facts.set("network.logging.trap_level", trap[-1].words[2], trap[-1:])


def _interfaces(find, facts: ParsedFacts) -> None:
    interfaces, objs, unused, unused_objs = [], [], [], []
    for obj in find("interface"):
        if len(obj.words) < 2:
            continue
        name = obj.words[1]
        children = [c.text for c in obj.children]
        shut = "shutdown" in children
        entry: dict = {"name": name, "admin_up": not shut}
        description = next((c.split(None, 1)[1] for c in children if c.startswith("description ")), None)
        address = next((c.split()[2] for c in children if c.startswith("ip address ") and len(c.split()) > 2), None)
        if description:
            entry["description"] = description
        if address:
            entry["ip_address"] = address
        interfaces.append(entry)
        objs.append(obj)
        bundled = any(c.startswith("channel-group ") for c in children)
        if _PHYSICAL.match(name) and not shut and not description and not address and not bundled:
            unused.append(name)
            unused_objs.append(obj)
    put(facts, "network.interfaces", interfaces, objs, "no interface blocks")
    put(facts, "network.unused_interfaces_not_shut", unused, unused_objs, "no unused port left enabled")


def parse_show_version(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    """``show version``: model, serial, EOS version, uptime."""
    facts = facts or ParsedFacts()
    patterns = {
        "system.model": r"^Arista\s+(\S+)",
        "system.serial": r"^Serial number:\s*(\S+)",
        "system.os_version": r"^Software image version:\s*(\S+)",
    }
    for path, pattern in patterns.items():
        match = re.search(pattern, text, re.M)
        if match:
            facts.set(path, match.group(1))
            facts.note(path, [match.group(0)])
    if re.search(r"^Arista", text, re.M):
        facts.set("system.vendor", VENDOR)
        facts.set("system.os_name", "EOS")
    match = re.search(r"^Uptime:\s*(.+)$", text, re.M)
    if match:
        from .cisco_common import uptime_seconds
        facts.set("system.uptime_seconds", uptime_seconds(match.group(1)))
        facts.note("system.uptime_seconds", [match.group(0)])
    return facts


# -- redaction -----------------------------------------------------------------------------------
def redact_config(text: str) -> str:
    """The platform's table in parsers/redaction.py (every secret-bearing form; hash kinds,
    type words and public/private communities kept: the controls judge them)."""
    return redaction.redact(PLATFORM, text)
