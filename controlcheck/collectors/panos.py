"""Palo Alto Networks firewalls over SSH (netmiko ``paloalto_panos``: pager off)."""

from __future__ import annotations

from ..parsers import paloalto_panos
from .netcli import NetworkCliCollector


class PanosCollector(NetworkCliCollector):
    platform = "paloalto_panos"
    netmiko_device_type = "paloalto_panos"
    parsers = paloalto_panos
    version_command = "show system info"
    config_command = "show config running"
    default_kind = "firewall"

    def gather_more(self, session, builder) -> None:
        """Nothing beyond the version and the configuration."""
