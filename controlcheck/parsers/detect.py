"""Which network OS wrote a saved configuration: RANCID's ``!RANCID-CONTENT-TYPE:`` header
first, then the content itself. A text nothing recognises is ``None`` — never a guess."""

from __future__ import annotations

import re

# RANCID device types -> our platforms ("cisco" covers IOS and ASA: the content decides)
RANCID_TYPES = {
    "cisco": None, "ios": "cisco_ios", "cisco-ios": "cisco_ios", "asa": "cisco_asa", "cisco-asa": "cisco_asa",
    "arista": "arista_eos", "eos": "arista_eos", "juniper": "juniper_junos", "junos": "juniper_junos",
    "fortigate": "fortios", "fortinet": "fortios", "fortios": "fortios",
    "paloalto": "paloalto_panos", "panos": "paloalto_panos", "pan-os": "paloalto_panos",
}
_RANCID = re.compile(r"^[!#]\s*RANCID-CONTENT-TYPE:\s*(\S+)", re.M | re.I)
HEAD_BYTES = 64 * 1024   # detection reads the head of a file only
# every platform detection may name
DETECTED = ("cisco_ios", "cisco_asa", "arista_eos", "juniper_junos", "fortios", "paloalto_panos")

_ASA = re.compile(r"^(: Saved|ASA Version \d|PIX Version \d|: Hardware:\s+ASA)", re.M)
_PANOS_XML = re.compile(r"<config\b[^>]*>|<devices>\s*<entry|<mgt-config>", re.S)
_PANOS_BRACE = re.compile(r"^\s*(mgt-config|deviceconfig)\s*\{", re.M)
_PANOS_SET = re.compile(r"^set (deviceconfig|mgt-config|rulebase|network interface|zone) ", re.M)
_JUNOS_SET = re.compile(r"^set (version|system|interfaces|protocols|snmp|security|policy-options|routing-options|"
                        r"firewall|chassis) ", re.M)
_JUNOS_CURLY = re.compile(r"^(version \S+;|system \{|interfaces \{|protocols \{|security \{)", re.M)
_FORTIOS = re.compile(r"^(#config-version=F|config system (global|interface|admin)\s*$)", re.M)
_EOS = re.compile(r"^(! device: .*\(.*EOS|! Command: show running-config|(no )?aaa root\b|"
                  r"management api http-commands|service routing protocols model|daemon TerminAttr|"
                  r"transceiver qsfp default-mode|username \S+ .*role network-(admin|operator)|"
                  r"management (ssh|console)\s*$)", re.M)
_IOS = re.compile(r"^(Building configuration|Current configuration :|version \d+\.\d+\s*$|boot-start-marker|"
                  r"service timestamps |line (vty|con) \d|ip cef\b|no ip domain[- ]lookup|"
                  r"interface (Gigabit|FastEthernet|Serial|Loopback|Tunnel|Vlan)\S*\d|dial-peer voice |sip-ua\s*$|"
                  r"voice service |call-manager-fallback\s*$)", re.M)


def rancid_platform(head: str) -> tuple[bool, str | None]:
    """(a RANCID header was found, the platform it names or None)."""
    match = _RANCID.search(head)
    if not match:
        return False, None
    kind = match.group(1).lower()
    if kind in RANCID_TYPES and RANCID_TYPES[kind] is None:
        return True, "cisco_asa" if _ASA.search(head) else "cisco_ios"
    return True, RANCID_TYPES.get(kind)


def detect_platform(head: str) -> str | None:
    """The platform of a configuration from its first ``HEAD_BYTES``, or None."""
    found, platform = rancid_platform(head)
    if found:
        return platform
    if _PANOS_XML.search(head) or _PANOS_BRACE.search(head) or _PANOS_SET.search(head):
        return "paloalto_panos"
    if _FORTIOS.search(head):
        return "fortios"
    if _JUNOS_SET.search(head) or _JUNOS_CURLY.search(head):
        return "juniper_junos"
    if _ASA.search(head):
        return "cisco_asa"
    if len(_EOS.findall(head)) >= 1:
        return "arista_eos"
    if _IOS.search(head):
        return "cisco_ios"
    return None
