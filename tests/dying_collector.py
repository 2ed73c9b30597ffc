"""A collector for worker-process tests that needs no device: the asset ``dies-after`` kills
its worker right after its facts file is written, ``dies-before`` before anything is written.
Module functions, so they travel to the worker processes by name."""

from __future__ import annotations

import os
import signal

from controlcheck.collect import write_facts as write_facts_file
from controlcheck.collectors.base import FactsBuilder


def collect_asset(asset, ctx) -> dict:
    if asset.id == "dies-before":
        os.kill(os.getpid(), signal.SIGKILL)
    builder = FactsBuilder(asset, ctx, asset.platform)
    builder.facts["marker"] = {"written_by": "worker"}
    return builder.document()


def write_facts(out_dir, asset, document):
    path = write_facts_file(out_dir, asset, document)
    if asset.id == "dies-after":
        os.kill(os.getpid(), signal.SIGKILL)     # its "done" message dies unsent with it
    return path
