"""Collect facts for every asset of an inventory, concurrently and bounded.

Each asset's facts document is written the moment it is complete, so an
interrupted run keeps everything already collected. One device failing never
stops the others: its failure is an ``errors`` entry in its own document.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .collectors import get_collector
from .collectors.base import AsyncCollector, CollectionContext, Collector, FactsBuilder
from .files import facts_filename, write_json_atomic
from .outcome import unreachable
from .inventory import Asset, Inventory
from .vocabulary import DEFAULT_CONCURRENCY, DEFAULT_SNMP_CONCURRENCY

ProgressCallback = Callable[[Asset, dict], None]


@dataclass
class CollectResult:
    documents: list[dict] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    worker_cpu_seconds: float = 0.0      # CPU used by worker processes, if any (figures for benchmarks)

    @property
    def incomplete(self) -> list[str]:
        """Assets whose collection recorded errors (some facts may be undetermined)."""
        return [d["asset"]["id"] for d in self.documents if d.get("errors")]

    @property
    def not_collected(self) -> list[str]:
        """Assets that could not be reached or whose collection stopped (exit code 3)."""
        return [d["asset"]["id"] for d in self.documents if unreachable(d)]


def write_facts(out_dir: Path | None, asset: Asset, document: dict) -> Path | None:
    """Write one asset's facts document the moment it is complete (None: nowhere to write)."""
    if out_dir is None:
        return None
    path = out_dir / facts_filename(asset.id)
    write_json_atomic(path, document)
    return path


def default_processes() -> int:
    """Worker processes for SSH collection: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _supplement_snmp(asset: Asset, collector: Collector) -> bool:
    """An SSH-collected asset that also has an ``snmp:`` block gets the SNMP system facts too."""
    return bool(asset.snmp) and collector.transport == "ssh"


def _run_collector(collector, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
    try:
        collector.collect(asset, ctx, builder)
    except Exception as exc:  # a collector bug must not cost the other assets
        builder.unreachable("collector", f"internal error in {collector.platform} collector: "
                                   f"{type(exc).__name__}: {exc}")


def _collector_for(asset: Asset) -> Collector:
    """An asset with ``file:`` and no ``ssh:`` is read from its saved configuration."""
    if asset.file and not asset.ssh:
        from .collectors.configfile import ConfigFileCollector
        return ConfigFileCollector(asset.platform)
    return get_collector(asset.platform)


def collect_asset(asset: Asset, ctx: CollectionContext) -> dict:
    """Collect one asset with its platform collector (plus SNMP system facts where configured)."""
    try:
        collector = _collector_for(asset)
    except Exception as exc:
        builder = FactsBuilder(asset, ctx, asset.platform)
        builder.unreachable("collector", str(exc))
        return builder.document()
    builder = FactsBuilder(asset, ctx, collector.platform, collector.version)
    _run_collector(collector, asset, ctx, builder)
    if _supplement_snmp(asset, collector):
        _run_collector(get_collector("snmp_generic"), asset, ctx, builder)
    return builder.document()


async def _collect_async_assets(assets: list[Asset], ctx: CollectionContext, limit: int,
                                on_done: Callable[[Asset, dict], None]) -> None:
    semaphore = asyncio.Semaphore(limit)

    async def one(asset: Asset) -> None:
        async with semaphore:
            collector = get_collector(asset.platform)
            builder = FactsBuilder(asset, ctx, collector.platform, collector.version)
            try:
                await collector.collect_async(asset, ctx, builder)
            except Exception as exc:
                builder.unreachable("collector", f"internal error in {collector.platform} collector: "
                                           f"{type(exc).__name__}: {exc}")
            on_done(asset, builder.document())

    await asyncio.gather(*(one(a) for a in assets))


def _is_async(asset: Asset) -> bool:
    try:
        return isinstance(get_collector(asset.platform), AsyncCollector)
    except Exception:
        return False


def _prepare(platforms: set[str]) -> None:
    """Imports done once, up front: each platform's collector module and what its sessions use."""
    for platform in sorted(platforms):
        try:
            collector = get_collector(platform)
        except Exception:  # noqa: S112 - an unknown platform is reported per asset by collect_asset
            continue
        prepare = getattr(collector, "prepare", None)
        if prepare is not None:
            prepare()


