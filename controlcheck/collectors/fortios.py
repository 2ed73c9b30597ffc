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
    # netmiko's fortinet driver offers only SHA-1 key exchanges (for old FortiOS); we refuse
    # those and let paramiko offer its modern ones, which FortiOS 6.x/7.x accept
    netmiko_options = {"disabled_algorithms": {"kex": ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
                                                       "diffie-hellman-group-exchange-sha1"]}}

    def gather_more(self, session, builder) -> None:
        """Nothing beyond the version and the configuration."""
