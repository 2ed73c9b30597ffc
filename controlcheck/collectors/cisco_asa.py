"""Cisco ASA firewalls over SSH (netmiko: prompt, enable, 'terminal pager 0')."""

from __future__ import annotations

from ..parsers import cisco_asa
from .base import FactsBuilder
from .netcli import NetworkCliCollector
from .ssh import CliSession


class CiscoASACollector(NetworkCliCollector):
    platform = "cisco_asa"
    netmiko_device_type = "cisco_asa"
    parsers = cisco_asa
    default_kind = "firewall"
    live_only = NetworkCliCollector.live_only + ("network.failover.state",)
    privileged = True     # the running-config needs privilege 15: enter enable when the login is below
    config_denied_hint = "the account may lack privilege 15 (enable secret missing?)"

    def gather_more(self, session: CliSession, builder: FactsBuilder) -> None:
        self.parse(session, builder, "show failover", cisco_asa.parse_show_failover, facts=["network.failover.state"])
