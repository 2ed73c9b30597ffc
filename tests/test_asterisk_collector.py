"""Asterisk collection over SSH (device simulator): golden facts, policies judging them,
and no SIP/AMI/ARI secret or dialplan PIN in facts, evidence or output."""

from __future__ import annotations

import pytest

from hostsim import assert_no_secret, cases, check_golden, collect_platform, document, findings

pytestmark = pytest.mark.slow   # every test here starts a server

CASES = cases("asterisk")
SECRETS = ["Tr9#kQ2v!Lm4Wx7Z", "hX7vQ2mL9rT4wZ8k", "pN3sD8fK1jB6yC0q", "Vw5!eR8tY2uI6oP0", "Mq8Zt3Lx6Vb1Nc9Kr4Hw",
           "739153", "amp111", "Br4nchTrunkPw2019", "IaxTrunkPw77", "Welcome!", "password = asterisk",
           "password=1001", "secret=100\n", "lab-only-password"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        return collect_platform("asterisk", tmp_path_factory.mktemp("asterisk"), monkeypatch=mp)


def test_collected_without_errors(run):
    assert run["code"] == 0, run["err"]
    for case in CASES:
        doc = document(run, case)
        assert doc["errors"] == [], (case.name, doc["errors"])
        assert doc["collector"]["name"] == "asterisk"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_facts(run, case):
    check_golden(run, case)


def test_no_secret_in_any_output(run):
    assert_no_secret(run, SECRETS)


def test_config_evidence_is_redacted_but_kept(run):
    doc = document(run, next(c for c in CASES if c.name == "weak"))
    ev = next(e for e in doc["evidence"] if e["source"] == "ssh:cat /etc/asterisk/sip.conf")
    text = (run["facts"] / ev["path"]).read_text()
    assert "secret=********" in text and "register => branch02:********@sip.provider.example" in text
    assert "alwaysauthreject=no" in text          # the rest of the file is intact


def test_included_file_is_read(run):
    doc = document(run, next(c for c in CASES if c.name == "hardened"))
    names = [e["name"] for e in doc["facts"]["pbx"]["sip"]["endpoints"]]
    assert names == ["2001", "2002", "supervisor", "itsp-trunk"]
    assert any(e["source"] == "ssh:cat /etc/asterisk/pjsip_endpoints.conf" for e in doc["evidence"])


def test_provenance_names_weak_endpoints_without_secret(run):
    doc = document(run, next(c for c in CASES if c.name == "weak"))
    prov = doc["provenance"]["pbx.sip.endpoints_weak_secret"]
    assert "password=********" in prov["lines"]


def test_policies(run):
    status = {k: f["status"] for k, f in findings(run).items()}
    controls = ["PBX-SIP-001", "PBX-SIP-002", "PBX-SIP-003", "PBX-SIP-004", "PBX-F2B-001", "PBX-DIAL-001",
                "PBX-TLS-001", "PBX-SRTP-001", "PBX-AMI-001", "PBX-AMI-002", "PBX-HTTP-001", "PBX-VER-001",
                "PBX-LOG-001"]
    for control in controls:
        assert status[("pbx-hq-01", control)] == "pass", control
        assert status[("pbx-branch-02", control)] == "fail", control
