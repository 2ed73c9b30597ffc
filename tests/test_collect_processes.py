"""SSH collection split over worker processes gives the same facts as one process, writes
every facts file, and a worker that dies costs only the assets it was collecting."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import threading

import pytest

from pathlib import Path

from controlcheck.forking import pid_alive
from helpers import FIXTURES, wait_until
from controlcheck.collect import collect_inventory
from controlcheck.inventory import load_inventory
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator

pytestmark = pytest.mark.slow   # starts the SSH simulator and worker processes

TEMPLATE = FIXTURES / "devices" / "cisco_ios" / "rtr-branch-07"


def _devices(tmp_path, count: int, hang: set[int] = frozenset()):
    folders = []
    for i in range(count):
        case = tmp_path / "dev" / "cisco_ios" / f"rtr-{i:02d}"
        shutil.copytree(TEMPLATE, case)
        spec = (case / "device.yaml").read_text().replace("hostname: rtr-branch-07", f"hostname: rtr-{i:02d}")
        if i in hang:
            spec += "behaviour:\n  hang: [\"show running-config\"]\n"
        (case / "device.yaml").write_text(spec)
        folders.append(case)
    return folders


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the fork server and the workers it forked)."""
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _comparable(doc: dict) -> dict:
    return {"facts": doc["facts"], "errors": doc["errors"],
            "evidence": [(e["source"], e["sha256"]) for e in doc["evidence"]]}


def test_processes_give_the_same_facts_as_threads(tmp_path):
    with SshSimulator(_devices(tmp_path, 6)) as sim:
        inventory = load_inventory(write_inventory(tmp_path / "inv.yaml", sim_assets(sim, tmp_path),
                                                   known_hosts=sim.write_known_hosts(tmp_path / "kh")))
        seen = []
        in_processes = collect_inventory(inventory, tmp_path / "p", concurrency=4, processes=2,
                                         progress=lambda asset, doc: seen.append(asset.id))
        in_threads = collect_inventory(inventory, tmp_path / "t", concurrency=4, processes=1)
    assert sorted(seen) == [f"rtr-{i:02d}" for i in range(6)]
    assert [d["asset"]["id"] for d in in_processes.documents] == [a.id for a in inventory.assets]
    assert not in_processes.incomplete
    for a, b in zip(in_processes.documents, in_threads.documents, strict=True):
        assert _comparable(a) == _comparable(b)
    for path in in_processes.paths:
        assert json.loads(path.read_text())["asset"]["id"] == path.stem
    assert len(in_processes.paths) == 6


