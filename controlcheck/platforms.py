"""The platforms controlcheck can collect: platform name -> ``"module:Class"`` of its collector.

Register a new platform with one line here. This is plain data at the bottom of the
import graph, so the inventory can refuse an unknown platform (with its line) without
importing a collector; ``collectors.get_collector`` imports the class when it is used,
so a missing optional library only affects the platforms that need it.
"""

from __future__ import annotations

PLATFORMS: dict[str, str] = {
    "cisco_ios": "controlcheck.collectors.cisco_ios:CiscoIOSCollector",
    "cisco_asa": "controlcheck.collectors.cisco_asa:CiscoASACollector",
    "arista_eos": "controlcheck.collectors.arista_eos:AristaEOSCollector",
    "juniper_junos": "controlcheck.collectors.juniper_junos:JuniperJunosCollector",
    "fortios": "controlcheck.collectors.fortios:FortiOSCollector",
    "paloalto_panos": "controlcheck.collectors.panos:PanosCollector",
    "linux": "controlcheck.collectors.linux:LinuxCollector",
    "windows": "controlcheck.collectors.windows:WindowsCollector",
    "asterisk": "controlcheck.collectors.asterisk:AsteriskCollector",
    "ups_rfc1628": "controlcheck.collectors.ups:UpsRfc1628Collector",
    "ups_apc": "controlcheck.collectors.ups:UpsApcCollector",
    "snmp_generic": "controlcheck.collectors.snmp_generic:SnmpGenericCollector",
}