def snmp_concurrency(inventory: Inventory, concurrency: int) -> int:
    """SNMP agents collected at once: ``settings.snmp_concurrency``, else 8 per unit of
    ``concurrency`` up to DEFAULT_SNMP_CONCURRENCY. Unbounded (8 x 48 = 384 agents with
    several requests each) it flooded the agents' host and answers were lost."""
    return int(inventory.settings.get("snmp_concurrency", 0)) or min(max(concurrency, 1) * 8, DEFAULT_SNMP_CONCURRENCY)


# below this many SSH/file assets one process is quicker than starting workers
PROCESSES_FROM_ASSETS = 48


def collect_inventory(inventory: Inventory, out_dir: Path | None, concurrency: int | None = None,
                      progress: ProgressCallback | None = None, assets: list[Asset] | None = None,
                      trust_on_first_use: bool | None = None, processes: int | None = None) -> CollectResult:
    """Collect ``assets`` (default: all) and write ``out_dir/<asset id>.json`` as each finishes.
    ``concurrency`` defaults to the inventory's ``settings.concurrency``, else DEFAULT_CONCURRENCY.
    ``processes`` (default: the inventory's ``settings.processes``, else one per core for
    fleets of PROCESSES_FROM_ASSETS SSH assets or more) splits the SSH collection over
    worker processes sharing ``concurrency`` between them (workers.py)."""
    assets = list(inventory.assets if assets is None else assets)
    concurrency = concurrency or int(inventory.settings.get("concurrency", DEFAULT_CONCURRENCY))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    tofu = inventory.settings.get("trust_on_first_use", False) if trust_on_first_use is None else trust_on_first_use
    ctx = CollectionContext(inventory=inventory, evidence_dir=out_dir, trust_on_first_use=bool(tofu))
    result = CollectResult()
    lock = threading.Lock()

    def done(asset: Asset, document: dict, path: Path | None = None) -> None:
        with lock:
            if path is None:
                path = write_facts(out_dir, asset, document)
            if path is not None:
                result.paths.append(path)
            result.documents.append(document)
            if progress:
                progress(asset, document)

    def in_threads(todo: list[Asset]) -> None:
        _prepare({a.platform for a in todo})     # (worker processes have it from their fork server)
        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="collect") as pool:
            futures = {pool.submit(collect_asset, a, ctx): a for a in todo}
            try:
                for future in as_completed(futures):
                    done(futures[future], future.result())
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    async_assets = [a for a in assets if _is_async(a)]
    sync_assets = [a for a in assets if a not in async_assets]
    if processes is None:
        processes = int(inventory.settings.get("processes", 0)) or (
            default_processes() if len(sync_assets) >= PROCESSES_FROM_ASSETS else 1)
    processes = min(processes, len(sync_assets), max(1, concurrency))
    workers = None
    if processes > 1:
        from .workers import collect_in_processes
        index = {id(a): i for i, a in enumerate(inventory.assets)}
        if all(id(a) in index for a in sync_assets):
            workers = [index[id(a)] for a in sync_assets]
    loop_thread = None
    snmp_limit = snmp_concurrency(inventory, concurrency)
    if async_assets:
        loop_thread = threading.Thread(
            target=lambda: asyncio.run(_collect_async_assets(async_assets, ctx, snmp_limit, done)),
            name="snmp-loop", daemon=True)
        loop_thread.start()
    if workers:
        threads = max(1, -(-concurrency // processes))     # the concurrency, shared between workers
        result.worker_cpu_seconds = collect_in_processes(
            inventory, workers, out_dir, processes, threads, ctx.trust_on_first_use, collect_asset, write_facts, done,
            fallback=lambda left: in_threads([inventory.assets[i] for i in left]))
    elif sync_assets:
        in_threads(sync_assets)
    if loop_thread is not None:
        while loop_thread.is_alive():
            loop_thread.join(0.2)
    order = {a.id: i for i, a in enumerate(assets)}
    result.documents.sort(key=lambda d: order.get(d["asset"]["id"], 0))
    return result
