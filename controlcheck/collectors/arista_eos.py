"""Arista EOS switches over SSH (netmiko ``arista_eos``: prompt, enable, no paging)."""

from __future__ import annotations

from ..parsers import arista_eos
from .netcli import NetworkCliCollector


class AristaEOSCollector(NetworkCliCollector):
    platform = "arista_eos"
    netmiko_device_type = "arista_eos"
    parsers = arista_eos
    default_kind = "switch"
    privileged = True     # 'show running-config' needs privileged EXEC

    def gather_more(self, session, builder) -> None:
        """EOS needs no command beyond version and running-config: the config holds every
        fact the network controls read (management ssh/telnet/api are config stanzas)."""
