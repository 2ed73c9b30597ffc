"""Saved configurations (transport ``file``): an Oxidized/RANCID backup, or the intended
config a change proposes, read with the same parser, redaction and absence rule as the
live device (collectors/netcli.py).

A saved config read whole is a complete source: what it does not set is the platform
default. What only a live device tells (uptime, model, ``show ip ssh`` state) is listed in
the facts document's ``not_observable``, so the check stage says once per run which
controls a file cannot decide, instead of one error per asset.

Evidence is the file: the facts document records its path and the sha256 of its bytes
as read; the kept copy (with ``-o``) is the redacted text.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from ..inventory import Asset
from . import collector_class
from .base import CollectionContext, Collector, FactsBuilder

# a config above this size is refused (a hostile or broken file must not exhaust memory)
MAX_CONFIG_BYTES = 64 * 1024 * 1024


def network_platform(platform: str):
    """The network CLI collector class of ``platform`` (it names the parsers), or None."""
    from .netcli import NetworkCliCollector
    try:
        cls = collector_class(platform)
    except Exception:
        return None
    return cls if issubclass(cls, NetworkCliCollector) else None


def read_config_file(path: Path, shown_as: str, platform: str, builder: FactsBuilder) -> bool:
    """Read one saved config of ``platform`` into ``builder``; False (with an errors entry)
    when the file could not be read whole."""
    cls = network_platform(platform)
    source = f"file:{shown_as}"
    if cls is None:
        builder.error(source, f"platform {platform!r} has no configuration parser")
        return False
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            builder.error(source, f"{size} bytes is over the {MAX_CONFIG_BYTES}-byte limit for a configuration; "
                                  f"not read")
            return False
        raw = path.read_bytes()
    except OSError as exc:
        builder.error(source, f"cannot read {shown_as}: {exc.strerror or exc}")
        return False
    apply_config_bytes(raw, shown_as, cls.parsers, builder)
    builder.not_observable = list(cls.live_only)
    return True


def apply_config_bytes(raw: bytes, shown_as: str, parsers: ModuleType, builder: FactsBuilder) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        builder.error(f"file:{shown_as}", f"not valid UTF-8 (first bad byte at offset {exc.start}); "
                                          f"undecodable bytes were replaced")
        text = raw.decode("utf-8", errors="replace")
    redacted = parsers.redact_config(text)
    ev_id = builder.add_evidence(f"file:{shown_as}", redacted.encode("utf-8", errors="surrogateescape"))
    builder.evidence[-1]["file"] = {"path": shown_as, "sha256": hashlib.sha256(raw).hexdigest()}
    parsers.parse_running_config(redacted).apply(builder, ev_id, source=f"file:{shown_as}")


class ConfigFileCollector(Collector):
    """An inventory asset with ``file:`` (and no ``ssh:``): its platform's parser on that file."""

    transport = "file"

    def __init__(self, platform: str = ""):
        self.platform = platform

    def collect(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        path = ctx.inventory.resolve_path(asset.file or "")
        read_config_file(path, asset.file or str(path), asset.platform, builder)
