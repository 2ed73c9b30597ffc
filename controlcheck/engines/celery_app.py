"""The Celery application shared by the coordinator and the site workers.

JSON only (never pickle). Late acknowledgement and reject-on-worker-lost: a task is
acknowledged after it ran, so the task of a worker killed mid-collection stays on the broker
and is delivered again. On Redis an unacknowledged message comes back after the broker's
``visibility_timeout``: it must be longer than the longest collection of one asset, or a slow
asset is handed to a second worker while the first still works on it (harmless: the
coordinator keeps one facts document per asset, but the device is asked twice).
"""

from __future__ import annotations

import os

from celery import Celery

from ..errors import InputError
from .payload import run_payload

TASK_NAME = "controlcheck.collect_asset"
DEFAULT_VISIBILITY_TIMEOUT = 1800        # seconds; docs/scaling.md
RESULT_EXPIRES = 24 * 3600               # results nobody fetched (a coordinator that died) go away


def make_app(broker: str, visibility_timeout: float | None = None, base_dir: str | None = None) -> Celery:
    vt = float(visibility_timeout or os.environ.get("CONTROLCHECK_VISIBILITY_TIMEOUT") or DEFAULT_VISIBILITY_TIMEOUT)
    backend = os.environ.get("CONTROLCHECK_RESULT_BACKEND") or broker
    if not backend.startswith(("redis://", "rediss://")):
        # the coordinator reads results as they finish from a key-value store (one MGET per look)
        raise InputError(f"the celery engine keeps results in Redis: with the broker {broker.split('@')[-1]!r} set "
                         "CONTROLCHECK_RESULT_BACKEND=redis://host:6379/1 (for coordinator and workers)")
    app = Celery("controlcheck", broker=broker, backend=backend, set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"], result_accept_content=["json"],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_transport_options={"visibility_timeout": vt,
                                  # look for messages of lost workers every vt/10 (at least every 60 s)
                                  "unacked_restore_interval": max(1.0, min(60.0, vt / 10)),
                                  "unacked_restore_throttle": 1},
        result_backend_transport_options={"visibility_timeout": vt},
        result_expires=RESULT_EXPIRES, task_default_queue="controlcheck.default",
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=True,
        task_store_errors_even_if_ignored=True,
        resultrepr_maxsize=80,            # the worker log shows the start of a result, not all its evidence
    )

    @app.task(name=TASK_NAME)
    def collect_asset(payload: dict) -> str:
        return run_payload(payload, base_dir=base_dir)

    return app
