"""The celery engine's coordinator: one task per asset to its site's queue, results as they
arrive, written exactly where the local engine writes them.

A site nobody serves: while a site has outstanding tasks the coordinator asks the workers
which queues they consume (Celery's remote control); a site with no worker for
``site_timeout`` seconds is given up: its tasks are revoked and its queue purged, and its
assets are reported "not collected: no worker for site X". An interrupted coordinator revokes
what is outstanding the same way before it lets the interrupt through.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path

from ..collect import CollectResult, ProgressCallback
from ..collectors.base import CollectionContext, FactsBuilder
from ..errors import EnvironmentStopped
from ..files import facts_filename, write_atomic, write_json_atomic
from ..inventory import Asset, Inventory
from .celery_app import TASK_NAME, make_app
from .payload import queue_for, safe_evidence_path, task_payload, unpack_result

POLL_INTERVAL = 0.05        # seconds between looks for finished results (one MGET of every outstanding id)
WORKER_LOOK_EVERY = 2.0     # seconds between asking which queues live workers consume
QUIET_BEFORE_ASKING = 5.0   # seconds without a result from a site before asking whether it has a worker


def _hide(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{userinfo.split(':', 1)[0] + ':***' if ':' in userinfo else userinfo}{at}{host}" if at else url


class CeleryEngine:
    name = "celery"

    def __init__(self, broker: str, site_timeout: float = 120.0):
        self.broker = broker
        self.site_timeout = float(site_timeout)
        self.app = make_app(broker)

    # -- reach ------------------------------------------------------------------------------
    def check(self) -> None:
        """The broker and the result store answer, or the run stops here (exit 4)."""
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, timeout=5)
        except Exception as exc:
            raise EnvironmentStopped(f"cannot reach the broker {_hide(self.broker)}: {_reason(exc)}") from None
        client = getattr(self.app.backend, "client", None)
        if client is not None:
            try:
                client.ping()
            except Exception as exc:
                raise EnvironmentStopped(f"cannot reach the result store {_hide(str(self.app.conf.result_backend))}: "
                                         f"{_reason(exc)}") from None

    # -- collect ----------------------------------------------------------------------------
    def collect(self, inventory: Inventory, out_dir: Path, concurrency: int | None = None,
                progress: ProgressCallback | None = None, trust_on_first_use: bool | None = None) -> CollectResult:
        out_dir.mkdir(parents=True, exist_ok=True)
        tofu = bool(inventory.settings.get("trust_on_first_use", False) if trust_on_first_use is None
                    else trust_on_first_use)
        result = CollectResult()
        pending: dict[str, Asset] = {}
        try:
            with self.app.producer_or_acquire() as producer:
                for asset in inventory.assets:
                    task_id = str(uuid.uuid4())
                    pending[task_id] = asset
                    self.app.send_task(TASK_NAME, args=[task_payload(asset, inventory, tofu)],
                                       task_id=task_id, queue=queue_for(asset.site), producer=producer)
            self._gather(pending, inventory, out_dir, result, progress)
        except KeyboardInterrupt:
            self._abandon(list(pending), {queue_for(a.site) for a in pending.values()})
            raise
        except EnvironmentStopped:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise EnvironmentStopped(f"lost the broker {_hide(self.broker)}: {_reason(exc)}") from None
            raise
        order = {a.id: i for i, a in enumerate(inventory.assets)}
        result.documents.sort(key=lambda d: order.get(d["asset"]["id"], 0))
        return result

    def _gather(self, pending: dict[str, Asset], inventory: Inventory, out_dir: Path, result: CollectResult,
                progress: ProgressCallback | None) -> None:
        outstanding = set(pending)                    # get_many takes ids out as they finish
        sites = {a.site for a in pending.values()}
        seen = {site: time.monotonic() for site in sites}     # a worker last seen serving the site
        state = {"next_look": 0.0}
        done: set[str] = set()

        def look_for_workers() -> None:
            now = time.monotonic()
            if now < state["next_look"]:
                return
            # a site whose results keep arriving has a worker: ask (a broadcast that waits for
            # replies) only about sites quiet for a while
            quiet = min(self.site_timeout / 2, QUIET_BEFORE_ASKING)
            waiting = {pending[t].site for t in outstanding}
            if all(now - seen[site] < quiet for site in waiting):
                return
            served = self._served_queues()
            now = time.monotonic()
            state["next_look"] = now + WORKER_LOOK_EVERY
            for site in waiting:
                if queue_for(site) in served:
                    seen[site] = now
                elif now - seen[site] >= self.site_timeout:
                    ids = [t for t in outstanding if pending[t].site == site]
                    self._abandon(ids, {queue_for(site)})
                    for t in ids:
                        outstanding.discard(t)
                        self._record(pending[t], out_dir, result, progress, inventory,
                                     error=f"no worker for site {site or '(default queue)'}")

        backend = self.app.backend
        while outstanding:
            for task_id, meta in backend.get_many(outstanding, interval=POLL_INTERVAL, on_interval=look_for_workers,
                                                  no_ack=True):
                if task_id in done or task_id not in pending:
                    continue
                done.add(task_id)
                asset = pending[task_id]
                seen[asset.site] = time.monotonic()
                if meta.get("status") == "SUCCESS":
                    document, evidence = unpack_result(meta["result"])
                    self._record(asset, out_dir, result, progress, inventory, document=document, evidence=evidence)
                else:
                    self._record(asset, out_dir, result, progress, inventory,
                                 error=f"the site worker failed: {meta.get('status')}: {meta.get('result')}")
                with contextlib.suppress(Exception):
                    backend.forget(task_id)           # raw evidence does not linger on the broker

    def _record(self, asset: Asset, out_dir: Path, result: CollectResult, progress: ProgressCallback | None,
                inventory: Inventory, document: dict | None = None, evidence: dict[str, bytes] | None = None,
                error: str | None = None) -> None:
        if document is None:
            builder = FactsBuilder(asset, CollectionContext(inventory=inventory), asset.platform)
            builder.unreachable("engine", error or "not collected")
            document = builder.document()
        for ev in document.get("evidence") or []:
            data = (evidence or {}).get(ev.get("path") or "")
            target = safe_evidence_path(out_dir, ev["path"], ev.get("sha256"), data) if data is not None else None
            if target is not None:
                write_atomic(target, data)
            elif ev.get("path"):
                ev.pop("path")                        # not kept: the bundle lists it as not included
        path = out_dir / facts_filename(asset.id)
        write_json_atomic(path, document)
        result.paths.append(path)
        result.documents.append(document)
        if progress:
            progress(asset, document)

    def _served_queues(self) -> set[str]:
        try:
            replies = self.app.control.inspect(timeout=1.0).active_queues() or {}
        except Exception as exc:
            if _is_connection_error(exc):
                raise EnvironmentStopped(f"lost the broker {_hide(self.broker)}: {_reason(exc)}") from None
            return set()
        return {q.get("name") for queues in replies.values() for q in queues or []}

    def _abandon(self, task_ids: list[str], queues: set[str]) -> None:
        """Revoke tasks this run no longer waits for, and purge their queues so a worker that
        comes up later does not collect for nobody."""
        if not task_ids:
            return
        with contextlib.suppress(Exception):
            self.app.control.revoke(task_ids)
        with contextlib.suppress(Exception), self.app.connection_for_write() as conn:
            for name in queues:
                conn.default_channel.queue_purge(name)
        with contextlib.suppress(Exception):
            for task_id in task_ids:
                self.app.backend.forget(task_id)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _is_connection_error(exc: BaseException) -> bool:
    import kombu.exceptions
    import redis.exceptions

    return isinstance(exc, (OSError, kombu.exceptions.OperationalError, redis.exceptions.ConnectionError,
                            redis.exceptions.TimeoutError))
