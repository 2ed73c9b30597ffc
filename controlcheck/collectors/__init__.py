"""Collectors, one module per platform. Register a new platform with one line here."""

from __future__ import annotations

import importlib

from ..errors import InputError
from .base import Collector

# platform name -> "module:Class" (imported lazily so a missing optional library
# only affects the platforms that need it)
REGISTRY: dict[str, str] = {
    "cisco_ios": "controlcheck.collectors.cisco_ios:CiscoIOSCollector",
    "cisco_asa": "controlcheck.collectors.cisco_asa:CiscoASACollector",
    "linux": "controlcheck.collectors.linux:LinuxCollector",
    "windows": "controlcheck.collectors.windows:WindowsCollector",
    "asterisk": "controlcheck.collectors.asterisk:AsteriskCollector",
    "ups_rfc1628": "controlcheck.collectors.ups:UpsRfc1628Collector",
    "ups_apc": "controlcheck.collectors.ups:UpsApcCollector",
    "snmp_generic": "controlcheck.collectors.snmp_generic:SnmpGenericCollector",
}


def get_collector(platform: str) -> Collector:
    try:
        target = REGISTRY[platform]
    except KeyError:
        raise InputError(f"unknown platform {platform!r} (known: {', '.join(sorted(REGISTRY))})") from None
    module_name, class_name = target.split(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)()
