"""SNMPv3 contexts against net-snmp snmpd acting as a proxy for several devices: each
context forwards to an snmpsim agent serving a real snmpsim-data recording. The context
selects the device; an unknown context, an unknown user, a wrong authentication key and a
wrong privacy key are each reported as themselves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from controlcheck.lab.snmplab import SnmpSim, Snmpd
from snmphelp import collect, error_messages, fact, parse_snmprec

pytestmark = [pytest.mark.skipif(not (shutil.which("snmpd") or os.path.exists("/usr/sbin/snmpd")),
                                 reason="net-snmp snmpd is not installed (apt-get install snmpd)"),
              pytest.mark.slow]   # every test here starts snmpd and snmpsim

USER, AUTH, PRIV = "ccproxy", "auth-Key-5150", "priv-Key-2112"
CISCO, EATON = "network/switch/cisco-c3560", "UPS/eaton-93e-80"


@pytest.fixture(scope="module")
def proxy():
    with SnmpSim({"rec-cisco": CISCO, "rec-eaton": EATON}) as sim, \
            Snmpd(USER, AUTH, PRIV, contexts={"sw-cisco": (sim.port, "rec-cisco"),
                                              "ups-eaton": (sim.port, "rec-eaton")}) as agent:
        yield agent


def collect_one(tmp_path, port: int, *, context: str | None, user: str = USER, auth: str = AUTH,
                priv: str = PRIV, kind: str = "switch", platform: str = "snmp_generic") -> dict:
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "auth").write_text(auth + "\n", encoding="utf-8")
    (secrets / "priv").write_text(priv + "\n", encoding="utf-8")
    snmp = {"port": port, "credential": "v3", "version": "3", "timeout": 2, "retries": 1}
    if context is not None:
        snmp["context"] = context
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump({
        "credentials": {"v3": {"user": user, "auth_protocol": "sha", "priv_protocol": "aes",
                               "auth_key_file": str(secrets / "auth"), "priv_key_file": str(secrets / "priv")}},
        "assets": [{"id": "dev", "kind": kind, "platform": platform, "address": "127.0.0.1", "snmp": snmp}],
    }), encoding="utf-8")
    return collect(path)["dev"]


def snmpget(port: int, context: str, oid: str) -> str:
    """net-snmp's own answer for the same agent, context and credential."""
    out = subprocess.run(["snmpget", "-v3", "-l", "authPriv", "-u", USER, "-a", "SHA", "-A", AUTH, "-x", "AES",
                          "-X", PRIV, "-n", context, "-On", "-Oqv", "-t", "3", "-r", "1", f"127.0.0.1:{port}", oid],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip().strip('"')


def test_the_context_selects_the_device(tmp_path, proxy):
    doc = collect_one(tmp_path, proxy.port, context="sw-cisco")
    rec = parse_snmprec(CISCO)
    assert fact(doc, "snmp.sys_descr") == rec["1.3.6.1.2.1.1.1.0"][1]
    assert fact(doc, "snmp.sys_name") == rec["1.3.6.1.2.1.1.5.0"][1] == snmpget(proxy.port, "sw-cisco", "1.3.6.1.2.1.1.5.0")
    assert fact(doc, "system.os_version") == "12.2(55)SE3"
    assert fact(doc, "snmp.collection") == {"version": "3", "security_level": "authPriv", "context": "sw-cisco"}
    assert fact(doc, "snmp.interfaces")
    assert AUTH not in json.dumps(doc) and PRIV not in json.dumps(doc)


def test_another_context_of_the_same_proxy_is_another_device(tmp_path, proxy):
    doc = collect_one(tmp_path, proxy.port, context="ups-eaton", kind="ups", platform="ups_rfc1628")
    rec = parse_snmprec(EATON)
    assert fact(doc, "snmp.sys_descr") == rec["1.3.6.1.2.1.1.1.0"][1]
    assert fact(doc, "ups.battery.charge_percent") == rec["1.3.6.1.2.1.33.1.2.4.0"][1]
    # the default context is the proxy host itself (net-snmp's own sysDescr), not the UPS
    default = collect_one(tmp_path, proxy.port, context=None, kind="server")
    assert fact(default, "snmp.sys_descr") != fact(doc, "snmp.sys_descr")


def test_unknown_context_is_named_as_such(tmp_path, proxy):
    doc = collect_one(tmp_path, proxy.port, context="no-such-device")
    messages = error_messages(doc)
    assert any("context 'no-such-device' is unknown to the agent" in m for m in messages), messages
    assert not any("privacy" in m or "authentication failed" in m for m in messages), messages
    assert fact(doc, "snmp.sys_descr") is None


def test_wrong_privacy_key_in_a_context(tmp_path, proxy):
    doc = collect_one(tmp_path, proxy.port, context="sw-cisco", priv="wrong-priv-key-7")
    messages = error_messages(doc)
    assert any("privacy failed" in m and "wrong privacy key" in m for m in messages), messages
    assert not any("context" in m for m in messages), messages


def test_wrong_authentication_key_in_a_context(tmp_path, proxy):
    doc = collect_one(tmp_path, proxy.port, context="sw-cisco", auth="wrong-auth-key-7")
    messages = error_messages(doc)
    assert any("authentication failed" in m and "wrong authentication key" in m for m in messages), messages
    assert not any("context" in m or "privacy" in m for m in messages), messages


def test_unknown_user_in_a_context(tmp_path, proxy):
    doc = collect_one(tmp_path, proxy.port, context="sw-cisco", user="nobody-here")
    messages = error_messages(doc)
    assert any("'nobody-here' is unknown to the agent" in m for m in messages), messages
    assert not any("context" in m or "privacy" in m for m in messages), messages
