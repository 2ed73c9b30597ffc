"""sshd when ``sshd -T`` cannot run (issue 11 §2): Includes followed as the daemon follows
them, Match blocks ending with their file, the daemon's -p/-o over the file, file:line
evidence, compiled-in defaults of the release, ``sshd -G`` detected on the real binary, and
a real sshd started with -f outside /etc/ssh (with drop-ins, -p and -o) collected both ways."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from clihelp import run_cli
from conftest import CORPUS
from controlcheck.lab.sshd import RealSshd, find_sshd, free_port
from controlcheck.parsers import linux as P

LINUX = CORPUS / "hosts" / "linux"


def test_hardened_corpus_config_read_by_hand():
    # k4yt3x sshd_config, compared line by line with the file: line 92 'MaxAuthTries 3', 95
    # 'PermitEmptyPasswords no', 98 'PermitRootLogin no', 123 KexAlgorithms (sntrup761, curve25519,
    # dh group18/16 sha512), 133 'ClientAliveCountMax 2', 137 'ClientAliveInterval 300',
    # 143 'IgnoreRhosts yes', 149 'MaxSessions 2'; no LoginGraceTime, MaxStartups or
    # HostbasedAuthentication line, so those take OpenSSH's defaults
    path = LINUX / "hardened" / "k4yt3x_sshd_config"
    read = P.read_sshd_config(str(path), path.read_text(), {})
    facts = {k: v for k, (v, _) in read.facts.items()}
    assert facts["host.sshd.maxauthtries"] == "3"
    assert facts["host.sshd.permitemptypasswords"] == "no"
    assert facts["host.sshd.permitrootlogin"] == "no"
    assert facts["host.sshd.clientalivecountmax"] == "2" and facts["host.sshd.clientaliveinterval"] == "300"
    assert facts["host.sshd.ignorerhosts"] == "yes" and facts["host.sshd.maxsessions"] == "2"
    assert facts["host.sshd_list.kexalgorithms"] == ["sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
                                                     "curve25519-sha256@libssh.org", "diffie-hellman-group18-sha512",
                                                     "diffie-hellman-group16-sha512"]
    assert read.facts["host.sshd.permitrootlogin"][1] == [f"{path}:98: PermitRootLogin no"]
    assert read.errors == []
    defaults, unknown = P.sshd_defaults((9, 2), {p.split(".")[-1] for p in read.facts if p.startswith("host.sshd.")})
    assert defaults["logingracetime"] == "120" and defaults["maxstartups"] == "10:30:100"
    assert defaults["hostbasedauthentication"] == "no" and unknown == []
    assert P.sshd_defaults(None, set())[0] == {}                 # release unknown: no default guessed


def test_graphene_config_times_and_unfollowed_include():
    # grapheneos sshd_config: line 2 'Include /etc/ssh/sshd_config.d/*.conf' (not given here),
    # line 37 'LoginGraceTime 5s', line 110 'MaxStartups 4096'
    path = LINUX / "hardened" / "grapheneos_sshd_config"
    read = P.read_sshd_config(str(path), path.read_text(), {})
    assert read.facts["host.sshd.logingracetime"][0] == "5"          # as sshd -T prints it
    assert read.facts["host.sshd.maxstartups"][0] == "4096"
    assert read.errors == [f"Include /etc/ssh/sshd_config.d/*.conf in {path}:2 not followed"]


def test_openssh_default_config_sets_almost_nothing():
    path = LINUX / "openssh" / "sshd_config"
    read = P.read_sshd_config(str(path), path.read_text(), {})
    assert set(read.facts) == {"host.sshd.authorizedkeysfile", "host.sshd.subsystem"}
    defaults, _ = P.sshd_defaults((9, 2), {"authorizedkeysfile", "subsystem"})
    assert defaults["permitrootlogin"] == "prohibit-password" and defaults["passwordauthentication"] == "yes"


def test_includes_match_blocks_and_command_line():
    main = ("Port 22\nInclude /opt/x/sshd_config.d/*.conf\nMaxAuthTries 4\nPermitRootLogin yes\n"
            "Match User backup\n  PasswordAuthentication yes\n")
    drop_in = "PermitRootLogin no\nMatch Address 10.0.0.0/8\n  X11Forwarding yes\n"
    daemon = P.sshd_daemon_options("sshd: /usr/sbin/sshd -D -f /opt/x/sshd_config -p 37933 -o MaxSessions=3 "
                                   "[listener] 0 of 10-100 startups")
    assert daemon.config == "/opt/x/sshd_config" and daemon.ports == ["37933"]
    assert daemon.arguments() == ["-p", "37933", "-o", "maxsessions=3"]
    read = P.read_sshd_config("/opt/x/sshd_config", main,
                              {"/opt/x/sshd_config.d/*.conf": [("/opt/x/sshd_config.d/10-root.conf", drop_in)]},
                              daemon)
    facts = {k: v for k, (v, _) in read.facts.items()}
    assert facts["host.sshd.permitrootlogin"] == "no"               # the drop-in came first
    assert read.files["host.sshd.permitrootlogin"] == "/opt/x/sshd_config.d/10-root.conf"
    assert read.facts["host.sshd.permitrootlogin"][1] == ["/opt/x/sshd_config.d/10-root.conf:1: PermitRootLogin no"]
    assert facts["host.sshd.maxauthtries"] == "4"                   # the drop-in's Match ended with its file
    assert "host.sshd.x11forwarding" not in facts and "host.sshd.passwordauthentication" not in facts
    assert facts["host.sshd.port"] == "37933"                       # -p over the file's Port 22
    assert facts["host.sshd.maxsessions"] == "3" and read.files["host.sshd.maxsessions"] == "command line"
    # an Include outside what the daemon would read is said, never dropped
    read = P.read_sshd_config("/opt/x/sshd_config", main, {"/opt/x/sshd_config.d/*.conf": "outside, not read"})
    assert read.errors == ["Include /opt/x/sshd_config.d/*.conf in /opt/x/sshd_config:2 not followed: outside, "
                           "not read"]


@pytest.mark.slow   # runs the real sshd binary (no server)
def test_sshd_G_detection_on_the_real_binary():
    sshd = find_sshd()
    if sshd is None:
        pytest.skip("OpenSSH sshd not installed")
    done = subprocess.run([sshd, "-G", "-f", "/dev/null"], capture_output=True, text=True, timeout=30)
    answer = done.stdout + done.stderr
    version = P.openssh_version(answer) or P.openssh_version(
        subprocess.run(["ssh", "-V"], capture_output=True, text=True, timeout=30).stderr)
    assert version is not None
    # OpenSSH 9.2 (Debian 12) has no -G: it prints 'unknown option -- G' and its usage
    assert P.sshd_g_offered(answer) == (done.returncode == 0)
    if version < (10, 0):
        assert not P.sshd_g_offered(answer)


# -- a real sshd, -f outside /etc/ssh, drop-ins, -p and -o -----------------------------------------
def _start(folder: Path, no_reexec: bool) -> RealSshd:
    port = free_port()
    dropins = folder / "sshd_config.d"
    dropins.mkdir(parents=True)
    # (the tests log in as the current user, root here: the drop-in must not refuse it)
    (dropins / "10-startups.conf").write_text("MaxStartups 5:30:20\nMatch User nobody\n  X11Forwarding yes\n")
    (dropins / "20-grace.conf").write_text("LoginGraceTime 45\n")
    extra = [f"Include {dropins}/*.conf", "MaxAuthTries 4", "ClientAliveInterval 300"]
    args = ["-p", str(port), "-o", "MaxSessions=3"] + (["-r"] if no_reexec else [])
    return RealSshd(folder, extra_config=extra, port=port, daemon_args=args, config_port=22)   # 'with' starts it


def _collect(sshd: RealSshd, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "inventory.yaml").write_text(yaml.safe_dump({
        "settings": {"known_hosts": str(sshd.known_hosts)},
        "credentials": {"lab": {"username": sshd.username, "key_file": str(sshd.client_key)}},
        "assets": [{"id": "this-host", "kind": "server", "platform": "linux", "address": "127.0.0.1",
                    "ssh": {"credential": "lab", "port": sshd.port}}]}))
    code, _, err = run_cli("collect", "-i", str(folder / "inventory.yaml"), "-o", str(folder / "facts"))
    assert code == 0, err
    return json.loads((folder / "facts" / "this-host.json").read_text())


@pytest.mark.slow
@pytest.mark.skipif(find_sshd() is None, reason="OpenSSH sshd not installed")
def test_real_sshd_with_drop_ins_and_command_line(tmp_path):
    with _start(tmp_path / "opt-x", no_reexec=False) as sshd:
        doc = _collect(sshd, tmp_path / "run")
    settings = doc["facts"]["host"]["sshd"]
    sources = [e["source"] for e in doc["evidence"]]
    if any(s.startswith("ssh:/usr/sbin/sshd -T") and "-p" in s for s in sources) and "permitrootlogin" in settings \
            and not any("CONFIGURED" in e["message"] for e in doc["errors"]):
        assert settings["port"] == str(sshd.port)               # -p, not the file's Port 22
        assert settings["maxsessions"] == "3"                   # -o MaxSessions=3
        assert settings["maxstartups"] == "5:30:20"             # the drop-in
        assert settings["maxauthtries"] == "4" and settings["logingracetime"] == "45"
    else:
        pytest.fail(f"sshd -T with the daemon's options was not used: {sources} {doc['errors']}")
    # installed packages of this machine, as dpkg itself lists them (ii/hi: installed or held)
    if Path("/usr/bin/dpkg-query").exists():
        listed = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Package} ${Version}\n"],
                                capture_output=True, text=True, timeout=60).stdout.splitlines()
        installed = [line.split()[1:3] for line in listed if line.split()[:1] in (["ii"], ["hi"])]
        assert doc["facts"]["host"]["software_count"] == len(installed) > 0
        assert [[p["name"], p["version"]] for p in doc["facts"]["host"]["software"]] == installed


@pytest.mark.slow
@pytest.mark.skipif(find_sshd() is None, reason="OpenSSH sshd not installed")
def test_real_sshd_files_when_sshd_T_cannot_run(tmp_path):
    # the daemon runs without re-exec (-r) so it keeps its host key loaded; with the key file
    # gone, 'sshd -T' fails as it does for an account that cannot read host keys
    folder = tmp_path / "opt-x"
    with _start(folder, no_reexec=True) as sshd:
        sshd.host_key.rename(folder / "moved_host_key")
        doc = _collect(sshd, tmp_path / "run")
    settings, prov = doc["facts"]["host"]["sshd"], doc["provenance"]
    evidence = {e["id"]: e["source"] for e in doc["evidence"]}
    assert any("unknown option -- G" not in s and s.startswith("ssh:/usr/sbin/sshd -G") for s in evidence.values())
    assert settings["port"] == str(sshd.port) and settings["maxsessions"] == "3"
    assert "command line" in prov["host.sshd.port"]["lines"][0]
    assert settings["maxstartups"] == "5:30:20"
    drop_in = folder / "sshd_config.d" / "10-startups.conf"
    assert prov["host.sshd.maxstartups"]["lines"] == [f"{drop_in}:1: MaxStartups 5:30:20"]
    assert evidence[prov["host.sshd.maxstartups"]["evidence"]] == f"ssh:cat {drop_in}"
    assert settings["maxauthtries"] == "4"                      # after the drop-in's Match: still applies
    assert "x11forwarding" not in settings or prov["host.sshd.x11forwarding"].get("origin") == "default"
    assert settings["x11forwarding"] == "no"                    # the Match for 'nobody' is conditional
    assert settings["logingracetime"] == "45"
    assert settings["permitemptypasswords"] == "no"
    assert prov["host.sshd.permitemptypasswords"]["origin"] == "default"
    assert "OpenSSH 9" in prov["host.sshd.permitemptypasswords"]["rule"] or "OpenSSH 1" in \
        prov["host.sshd.permitemptypasswords"]["rule"]
    notes = [e["message"] for e in doc["errors"] if e["source"] == "ssh:sshd"]
    assert any("CONFIGURED" in m for m in notes), notes
