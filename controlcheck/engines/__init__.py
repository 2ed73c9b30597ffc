"""Who runs the collection: ``local`` threads on this machine (the default) or ``celery`` site
workers. Both return a ``collect.CollectResult`` whose facts documents (and raw evidence) are
written under the run's facts folder, so checks, assessment, store and reports are the same.

An engine is made with :func:`make_engine` and used in two steps: ``check()`` before anything
is written (a broker that cannot be reached stops the run there, exit 4), then ``collect()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError

ENGINES = ("local", "celery")
DEFAULT_SITE_TIMEOUT = 120.0


@dataclass
class EngineOptions:
    name: str = "local"
    broker: str | None = None
    site_timeout: float = DEFAULT_SITE_TIMEOUT


def engine_options(inventory_settings: dict, engine: str | None = None, broker: str | None = None,
                   site_timeout: float | None = None) -> EngineOptions:
    """Command-line values over the inventory's ``settings`` (engine, broker, site_timeout)."""
    name = engine or inventory_settings.get("engine") or "local"
    if name not in ENGINES:
        raise InputError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
    broker = broker or inventory_settings.get("broker")
    if name == "celery" and not broker:
        raise InputError("the celery engine needs a broker: --broker redis://host:6379/0 (or settings.broker)")
    timeout = site_timeout if site_timeout is not None else inventory_settings.get("site_timeout", DEFAULT_SITE_TIMEOUT)
    return EngineOptions(name=name, broker=broker, site_timeout=float(timeout))


def make_engine(options: EngineOptions):
    if options.name == "celery":
        from .celery_engine import CeleryEngine   # celery is imported only when used
        return CeleryEngine(options.broker, site_timeout=options.site_timeout)
    from .local import LocalEngine
    return LocalEngine()
