"""The exec-channel SSH transport against real SSH servers: output caps, command timeouts,
undecodable bytes, exit statuses, key login to a real OpenSSH sshd — and the Cisco
parsers on real public configurations from the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.collectors.ssh import SshTarget, exec_session
from controlcheck.errors import CollectionError
from controlcheck.inventory import Asset, Inventory
from controlcheck.lab.sshd import RealSshd, find_sshd
from controlcheck.lab.sshsim import SshSimulator
from controlcheck.parsers import cisco_asa, cisco_ios
from controlcheck.parsers.cisco_common import redact_config


def _builder(tmp_path: Path) -> FactsBuilder:
    inventory = Inventory(path=tmp_path / "inventory.yaml", assets=[])
    asset = Asset(id="host-1", kind="server", platform="linux", address="127.0.0.1")
    return FactsBuilder(asset, CollectionContext(inventory=inventory, evidence_dir=tmp_path / "out"), "test")


@pytest.fixture
def exec_device(tmp_path):
    folder = tmp_path / "devices" / "linux" / "odd-host"
    folder.mkdir(parents=True)
    (folder / "big.txt").write_bytes(b"x" * 300_000)
    (folder / "latin1.txt").write_bytes(b"caf\xe9 ok\n")
    (folder / "fine.txt").write_text("hello\n")
    with (folder / "huge.txt").open("wb") as fh:      # 50 MB, over the default 16 MiB cap
        fh.write(b"y" * (50 * 1024 * 1024))
    (folder / "device.yaml").write_text(
        "hostname: odd-host\nmode: exec\nusername: audit\npassword: pw-odd-host\n"
        "commands:\n  big: big.txt\n  huge: huge.txt\n  dropping: big.txt\n  latin1: latin1.txt\n  fine: fine.txt\n  slow: fine.txt\n  failing: fine.txt\n"
        "exit_status:\n  failing: 3\nbehaviour:\n  hang: [slow]\n  drop: [dropping]\n")
    with SshSimulator([folder]) as sim:
        target = SshTarget("odd-host", "127.0.0.1", sim.port("odd-host"), "audit",
                           sim.write_known_hosts(tmp_path / "known_hosts"), False, password="pw-odd-host",
                           command_timeout=1.5, max_output_bytes=100_000)
        yield target


@pytest.mark.slow
def test_output_over_the_cap_is_abandoned_and_the_session_goes_on(tmp_path, exec_device):
    builder = _builder(tmp_path)
    with exec_session(exec_device, builder) as session:
        assert session.run("big") is None
        assert session.run("fine").text == "hello\n"
    assert any("exceeded 100000 bytes" in e["message"] for e in builder.errors)


@pytest.mark.slow
def test_fifty_megabytes_hit_the_default_cap(tmp_path, exec_device):
    from controlcheck.collectors.ssh import DEFAULT_MAX_OUTPUT_BYTES
    exec_device.max_output_bytes = DEFAULT_MAX_OUTPUT_BYTES
    exec_device.command_timeout = 60
    builder = _builder(tmp_path)
    with exec_session(exec_device, builder) as session:
        assert session.run("huge") is None
    assert f"exceeded {DEFAULT_MAX_OUTPUT_BYTES} bytes" in builder.errors[0]["message"]
    assert builder.evidence == []          # nothing half-read is kept as if complete


@pytest.mark.slow
def test_a_connection_dropped_mid_command_is_an_error(tmp_path, exec_device):
    builder = _builder(tmp_path)
    exec_device.max_output_bytes = 1_000_000
    with pytest.raises(CollectionError, match="closed"):
        with exec_session(exec_device, builder) as session:
            assert session.run("dropping") is None
            session.run("fine")            # the connection is gone: the session ends
    assert "connection closed by" in builder.errors[0]["message"]


@pytest.mark.slow
def test_a_hung_command_times_out_and_the_next_one_runs(tmp_path, exec_device):
    builder = _builder(tmp_path)
    with exec_session(exec_device, builder) as session:
        assert session.run("slow") is None
        assert session.run("fine").ok
    assert builder.errors[0]["source"] == "ssh:slow"
    assert "within 1.5s" in builder.errors[0]["message"]


@pytest.mark.slow
def test_undecodable_bytes_are_said_and_kept_raw_in_evidence(tmp_path, exec_device):
    builder = _builder(tmp_path)
    with exec_session(exec_device, builder) as session:
        output = session.run("latin1")
    assert output.text == "caf\ufffd ok\n"
    assert "not valid UTF-8" in builder.errors[0]["message"]
    raw = (tmp_path / "out" / builder.evidence[0]["path"]).read_bytes()
    assert raw == b"caf\xe9 ok\n"


@pytest.mark.slow
def test_exit_status_and_unknown_commands(tmp_path, exec_device):
    builder = _builder(tmp_path)
    with exec_session(exec_device, builder) as session:
        assert session.run("failing").exit_status == 3
        missing = session.run("no-such-command")
    assert missing.exit_status == 127 and "not found" in missing.stderr


@pytest.mark.slow
@pytest.mark.skipif(not find_sshd(), reason="OpenSSH sshd is not installed (.ci/run installs it)")
def test_key_login_to_real_openssh_and_unknown_key_refused(tmp_path):
    with RealSshd(tmp_path / "sshd") as sshd:
        target = SshTarget("local", "127.0.0.1", sshd.port, sshd.username, sshd.known_hosts, False,
                           key_file=str(sshd.client_key))
        builder = _builder(tmp_path)
        with exec_session(target, builder) as session:
            assert session.run("echo controlcheck").text == "controlcheck\n"
        target = SshTarget("local", "127.0.0.1", sshd.port, sshd.username, tmp_path / "empty_known_hosts", False,
                           key_file=str(sshd.client_key))
        with pytest.raises(CollectionError, match=r"unknown SSH host key .*SHA256:"):
            with exec_session(target, builder):
                pass


# -- Cisco parsers on real public configurations (../shared/corpus) -----------------------

def test_ios_mixed_vty_transports_batfish(corpus):
    text = (corpus / "network/configs/cisco_ios/batfish_lhr-border-02.cfg").read_text()
    facts = cisco_ios.parse_running_config(text).values
    vty = {line["name"]: line["transport_input"] for line in facts["network.lines"] if line["type"] == "vty"}
    assert vty == {"vty 0 2": ["telnet"], "vty 3 5": ["ssh"]}
    assert facts["network.users"] == [{"name": "demo", "privilege": 15, "secret_type": 5}]
    assert facts["network.aaa.new_model"] is True
    assert facts["network.services.telnet_server"] is True


def test_ios_cleartext_enable_password_and_users_napalm(corpus):
    text = (corpus / "network/configs/cisco_ios/napalm_csr1000v_show_running_config.txt").read_text()
    facts = cisco_ios.parse_running_config(text).values
    assert facts["network.enable.password_present"] is True
    assert facts["network.enable.password_type"] == 0
    assert facts["network.users"][0]["secret_type"] == 0
    assert facts["network.services.password_encryption"] is False


def test_ios_snmp_rw_with_acl_and_http_server_ciscoconfparse(corpus):
    text = (corpus / "network/configs/cisco_ios/ciscoconfparse_sample_01.ios").read_text()
    parsed = cisco_ios.parse_running_config(redact_config(text))
    facts = parsed.values
    assert facts["network.snmp.communities"] == [{"access": "RW", "is_default": False, "acl": "99"}]
    assert facts["network.enable.secret_type"] == 5
    assert facts["network.services.http_server"] is True
    assert facts["network.login_block.configured"] is True
    assert "SoMeThaNGwIErd" not in " ".join(parsed.lines["network.snmp.communities"])


def test_ios_show_commands_from_ntc_templates(corpus):
    show = corpus / "network/show/cisco_ios"
    version = cisco_ios.parse_show_version((show / "show_version_c1800_ios_12.4.txt").read_text()).values
    assert version["system.os_version"] == "12.4(6)T2" and version["system.os_name"] == "IOS"
    ssh = cisco_ios.parse_show_ip_ssh((show / "show_ip_ssh.txt").read_text()).values
    assert ssh == {"network.ssh.enabled": True, "network.ssh.version": "2"}
    users = cisco_ios.parse_show_snmp_user((show / "show_snmp_user.txt").read_text())
    assert {u["priv_protocol"] for u in users} == {"aes128", "none"} and users[1]["acl"] == "10"


def test_asa_any_source_management_and_weak_kex_netutils(corpus):
    text = (corpus / "network/configs/cisco_asa/netutils_asa_full_sent.txt").read_text()
    facts = cisco_asa.parse_running_config(text).values
    assert facts["network.management_access.ssh"] == [
        {"network": "0.0.0.0", "mask": "0.0.0.0", "interface": "Management", "any_source": True}]
    assert facts["network.ssh.weak_kex"] is True
    assert facts["network.aaa.ssh_authentication"] == "TACACS+ LOCAL"
    assert facts["network.aaa.tacacs_servers"] == ["10.1.1.100"]
    assert facts["network.logging.hosts"] == ["10.1.1.20"]
    version = cisco_asa.parse_show_version(
        (corpus / "network/show/cisco_asa/show_version_asav_9.5.txt").read_text()).values
    assert version["system.os_version"] == "9.5(2)204" and version["system.model"] == "ASAv10"


def test_asa_telnet_from_anywhere_batfish(corpus):
    text = (corpus / "network/configs/cisco_asa/batfish_aaaAuthenticationAsa.cfg").read_text()
    facts = cisco_asa.parse_running_config(text).values
    assert facts["network.management_access.telnet"][0]["any_source"] is True
    assert facts["network.services.telnet_server"] is True


def test_paths_from_device_configs_cannot_leave_their_folder():
    """An include or -f argument from a device config goes into a command only when it is a
    plain path inside the expected folder: a config cannot make the collector cat /etc/shadow."""
    from controlcheck.collectors.ssh import safe_remote_path
    assert safe_remote_path("/etc/ssh/sshd_config.d/*.conf", under="/etc/ssh")
    assert safe_remote_path("/etc/asterisk/pjsip_endpoints.conf", under="/etc/asterisk")
    for bad in ("/etc/shadow", "/etc/asterisk/../shadow", "/etc/ssh/../../etc/shadow", "/etc/asterisk-x/a.conf",
                "/etc/asterisk/a.conf; cat /etc/shadow", "/etc/asterisk/$(id).conf", "etc/asterisk/a.conf"):
        under = "/etc/ssh" if "/ssh" in bad else "/etc/asterisk"
        assert not safe_remote_path(bad, under=under), bad
    assert not safe_remote_path("/tmp/../etc/shadow")


@pytest.mark.slow
def test_an_asterisk_include_outside_etc_asterisk_is_never_read(tmp_path):
    import shutil

    from controlcheck.collectors.asterisk import AsteriskCollector
    from helpers import FIXTURES
    from controlcheck.lab.inventory import sim_assets, write_inventory
    from controlcheck.inventory import load_inventory

    case = tmp_path / "asterisk" / "pbx-odd"
    shutil.copytree(FIXTURES / "devices" / "asterisk" / "weak", case)
    conf = case / "extensions.conf"
    conf.write_text("#include /etc/shadow\n#include ../../etc/passwd\n" + conf.read_text())
    with SshSimulator([case]) as sim:
        inventory = load_inventory(write_inventory(tmp_path / "inv.yaml", sim_assets(sim, tmp_path),
                                                   known_hosts=sim.write_known_hosts(tmp_path / "kh")))
        asset = inventory.assets[0]
        builder = FactsBuilder(asset, CollectionContext(inventory=inventory), "asterisk")
        AsteriskCollector().collect(asset, CollectionContext(inventory=inventory), builder)
        commands = list(sim.log)
    assert any("extensions.conf" in c for c in commands)
    assert not [c for c in commands if "shadow" in c or "passwd" in c], commands
    assert "pbx" in builder.facts
