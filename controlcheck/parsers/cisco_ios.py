"""Cisco IOS / IOS-XE: running-config (ciscoconfparse2) and show commands (ntc-templates)
-> the ``system`` and ``network`` facts of docs/facts-model.md."""

from __future__ import annotations

import re

from .cisco_common import (ParsedFacts, ends_with, finder, parse_config, snmp_community, textfsm_parse,
                           uptime_seconds)
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


def config_complete(text: str) -> bool:
    """IOS prints ``end`` as the last line of a running-config (and writes it to a saved one):
    without it the text was cut short and absence proves nothing."""
    return ends_with(text, ("end",))


def release_major(find) -> int | None:
    """The major release from the config's ``version 15.2`` line (None if there is none)."""
    for obj in find(r"^version\s+\d+"):
        match = re.match(r"version\s+(\d+)", obj.text)
        if match:
            return int(match.group(1))
    return None


def parse_running_config(text: str, facts: ParsedFacts | None = None) -> ParsedFacts:
    """Facts of an IOS running-config. Read to its ``end``, a line the config lacks gives the
    IOS default (provenance ``default``) or null/empty (``not-configured``); see docs/facts-model.md."""
    facts = facts or ParsedFacts()
    facts.source = "running-config"
    if not config_complete(text):
        facts.read_short("it does not end with the 'end' line IOS prints last (cut short?)")
    conf = parse_config(text, "ios")
    top = [o for o in conf.objs if o.parent is o]   # banner text lines are the banner's children
    find = finder(top)

    for obj in find(r"^hostname\s+\S+"):
        facts.set("system.hostname", obj.text.split()[1], [obj])
    aaa_new_model = _aaa(conf, top, find, facts)
    _enable(find, facts)
    _users(find, facts)
    _snmp(top, facts)
    _ntp_and_logging(find, facts)
    _services(find, facts)
    _ssh(find, facts)
    _lines(conf, top, facts, aaa_new_model=aaa_new_model, release=release_major(find))
    _interfaces(top, facts)
    _acls(conf, top, facts)
    return facts


def _flag(facts: ParsedFacts, path: str, on: list, off: list, default: bool, rule: str) -> bool:
    """A feature turned on by the ``on`` lines, off by the ``no ...`` lines (the last one wins),
    else the IOS default."""
    last_on = on[-1].linenum if on else -1
    last_off = off[-1].linenum if off else -1
    if last_on > last_off:
        facts.set(path, True, on[-1:])
        return True
    if last_off > last_on:
        facts.set(path, False, off[-1:])
        return False
    facts.default(path, default, rule)
    return default


def _listed(facts: ParsedFacts, path: str, values: list, objs: list, rule: str) -> None:
    if values:
        facts.set(path, values, objs)
    else:
        facts.not_configured(path, rule, value=[])


def _aaa(conf, top, find, facts: ParsedFacts) -> bool:
    new_model = _flag(facts, "network.aaa.new_model", find(r"^aaa new-model\s*$"), find(r"^no aaa new-model\s*$"),
                      False, "no 'aaa new-model' line: IOS default is no aaa new-model")
    auth_login = find(r"^aaa authentication login\s+")
    _listed(facts, "network.aaa.authentication_login",
            [o.text.split(None, 3)[3] for o in auth_login if len(o.text.split(None, 3)) == 4], auth_login,
            "no 'aaa authentication login' line")
    _servers(conf, top, facts, "tacacs")
    _servers(conf, top, facts, "radius")
    return new_model


def _enable(find, facts: ParsedFacts) -> None:
    secrets = find(r"^enable secret\s+")
    if secrets:
        tokens = secrets[-1].text.split()[2:]
        if tokens[:1] == ["level"]:
            tokens = tokens[2:]
        facts.set("network.enable.secret_type", _secret_type(tokens), secrets[-1:])
    else:
        facts.not_configured("network.enable.secret_type", "no 'enable secret' line: no enable secret is set")
    passwords = find(r"^enable password\s+")
    if passwords:
        facts.set("network.enable.password_present", True, passwords)
        tokens = passwords[-1].text.split()[2:]
        if tokens[:1] == ["level"]:
            tokens = tokens[2:]
        facts.set("network.enable.password_type", _secret_type(tokens), passwords[-1:])
    else:
        facts.not_configured("network.enable.password_present", "no 'enable password' line", value=False)
        facts.not_configured("network.enable.password_type", "no 'enable password' line")


def _users(find, facts: ParsedFacts) -> None:
    """Local users: never the hash, only its type."""
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
    _listed(facts, "network.users", users, user_lines, "no 'username' line: no local user")


