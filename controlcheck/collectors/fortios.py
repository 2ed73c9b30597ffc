"""Fortinet FortiGate firewalls over SSH (netmiko ``fortinet``: console paging turned off)."""

from __future__ import annotations

from ..parsers import fortios
from .netcli import NetworkCliCollector


class FortiOSCollector(NetworkCliCollector):
    platform = "fortios"
    netmiko_device_type = "fortinet"
    parsers = fortios
    version_command = "get system status"
    config_command = "show full-configuration"
    default_kind = "firewall"

    def gather_more(self, session, builder) -> None:
        """Nothing beyond the version and the configuration."""
