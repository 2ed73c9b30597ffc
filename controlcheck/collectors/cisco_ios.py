"""Cisco IOS / IOS-XE routers and switches over SSH (netmiko: prompt, enable, no paging)."""

from __future__ import annotations

from ..parsers import cisco_ios
from ..parsers.cisco_common import ParsedFacts, redact_config, redact_config_bytes
from .base import FactsBuilder
from .ssh import CliSession, SshCollector


class CiscoIOSCollector(SshCollector):
    platform = "cisco_ios"
    netmiko_device_type = "cisco_ios"

    def gather(self, session: CliSession, builder: FactsBuilder) -> None:
        version = session.run("show version")
        if version and version.ok:
            cisco_ios.parse_show_version(version.text).apply(builder, version.evidence)
        config = session.run("show running-config", redact=redact_config_bytes)
        if config and config.ok:
            cisco_ios.parse_running_config(redact_config(config.text)).apply(builder, config.evidence)
        else:
            builder.error("ssh:show running-config", "no running configuration: the account may lack privilege 15 "
                                                     "(enable secret missing?)")
        ssh = session.run("show ip ssh")
        if ssh and ssh.ok:
            cisco_ios.parse_show_ip_ssh(ssh.text).apply(builder, ssh.evidence)
        brief = session.run("show ip interface brief")
        if brief and brief.ok:
            self._oper_status(builder, cisco_ios.parse_show_ip_interface_brief(brief.text))
        users = session.run("show snmp user")
        if users and users.ok and "SNMP agent not enabled" not in users.text:
            parsed = ParsedFacts()
            v3_users = cisco_ios.parse_show_snmp_user(users.text)
            known = {u["name"] for u in builder.facts.get("network", {}).get("snmp", {}).get("v3_users", [])}
            merged = builder.facts.get("network", {}).get("snmp", {}).get("v3_users", []) + \
                [u for u in v3_users if u["name"] not in known]
            parsed.set("network.snmp.v3_users", merged)
            parsed.apply(builder, users.evidence)

    @staticmethod
    def _oper_status(builder: FactsBuilder, oper: dict[str, bool]) -> None:
        interfaces = builder.facts.get("network", {}).get("interfaces")
        if not interfaces or not oper:
            return
        for entry in interfaces:
            if entry["name"] in oper:
                entry["oper_up"] = oper[entry["name"]]
