"""SNMPv3 against net-snmp snmpd started on a loopback port with its own configuration: an
authPriv user (createUser in its persistent directory) and a read-only v2c community."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from controlcheck.lab.snmplab import Snmpd
from snmphelp import collect, error_messages, fact

pytestmark = [pytest.mark.skipif(not (shutil.which("snmpd") or os.path.exists("/usr/sbin/snmpd")),
                                 reason="net-snmp snmpd is not installed (apt-get install snmpd)"),
              pytest.mark.slow]   # every test here starts snmpd

USER, AUTH, PRIV, COMMUNITY = "ccaudit", "auth-Key-4711", "priv-Key-0815", "lab-ro-9f3c"


@pytest.fixture(scope="module")
def snmpd():
    with Snmpd(USER, AUTH, PRIV, ro_community=COMMUNITY, sys_contact="noc@example.invalid") as agent:
        yield agent


def inventory(tmp_path, port: int, *, version: str, user: str | None = None, auth: str | None = None,
              priv: str | None = None, community: str | None = None, auth_protocol: str = "sha",
              kind: str = "server", timeout: float = 2, retries: int = 1) -> dict:
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    cred: dict = {}
    for name, value in (("auth_key", auth), ("priv_key", priv), ("community", community)):
        if value is not None:
            (secrets / name).write_text(value + "\n", encoding="utf-8")
            cred[f"{name}_file"] = str(secrets / name)
    if user:
        cred.update(user=user, auth_protocol=auth_protocol, priv_protocol="aes")
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump({
        "credentials": {"snmpd": cred},
        "assets": [{"id": "snmpd-host", "kind": kind, "platform": "snmp_generic", "address": "127.0.0.1",
                    "snmp": {"port": port, "credential": "snmpd", "version": version, "timeout": timeout, "retries": retries}}],
    }), encoding="utf-8")
    return collect(path)["snmpd-host"]


def no_secret(doc: dict) -> None:
    text = json.dumps(doc)
    for secret in (AUTH, PRIV, COMMUNITY):
        assert secret not in text


def test_v3_authpriv_collection(tmp_path, snmpd):
    doc = inventory(tmp_path, snmpd.port, version="3", user=USER, auth=AUTH, priv=PRIV)
    assert doc["errors"] == [], error_messages(doc)
    uname = os.uname()
    assert fact(doc, "snmp.sys_descr") == f"{uname.sysname} {uname.nodename} {uname.release} {uname.version} " \
                                         f"{uname.machine}"
    assert fact(doc, "snmp.sys_contact") == "noc@example.invalid"
    assert fact(doc, "snmp.collection") == {"version": "3", "security_level": "authPriv"}
    # the credential names no community: v1/v2c were not probed with one; public/private are refused
    assert fact(doc, "snmp.versions_accepted") == ["3"]
    assert fact(doc, "snmp.default_communities_answered") == []
    assert fact(doc, "host.os.family") == "linux" and fact(doc, "host.os.kernel") == uname.release
    assert "snmpd" in fact(doc, "host.processes")            # the agent sees itself running
    assert fact(doc, "host.storage")
    no_secret(doc)


def test_v2c_read_only_community_and_public_refused(tmp_path, snmpd):
    doc = inventory(tmp_path, snmpd.port, version="2c", community=COMMUNITY, kind="router")
    assert fact(doc, "snmp.collection") == {"version": "2c", "security_level": "noAuthNoPriv"}
    assert fact(doc, "snmp.versions_accepted") == ["1", "2c"]     # rocommunity serves v1 and v2c
    assert fact(doc, "snmp.default_communities_answered") == []
    assert any(i["name"] == "lo" for i in fact(doc, "snmp.interfaces"))
    no_secret(doc)


def test_v3_credential_with_a_community_probes_v1_and_v2c(tmp_path, snmpd):
    doc = inventory(tmp_path, snmpd.port, version="3", user=USER, auth=AUTH, priv=PRIV, community=COMMUNITY)
    assert fact(doc, "snmp.versions_accepted") == ["1", "2c", "3"]
    assert fact(doc, "snmp.collection.security_level") == "authPriv"
    no_secret(doc)


def test_public_answered_when_so_configured(tmp_path):
    with Snmpd(USER, AUTH, PRIV, ro_community="public") as agent:
        doc = inventory(tmp_path, agent.port, version="3", user=USER, auth=AUTH, priv=PRIV, kind="ups")
    assert fact(doc, "snmp.default_communities_answered") == ["public"]
    assert fact(doc, "snmp.versions_accepted") == ["1", "2c", "3"]


def test_wrong_auth_key_is_a_clear_authentication_error(tmp_path, snmpd):
    doc = inventory(tmp_path, snmpd.port, version="3", user=USER, auth="wrong-auth-key-1", priv=PRIV)
    messages = error_messages(doc)
    assert any("SNMPv3 authentication failed" in m and "wrong authentication key" in m for m in messages), messages
    assert fact(doc, "snmp.sys_descr") is None and "host" not in doc["facts"]
    assert "wrong-auth-key-1" not in json.dumps(doc)


def test_wrong_priv_key_is_a_clear_privacy_error(tmp_path, snmpd):
    doc = inventory(tmp_path, snmpd.port, version="3", user=USER, auth=AUTH, priv="wrong-priv-key-2",
                    timeout=1, retries=0)
    messages = error_messages(doc)
    assert any("privacy failed" in m and "wrong privacy key" in m for m in messages), messages
    assert fact(doc, "snmp.sys_descr") is None
    assert "wrong-priv-key-2" not in json.dumps(doc)


def test_unknown_user_is_named(tmp_path, snmpd):
    doc = inventory(tmp_path, snmpd.port, version="3", user="nobody-here", auth=AUTH, priv=PRIV)
    assert any("'nobody-here' is unknown to the agent" in m for m in error_messages(doc))


def test_sha256_user(tmp_path):
    with Snmpd("sha2user", AUTH, PRIV, auth_protocol="SHA-256", priv_protocol="AES") as agent:
        doc = inventory(tmp_path, agent.port, version="3", user="sha2user", auth=AUTH, priv=PRIV,
                        auth_protocol="sha256")
    assert doc["errors"] == [], error_messages(doc)
    assert fact(doc, "snmp.collection.security_level") == "authPriv"