def _ntp_and_logging(find, facts: ParsedFacts) -> None:
    ntp_servers = find(r"^ntp server\s+")
    servers = []
    for obj in ntp_servers:
        tokens = obj.text.split()[2:]
        if tokens[:1] == ["vrf"]:
            tokens = tokens[2:]
        if tokens:
            servers.append(tokens[0])
    _listed(facts, "network.ntp.servers", servers, ntp_servers, "no 'ntp server' line")
    _flag(facts, "network.ntp.authenticate", find(r"^ntp authenticate\s*$"), find(r"^no ntp authenticate\s*$"),
          False, "no 'ntp authenticate' line: NTP authentication is off by default")

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
    _listed(facts, "network.logging.hosts", hosts, log_hosts, "no 'logging host' line: no remote syslog")
    buffered = find(r"^logging buffered\s+\d+")
    if buffered:
        facts.set("network.logging.buffered_size", int(buffered[-1].text.split()[2]), buffered[-1:])
    else:
        # the buffer's default size differs by platform: no size is configured, which is the
        # answer a control asking for an explicit size (CIS 'logging buffered <size>') needs
        facts.not_configured("network.logging.buffered_size", "no 'logging buffered <size>' line: no buffer size "
                                                              "configured (the platform default applies)")
    trap = find(r"^logging trap\s+\S+")
    if trap:
        facts.set("network.logging.trap_level", trap[-1].text.split()[2], trap[-1:])
    else:
        facts.default("network.logging.trap_level", "informational",
                      "no 'logging trap' line: IOS sends syslog at informational by default")


def _services(find, facts: ParsedFacts) -> None:
    _flag(facts, "network.services.password_encryption", find(r"^service password-encryption\s*$"),
          find(r"^no service password-encryption\s*$"), False,
          "no 'service password-encryption' line: off by default")
    _flag(facts, "network.services.http_server", find(r"^ip http server\s*$"), find(r"^no ip http server\s*$"),
          False, "no 'ip http server' line: the HTTP server is off unless configured")
    _flag(facts, "network.services.https_server", find(r"^ip http secure-server\s*$"),
          find(r"^no ip http secure-server\s*$"), False,
          "no 'ip http secure-server' line: the HTTPS server is off unless configured")
    _flag(facts, "network.services.cdp", find(r"^cdp run\s*$"), find(r"^no cdp run\s*$"), True,
          "no 'no cdp run' line: CDP runs by default")
    _flag(facts, "network.services.lldp", find(r"^lldp run\s*$"), find(r"^no lldp run\s*$"), False,
          "no 'lldp run' line: LLDP is off by default on IOS")
    for kind in ("motd", "login"):
        banner = find(rf"^banner {kind}\b")
        if banner:
            facts.set(f"network.banner.{kind}", True, banner)
        else:
            facts.not_configured(f"network.banner.{kind}", f"no 'banner {kind}' line", value=False)
    block = find(r"^login block-for\s+\d+")
    if block:
        facts.set("network.login_block.configured", True, block)
    else:
        facts.not_configured("network.login_block.configured", "no 'login block-for' line", value=False)


def _ssh(find, facts: ParsedFacts) -> None:
    ssh_version = find(r"^ip ssh version\s+\d")
    if ssh_version:
        facts.set("network.ssh.version", ssh_version[-1].text.split()[3], ssh_version[-1:])
    else:
        facts.default("network.ssh.version", "1.99", "no 'ip ssh version' line: IOS runs SSH 1.99 "
                                                     "(compatibility mode: SSHv1 and SSHv2 accepted)")


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
    _listed(facts, f"network.aaa.{proto}_servers", addresses, objs, f"no {proto} server configured")


def _snmp(top, facts: ParsedFacts) -> None:
    communities, community_objs = [], []
    groups, group_objs = [], []
    users, user_objs = [], []
    trap_hosts, trap_objs = [], []
    for obj in top:
        tokens = obj.text.split()
        if tokens[:2] == ["snmp-server", "community"] and len(tokens) >= 3:
            communities.append(snmp_community(tokens))
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
    _listed(facts, "network.snmp.communities", communities, community_objs, "no 'snmp-server community' line")
    _listed(facts, "network.snmp.v3_groups", groups, group_objs, "no 'snmp-server group ... v3' line")
    _listed(facts, "network.snmp.v3_users", users, user_objs, "no 'snmp-server user' line in the config "
                                                                "('show snmp user' adds the others)")
    _listed(facts, "network.snmp.trap_hosts", trap_hosts, trap_objs, "no 'snmp-server host' line")


# the line fields a control may read, and the child lines that set each
_LINE_FIELDS = {
    "transport_input": ("transport input",),
    "exec_timeout_seconds": ("exec-timeout", "no exec-timeout"),
    "access_class_in": ("access-class",),
    "login": ("login", "no login"),
    "password_set": ("password",),
    "privilege_level": ("privilege level",),
}


