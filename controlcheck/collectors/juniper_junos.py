"""Juniper Junos routers, switches and SRX firewalls over SSH (netmiko ``juniper_junos``:
the CLI's paging is turned off by netmiko). The configuration is read in ``set`` form."""

from __future__ import annotations

from ..parsers import juniper_junos
from .netcli import NetworkCliCollector


class JuniperJunosCollector(NetworkCliCollector):
    platform = "juniper_junos"
    netmiko_device_type = "juniper_junos"
    parsers = juniper_junos
    config_command = "show configuration | display set"
    default_kind = "router"
    # a saved Junos config names the release that wrote it ('version'); the rest is live only
    live_only = ("system.model", "system.serial", "system.image", "system.uptime_seconds")

    @classmethod
    def kind_for(cls, facts: dict) -> str:
        """An SRX (security policies in its config) is a firewall."""
        return "firewall" if (facts.get("network") or {}).get("firewall_policies") else cls.default_kind

    def gather_more(self, session, builder) -> None:
        """Nothing beyond the version and the configuration."""
