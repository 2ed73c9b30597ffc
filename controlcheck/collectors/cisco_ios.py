"""Cisco IOS / IOS-XE routers and switches over SSH (netmiko: prompt, enable, no paging)."""

from __future__ import annotations

from ..parsers import cisco_ios
from .base import FactsBuilder
from .netcli import NetworkCliCollector
from .ssh import CliSession


class CiscoIOSCollector(NetworkCliCollector):
    platform = "cisco_ios"
    netmiko_device_type = "cisco_ios"
    parsers = cisco_ios
    live_only = NetworkCliCollector.live_only + ("network.ssh.enabled",)
    privileged = True     # the running-config needs privilege 15: enter enable when the login is below
    config_denied_hint = "the account may lack privilege 15 (enable secret missing?)"

    def gather_more(self, session: CliSession, builder: FactsBuilder) -> None:
        self.parse(session, builder, "show ip ssh", cisco_ios.parse_show_ip_ssh, facts=["network.ssh.enabled"])
        brief = session.run("show ip interface brief")
        if brief is not None and not brief.ok:
            builder.error("ssh:show ip interface brief", f"the device rejected 'show ip interface brief' "
                          f"({brief.rejected or 'no usable answer'}): interface operational state not read",
                          facts=["network.interfaces"])
        if brief and brief.ok:
            oper = cisco_ios.parse_show_ip_interface_brief(brief.text)
            for entry in builder.facts.get("network", {}).get("interfaces", []):
                if entry["name"] in oper:
                    entry["oper_up"] = oper[entry["name"]]
        # SNMPv3 users are not in the running-config: 'show snmp user' adds those it lists
        users = session.run("show snmp user")
        if users is not None and not users.ok:
            builder.error("ssh:show snmp user", f"the device rejected 'show snmp user' "
                          f"({users.rejected or 'no usable answer'}): SNMPv3 users outside the running-config "
                          f"not read", facts=["network.snmp.v3_users"])
        if users and users.ok:
            configured = builder.facts.get("network", {}).get("snmp", {}).get("v3_users", [])
            known = {u["name"] for u in configured}
            extra = [u for u in cisco_ios.parse_show_snmp_user(users.text) if u["name"] not in known]
            if extra:
                builder.set("network.snmp.v3_users", configured + extra, evidence=users.evidence)
