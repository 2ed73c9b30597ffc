"""Collection in several processes, each with its own threads: both cores for a fleet.

SSH collection is I/O-bound per device but its parsing (ciscoconfparse2, TextFSM),
netmiko's read loops, redaction, hashing and facts writing are Python: in one process
the whole fleet queues on one GIL. Here ``processes`` workers each run ``threads``
collections at once; every worker writes the facts documents it finishes (so an
interrupted run keeps them) and sends them back for progress and the result.

Workers are forked from a fork server that imported the collectors, netmiko and the
parsers once, up front (``set_forkserver_preload``): no worker pays the imports, and
no worker is forked from a parent that already runs threads.

A worker that dies (killed, out of memory) costs only the assets it was collecting:
each gets an ``errors`` entry saying so, unless its facts file was already written (then
that file is its result); assets no worker had taken yet are collected by the others, or
in this process when none is left.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .collectors.base import CollectionContext, FactsBuilder
from .files import facts_filename
from .forking import pid_alive
from .inventory import Asset, Inventory

# what a worker needs, imported once in the fork server (platform modules via the registry)
PRELOAD = ["controlcheck.collect", "controlcheck.collectors.ssh", "netmiko", "paramiko",
           "ntc_templates.parse", "textfsm.clitable"]
_STOP = None


@dataclass
class WorkerSetup:
    inventory: Inventory
    out_dir: Path | None
    trust_on_first_use: bool
    threads: int
    collect_asset: Callable[[Asset, CollectionContext], dict]          # collect.collect_asset
    write_facts: Callable[[Path | None, Asset, dict], Path | None]     # collect.write_facts
    parent: int = 0                                                      # the collecting process


def _preload() -> list[str]:
    from .collectors import REGISTRY
    modules = {target.split(":")[0] for target in REGISTRY.values()}
    return PRELOAD + sorted(modules)


def _worker_main(setup: WorkerSetup, tasks, results) -> None:
    """One worker process: ``setup.threads`` threads take asset indexes from ``tasks``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent stops us on Ctrl-C
    collect_asset, write_facts = setup.collect_asset, setup.write_facts
    ctx = CollectionContext(inventory=setup.inventory, evidence_dir=setup.out_dir,
                            trust_on_first_use=setup.trust_on_first_use)
    assets = setup.inventory.assets
    pid = os.getpid()

    def run() -> None:
        while True:
            index = tasks.get()
            if index is _STOP or (setup.parent and not pid_alive(setup.parent)):
                return      # a killed audit takes no new device (what runs finishes within its timeouts)
            results.put(("started", index, pid))
            asset = assets[index]
            document = collect_asset(asset, ctx)
            path = write_facts(setup.out_dir, asset, document)
            results.put(("done", index, (document, str(path) if path else None)))

    threads = [threading.Thread(target=run, name=f"collect-{n}") for n in range(setup.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(("cpu", -1, time.process_time()))    # for the run's figures (benchmarks)


def collect_in_processes(inventory: Inventory, indexes: list[int], out_dir: Path | None, processes: int,
                         threads: int, trust_on_first_use: bool,
                         collect_asset: Callable[[Asset, CollectionContext], dict],
                         write_facts: Callable[[Path | None, Asset, dict], Path | None],
                         done: Callable[[Asset, dict, Path | None], None],
                         fallback: Callable[[list[int]], None]) -> float:
    """Collect ``inventory.assets[i]`` for ``i`` in ``indexes`` in ``processes`` workers with
    ``threads`` threads each, each asset through ``collect_asset`` and ``write_facts`` (module
    functions: they travel to the workers by name); ``done(asset, document, path)`` is called in this process as each
    finishes (the worker has already written the facts file). Assets left untaken when every
    worker is gone are handed to ``fallback``. Returns the CPU seconds the workers reported."""
    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(_preload())
    tasks, results = mp.Queue(), mp.Queue()
    for index in indexes:
        tasks.put(index)
    for _ in range(processes * threads):
        tasks.put(_STOP)
    setup = WorkerSetup(inventory, out_dir, trust_on_first_use, threads, collect_asset, write_facts, os.getpid())
    workers = [mp.Process(target=_worker_main, args=(setup, tasks, results), name=f"collect-worker-{n}",
                          daemon=True) for n in range(processes)]
    for w in workers:
        w.start()
    pending = set(indexes)
    started_by: dict[int, int] = {}          # asset index -> worker pid collecting it
    files = _FactsFiles(inventory, indexes, out_dir)
    seen_dead: set[int] = set()
    mourned: set[int] = set()
    cpu = 0.0
    try:
        while pending:
            try:
                kind, index, value = results.get(timeout=0.5)
            except queue.Empty:
                # a worker found dead is mourned one quiet wait later: by then whatever it had
                # sent is read (a worker that died just after the last wait began may have)
                dead = {w.pid for w in workers if not w.is_alive()}
                if not dead <= seen_dead:
                    seen_dead |= dead
                    continue
                for w in workers:
                    if w.pid in dead and w.pid not in mourned:
                        mourned.add(w.pid)
                        _lost(inventory, w, started_by, pending, done, files)
                if len(dead) == len(workers):
                    break
                continue
            if kind == "cpu":
                cpu += value
            elif kind == "started":
                started_by[index] = value
            elif index in pending:
                pending.discard(index)
                started_by.pop(index, None)
                document, path = value
                done(inventory.assets[index], document, Path(path) if path else None)
    except KeyboardInterrupt:
        for w in workers:
            w.terminate()
        raise
    finally:
        for w in workers:
            w.join(timeout=5)
            if w.is_alive():
                w.terminate()
    while True:    # the workers' last words: their CPU time
        try:
            kind, _, value = results.get_nowait()
        except (queue.Empty, OSError, ValueError):
            break
        if kind == "cpu":
            cpu += value
    if pending:   # every worker gone: what they never took is collected here
        fallback(sorted(pending))
    return cpu


class _FactsFiles:
    """The facts file each asset had before the workers started (inode, size, mtime), so the
    file of a worker lost after writing it can be told from one an earlier collection left:
    the worker's "done" message can die with it in the queue's buffer, its file cannot
    (written atomically, so whole)."""

    def __init__(self, inventory: Inventory, indexes: list[int], out_dir: Path | None):
        self.inventory = inventory
        self.paths = {i: out_dir / facts_filename(inventory.assets[i].id) for i in indexes} if out_dir else {}
        self.before = {i: _identity(path) for i, path in self.paths.items()}

    def written_since(self, index: int) -> tuple[dict, Path] | None:
        path = self.paths.get(index)
        identity = _identity(path) if path else None
        if identity is None or identity == self.before[index]:
            return None
        try:
            document = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(document, dict) or (document.get("asset") or {}).get("id") != self.inventory.assets[index].id:
            return None
        return document, path


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _lost(inventory: Inventory, worker, started_by: dict[int, int], pending: set[int],
          done: Callable[[Asset, dict, Path | None], None], files: _FactsFiles) -> None:
    """A worker is gone. Every pending asset whose facts file was written since the start is
    done with that file (its "done", even its "started", may have died unsent in the worker's
    queue buffer); the others it was collecting get an error; the rest are still to do."""
    for index in sorted(pending):
        kept = files.written_since(index)
        if kept is not None:
            pending.discard(index)
            started_by.pop(index, None)
            done(inventory.assets[index], *kept)
    for index in [i for i, pid in started_by.items() if pid == worker.pid]:
        del started_by[index]
        pending.discard(index)
        asset = inventory.assets[index]
        builder = FactsBuilder(asset, CollectionContext(inventory=inventory), asset.platform)
        builder.error("collector", f"the collection worker process exited (code {worker.exitcode}) while "
                                   f"collecting {asset.id}; nothing from it was kept")
        done(asset, builder.document(), None)
