"""Cisco ASA firewalls over SSH (netmiko: prompt, enable, 'terminal pager 0')."""

from __future__ import annotations

from ..parsers import cisco_asa
from ..parsers.cisco_common import redact_config, redact_config_bytes
from .base import FactsBuilder
from .ssh import CliSession, SshCollector


class CiscoASACollector(SshCollector):
    platform = "cisco_asa"
    netmiko_device_type = "cisco_asa"

    def gather(self, session: CliSession, builder: FactsBuilder) -> None:
        version = session.run("show version")
        if version and version.ok:
            cisco_asa.parse_show_version(version.text).apply(builder, version.evidence)
        config = session.run("show running-config", redact=redact_config_bytes)
        if config and config.ok:
            cisco_asa.parse_running_config(redact_config(config.text)).apply(builder, config.evidence)
        else:
            builder.error("ssh:show running-config", "no running configuration: the account may lack privilege 15 "
                                                     "(enable secret missing?)")
        failover = session.run("show failover")
        if failover and failover.ok:
            cisco_asa.parse_show_failover(failover.text).apply(builder, failover.evidence)
