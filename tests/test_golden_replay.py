"""Golden replay, fast lane: every fixture device in fixtures/devices/<platform>/<case>/ is
replayed straight into its platform's collector and parsers, without SSH, and the facts must
equal the reviewed ``expected_facts.json`` beside it (the same files the SSH tests check
over the simulator, tests/test_*_collector.py). A parser change shows here in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controlcheck.collectors import get_collector
from controlcheck.collectors.base import CollectionContext, FactsBuilder
from controlcheck.collectors.ssh import CommandOutput, _Session
from controlcheck.inventory import Asset, Inventory
from controlcheck.lab.inventory import DEFAULT_KIND
from controlcheck.lab.sshsim import SimDevice
from helpers import FIXTURES

CASES = sorted(p.parent for p in (FIXTURES / "devices").glob("*/*/device.yaml"))


class ReplaySession(_Session):
    """Answers each command from the fixture's files as the simulator does over SSH (an exec
    command it does not know: exit 127; a CLI command: '% Invalid input'), and records the
    evidence through the real session code."""

    def __init__(self, device: SimDevice, builder: FactsBuilder):
        super().__init__(target=None, builder=builder)
        self.device = device
        self.asked: list[str] = []

    def run(self, command: str, timeout: float | None = None, redact=None) -> CommandOutput | None:
        command = str(command)          # Windows scripts: the readable form the fixtures list
        self.asked.append(command)
        raw = self.device.output(command)
        if self.device.mode == "cli":
            text = raw if raw is not None else b"% Invalid input detected at '^' marker.\n"
            output = self._record(command, text, 0, redact=redact)
            if raw is None:
                output.exit_status = 1
            return output
        if raw is None:
            return self._record(command, b"", 127, f"sh: 1: {command.split()[0]}: not found\n".encode(),
                                redact=redact)
        return self._record(command, raw, self.device.exit_status.get(command, 0), redact=redact)


def replay(case: Path) -> tuple[dict, ReplaySession]:
    device = SimDevice.load(case)
    platform = case.parent.name
    asset = Asset(id=device.name, kind=DEFAULT_KIND.get(platform, "server"), platform=platform,
                  address="127.0.0.1")
    ctx = CollectionContext(inventory=Inventory(path=case / "inventory.yaml", assets=[asset]))
    collector = get_collector(platform)
    builder = FactsBuilder(asset, ctx, collector.platform)
    session = ReplaySession(device, builder)
    collector.gather(session, builder)
    return builder.document(), session


def test_every_fixture_device_is_replayed():
    assert {c.parent.name for c in CASES} >= {"cisco_ios", "cisco_asa", "linux", "windows", "asterisk"}
    assert all((c / "expected_facts.json").exists() for c in CASES), "every fixture needs its reviewed golden facts"


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_replayed_facts_equal_the_golden_facts(case):
    document, session = replay(case)
    assert session.asked, "the collector asked the device nothing"
    assert document["facts"] == json.loads((case / "expected_facts.json").read_text())
