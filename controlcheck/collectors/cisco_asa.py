"""Cisco ASA firewalls over SSH (netmiko: prompt, enable, 'terminal pager 0')."""

from __future__ import annotations

from ..parsers import cisco_asa
from .base import FactsBuilder
from .cisco_cli import CiscoCliCollector
from .ssh import CliSession


class CiscoASACollector(CiscoCliCollector):
    platform = "cisco_asa"
    netmiko_device_type = "cisco_asa"
    parsers = cisco_asa

    def gather_more(self, session: CliSession, builder: FactsBuilder) -> None:
        self.parse(session, builder, "show failover", cisco_asa.parse_show_failover)
