"""How probe outcomes become facts (no server): an unanswered probe is "refused" only when
the agent answered a later request (the witness); otherwise the fact is missing with an
error, never a quiet "not accepted" that a policy would read as a pass."""

from __future__ import annotations

from pathlib import Path

from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.collectors.snmp.probes import ANSWERED, REFUSED, UNDETERMINED, ProbeReport, _record_probes
from controlcheck.collectors.snmp.session import SnmpSession
from controlcheck.inventory import Asset, Inventory


def builder() -> FactsBuilder:
    asset = Asset(id="a", kind="ups", platform="ups_rfc1628", address="127.0.0.1")
    return FactsBuilder(asset, CollectionContext(inventory=Inventory(path=Path("inv.yaml"), assets=[])), "test")


def report(witness: str, **results: str) -> ProbeReport:
    names = {"configured_1": ("configured", "1"), "public_2c": ("public", "2c"), "public_1": ("public", "1"),
             "private_2c": ("private", "2c"), "private_1": ("private", "1")}
    return ProbeReport(0.05 if witness == ANSWERED else None, witness,
                       {names[k]: v for k, v in results.items()}, set())


SESSION = SnmpSession("127.0.0.1", 161, "2c", community="configured-secret")


def test_slow_v1_probe_without_a_witness_answer_is_undetermined_not_refused():
    b = builder()
    _record_probes(b, report(REFUSED, configured_1=UNDETERMINED, public_2c=UNDETERMINED, public_1=UNDETERMINED,
                             private_2c=UNDETERMINED, private_1=UNDETERMINED), collected=True, session=SESSION)
    snmp = b.facts.get("snmp", {})
    assert "versions_accepted" not in snmp and "default_communities_answered" not in snmp
    messages = [e["message"] for e in b.errors]
    assert any("SNMPv1 acceptance not determined" in m and "SNMPv2c answered" in m for m in messages), messages


def test_refused_after_the_witness_answered_is_a_fact():
    b = builder()
    _record_probes(b, report(ANSWERED, configured_1=REFUSED, public_2c=ANSWERED, public_1=REFUSED,
                             private_2c=REFUSED, private_1=REFUSED), collected=True, session=SESSION)
    assert b.facts["snmp"]["versions_accepted"] == ["2c"]
    assert b.facts["snmp"]["default_communities_answered"] == ["public"]
    assert b.errors == []


def test_a_default_community_answered_on_v1_makes_v1_accepted():
    b = builder()
    _record_probes(b, report(ANSWERED, configured_1=REFUSED, public_2c=REFUSED, public_1=ANSWERED,
                             private_2c=REFUSED, private_1=REFUSED), collected=True, session=SESSION)
    assert b.facts["snmp"]["versions_accepted"] == ["1", "2c"]
