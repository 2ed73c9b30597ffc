"""Collectors, one module per platform behind one interface (``base.Collector``).
The platforms are listed in ``controlcheck/platforms.py``."""

from __future__ import annotations

import importlib
from functools import lru_cache

from ..errors import InputError
from ..platforms import PLATFORMS
from .base import Collector

REGISTRY = PLATFORMS   # the same dict under the name the collectors' callers know


@lru_cache(maxsize=None)
def collector_class(platform: str) -> type[Collector]:
    """The collector class of ``platform`` (imported on first use)."""
    try:
        target = PLATFORMS[platform]
    except KeyError:
        raise InputError(f"unknown platform {platform!r} (known: {', '.join(sorted(PLATFORMS))})") from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def get_collector(platform: str) -> Collector:
    return collector_class(platform)()