def test_a_dead_worker_costs_only_the_assets_it_was_collecting(tmp_path):
    with SshSimulator(_devices(tmp_path, 4, hang={0})) as sim:
        assets = sim_assets(sim, tmp_path)
        for asset in assets:
            asset.ssh["command_timeout"] = 120
        inventory = load_inventory(write_inventory(tmp_path / "inv.yaml", assets,
                                                   known_hosts=sim.write_known_hosts(tmp_path / "kh")))
        out = tmp_path / "facts"
        box = {}
        runner = threading.Thread(target=lambda: box.update(result=collect_inventory(
            inventory, out, concurrency=2, processes=2)))
        runner.start()
        wait_until(lambda: len(list(out.glob("*.json"))) >= 3, "all but the hung device collected")
        killed = 0
        for child in multiprocessing.active_children():
            if child.name.startswith("collect-worker"):
                try:
                    os.kill(child.pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass    # a worker with nothing left to take may end between listing and kill
        assert killed, "no collect worker was running"
        runner.join(120)
    result = box["result"]
    by_id = {d["asset"]["id"]: d for d in result.documents}
    assert len(by_id) == 4
    assert "worker process exited" in by_id["rtr-00"]["errors"][0]["message"]
    assert json.loads((out / "rtr-00.json").read_text())["errors"]
    assert all(not by_id[f"rtr-{i:02d}"]["errors"] for i in (1, 2, 3))


CHILD = """
import sys
from pathlib import Path
from controlcheck.collect import collect_inventory
from controlcheck.inventory import load_inventory
if __name__ == "__main__":
    collect_inventory(load_inventory(Path(sys.argv[1])), Path(sys.argv[2]), concurrency=2, processes=2)
"""


def test_workers_take_no_new_device_once_the_collecting_process_is_killed(tmp_path):
    """kill -9 of an audit must stop it: workers finish what they hold, then take nothing new."""
    import subprocess
    import sys

    folders = _devices(tmp_path, 6)
    for folder in folders:
        (folder / "device.yaml").write_text((folder / "device.yaml").read_text() + "behaviour:\n  delay: 0.8\n")
    with SshSimulator(folders) as sim:
        inventory = write_inventory(tmp_path / "inv.yaml", sim_assets(sim, tmp_path),
                                    known_hosts=sim.write_known_hosts(tmp_path / "kh"))
        script = tmp_path / "collect_child.py"
        script.write_text(CHILD)
        out = tmp_path / "facts"
        child = subprocess.Popen([sys.executable, str(script), str(inventory), str(out)])  # noqa: S603
        wait_until(lambda: list(out.glob("*.json")), "a first device collected")
        workers = _descendants(child.pid)
        assert workers, "the collection runs no worker process"
        child.kill()
        child.wait()
        # the workers finish what they hold, then end: wait for that rather than a fixed time
        # (workers that went on taking devices would still be running, or write them all)
        wait_until(lambda: not any(pid_alive(pid) for pid in workers), "the orphaned workers ended")
    written = len(list(out.glob("*.json")))
    assert 1 <= written <= 4, written     # the first ones and at most the two in flight


def test_a_worker_killed_after_writing_its_facts_file_loses_nothing(tmp_path):
    """A worker's "done" (even its "started") can die unsent in its queue buffer; the facts
    file it wrote (atomically) cannot. That file is the asset's result, not "worker exited";
    a file an earlier collection left is not mistaken for it."""
    import dying_collector
    from controlcheck.lab.inventory import LabAsset
    from controlcheck.workers import collect_in_processes

    ids = ["ok-0", "dies-after", "ok-1", "dies-before", "ok-2", "ok-3"]
    assets = [LabAsset(id=i, kind="router", platform="cisco_ios", ssh={"port": 22},
                       credential={"username": "audit"}) for i in ids]
    inventory = load_inventory(write_inventory(tmp_path / "inv.yaml", assets))
    out = tmp_path / "facts"
    out.mkdir()
    stale = {"asset": {"id": "dies-before"}, "facts": {"left": "by an earlier collection"}, "errors": []}
    (out / "dies-before.json").write_text(json.dumps(stale))
    results, handed_back = {}, []

    def done(asset, document, path):
        assert asset.id not in results, f"{asset.id} done twice"
        results[asset.id] = document

    collect_in_processes(inventory, list(range(len(ids))), out, processes=2, threads=1, trust_on_first_use=False,
                         collect_asset=dying_collector.collect_asset, write_facts=dying_collector.write_facts,
                         done=done, fallback=handed_back.extend)
    handed_back = {ids[i] for i in handed_back}
    assert set(results) | handed_back == set(ids) and not set(results) & handed_back
    # the file written before the worker died is the result (never "handed back" to collect again)
    assert results["dies-after"] == json.loads((out / "dies-after.json").read_text())
    assert results["dies-after"]["facts"]["marker"] == {"written_by": "worker"}
    assert not results["dies-after"]["errors"]
    # the asset whose worker died before writing is an error or collected again, never the old file
    if "dies-before" in results:
        assert "worker process exited" in results["dies-before"]["errors"][0]["message"]
        assert json.loads((out / "dies-before.json").read_text())["errors"]
    for name in ("ok-0", "ok-1", "ok-2", "ok-3"):
        assert name in handed_back or results[name]["facts"]["marker"] == {"written_by": "worker"}