def _line_entry(obj, aaa_new_model: bool) -> tuple[dict, dict]:
    """One ``line ...`` block -> its entry and, per field, the child lines that set it."""
    name = " ".join(obj.text.split()[1:])
    entry: dict = {"name": name, "type": _line_type(name)}
    deciding: dict[str, list] = {}
    for child in obj.children:
        ctoks = child.text.split()
        if ctoks[:2] == ["transport", "input"]:
            entry["transport_input"] = ctoks[2:]
            deciding["transport_input"] = [child]
        elif ctoks[:1] == ["exec-timeout"] and len(ctoks) >= 2:
            try:
                entry["exec_timeout_seconds"] = int(ctoks[1]) * 60 + (int(ctoks[2]) if len(ctoks) > 2 else 0)
                deciding["exec_timeout_seconds"] = [child]
            except ValueError:
                pass
        elif ctoks[:2] == ["no", "exec-timeout"]:
            entry["exec_timeout_seconds"] = 0
            deciding["exec_timeout_seconds"] = [child]
        elif ctoks[:1] == ["access-class"] and ctoks[-1] == "in" and len(ctoks) >= 3:
            entry["access_class_in"] = ctoks[1]
            deciding["access_class_in"] = [child]
        elif ctoks[:1] == ["login"]:
            if ctoks[1:2] == ["local"]:
                entry["login"] = "local"
            elif ctoks[1:2] == ["authentication"]:
                entry["login"] = " ".join(ctoks[1:])
            else:
                entry["login"] = "line"
            deciding["login"] = [child]
        elif ctoks[:2] == ["no", "login"]:
            entry["login"] = "none"
            deciding["login"] = [child]
        elif ctoks[:1] == ["password"]:
            entry["password_set"] = True
            deciding["password_set"] = [child]
        elif ctoks[:2] == ["privilege", "level"] and len(ctoks) > 2 and ctoks[2].isdigit():
            entry["privilege_level"] = int(ctoks[2])
            deciding["privilege_level"] = [child]
    return entry, deciding


def _transport_default(line_type: str, release: int | None) -> tuple[list[str] | None, str]:
    """IOS's ``transport input`` when a line has none: (value, rule) or (None, why unknown)."""
    if line_type in ("tty", "aux"):
        return ["none"], "no 'transport input' line: async (tty/aux) lines accept no incoming connection " \
                         "by default since IOS 11.1"
    if line_type != "vty":
        return None, ""
    if release is None:
        return None, "no 'transport input' line, and the default depends on the IOS release, which the " \
                     "config does not state (no 'version' line); read 'show line vty 0'"
    if release < 16:
        return ["all"], f"no 'transport input' line: on IOS {release}.x (the config's 'version' line) vty " \
                        f"lines accept every transport, telnet included"
    return None, f"no 'transport input' line, and the default changed across IOS-XE {release}.x releases; " \
                 f"read 'show line vty 0' for the allowed input transports"


def _lines(conf, top, facts: ParsedFacts, aaa_new_model: bool, release: int | None = None) -> None:
    lines, objs = [], []
    telnet, unknown_vty = [], []
    for obj in top:
        tokens = obj.text.split()
        if tokens[:1] != ["line"] or len(tokens) < 2:
            continue
        entry, deciding = _line_entry(obj, aaa_new_model)
        name = entry["name"]
        for field_name, children in deciding.items():
            facts.detail("network.lines", name, field_name, [obj] + children)
        if "exec_timeout_seconds" not in entry and facts.item_default(
                "network.lines", name, "exec_timeout_seconds",
                "no 'exec-timeout' line: IOS ends an idle session after 10 minutes", [obj]):
            entry["exec_timeout_seconds"] = DEFAULT_EXEC_TIMEOUT
        if "login" not in entry:
            rule = ("no 'login' line with aaa new-model: the default login method list applies" if aaa_new_model
                    else "no 'login' line and no aaa new-model: no login is asked")
            if facts.item_default("network.lines", name, "login", rule, [obj]):
                entry["login"] = "authentication default" if aaa_new_model else "none"
        if "password_set" not in entry and facts.item_default("network.lines", name, "password_set",
                                                              "no 'password' line", [obj]):
            entry["password_set"] = False
        if "transport_input" not in entry:
            value, rule = _transport_default(entry["type"], release)
            if value is not None:
                if facts.item_default("network.lines", name, "transport_input", rule, [obj]):
                    entry["transport_input"] = value
            elif rule:
                facts.item_undetermined("network.lines", name, "transport_input", rule)
                unknown_vty.append(name)
        if any(t in ("telnet", "all") for t in entry.get("transport_input", [])):
            telnet.append(obj)
        lines.append(entry)
        objs.append(obj)
    if lines:
        facts.set("network.lines", lines, objs)
    else:
        facts.not_configured("network.lines", "no 'line' block", value=[])
    if telnet:
        facts.set("network.services.telnet_server", True,
                  [c for o in telnet for c in [o] + [k for k in o.children if "transport input" in k.text]])
    elif unknown_vty:
        facts.undetermined("network.services.telnet_server",
                           f"the allowed transports of {', '.join(unknown_vty)} are not known")
    elif lines:
        facts.set("network.services.telnet_server", False, objs)
    else:
        facts.not_configured("network.services.telnet_server", "no 'line' block", value=False)


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
    _listed(facts, "network.interfaces", interfaces, objs, "no 'interface' block")
    _listed(facts, "network.unused_interfaces_not_shut", unused, unused_objs,
            "every physical interface is shut down, described, addressed or bundled")


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
    _listed(facts, "network.acls.any_any_permits", hits, objs, "no ACL line permits ip any any")


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
