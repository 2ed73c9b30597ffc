"""The registries describe themselves: every listed platform names a concrete collector class
that declares its transport (collect.py reads it to decide the SNMP supplement)."""

from __future__ import annotations

import inspect

import pytest

from controlcheck.collect import _supplement_snmp
from controlcheck.collectors import collector_class
from controlcheck.inventory import Asset
from controlcheck.platforms import PLATFORMS

TRANSPORTS = {"ssh", "snmp", "file"}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_every_platform_has_a_concrete_collector_with_a_transport(platform):
    cls = collector_class(platform)
    assert not inspect.isabstract(cls), f"{cls.__name__} leaves {sorted(cls.__abstractmethods__)} abstract"
    assert cls.platform == platform
    assert cls.transport in TRANSPORTS


def test_only_ssh_assets_with_an_snmp_block_get_the_snmp_supplement():
    def asset(platform, snmp):
        return Asset(id="a", kind="server", platform=platform, address="127.0.0.1", snmp=snmp)
    ssh_platforms = [p for p in PLATFORMS if collector_class(p).transport == "ssh"]
    snmp_platforms = [p for p in PLATFORMS if collector_class(p).transport == "snmp"]
    assert ssh_platforms and snmp_platforms
    for p in ssh_platforms:
        assert _supplement_snmp(asset(p, {"credential": "c"}), collector_class(p)())
        assert not _supplement_snmp(asset(p, None), collector_class(p)())
    for p in snmp_platforms:
        assert not _supplement_snmp(asset(p, {"credential": "c"}), collector_class(p)())
