"""pysnmp engines shared by the sessions of one event loop (DESIGN.md: v1/v2c on
pysnmp's v1arch dispatcher, v3 on v3arch).

pysnmp engines are expensive to build (~0.1 s for v3arch), so sessions of one event loop
share one engine per credential kind (all community sessions share one; v3 sessions share
one per identical user and keys) and the engine is closed when its last session ends.
"""

from __future__ import annotations

import asyncio
import warnings


def hlapi(version: str):
    """pysnmp's asyncio high-level API: ``v3arch`` for SNMPv3, the lighter ``v1arch`` for
    v1/v2c (imported lazily, without pysnmp's own deprecation noise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if version == "3":
            from pysnmp.hlapi.v3arch import asyncio as hl
        else:
            from pysnmp.hlapi.v1arch import asyncio as hl
    return hl


class EnginePool:
    """pysnmp engines shared by the sessions of one event loop, closed with their last user.

    v1/v2c sessions share one light ``hlapi.v1arch`` dispatcher per loop: it keeps no
    community or target tables (the v3arch engine scans its community table for every
    packet, which makes hundreds of communities on one engine quadratic). v3 sessions share
    a ``hlapi.v3arch`` engine per identical user and keys (``key``); building one costs
    about 0.1 s (MIB loading)."""

    def __init__(self) -> None:
        self._entries: dict[int, list[dict]] = {}     # id(loop) -> entries

    def acquire(self, key: str):
        loop = asyncio.get_running_loop()
        entries = [e for e in self._entries.get(id(loop), []) if e["loop"] is loop]
        self._entries[id(loop)] = entries
        entry = next((e for e in entries if e["key"] == key), None)
        if entry is None:
            engine = hlapi("1").SnmpDispatcher() if key == "community" else _new_v3_engine()
            entry = {"engine": engine, "users": 0, "loop": loop, "key": key}
            entries.append(entry)
        entry["users"] += 1
        return entry["engine"]

    def release(self, engine) -> None:
        loop = asyncio.get_running_loop()
        entries = self._entries.get(id(loop), [])
        entry = next((e for e in entries if e["engine"] is engine), None)
        if entry is None:
            close_engine(engine)
            return
        entry["users"] -= 1
        if entry["users"] <= 0:
            entries.remove(entry)
            close_engine(engine)


def _new_v3_engine():
    hl = hlapi("3")
    with warnings.catch_warnings():     # pysnmp's own MIB compiler set-up uses deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        engine = hl.SnmpEngine()
        # the MIB compiler (added on first request) is set up here, under the same filter
        from pysnmp.hlapi.v3arch.asyncio.cmdgen import VB_PROCESSOR
        from pysnmp.smi.compiler import add_mib_compiler
        view = VB_PROCESSOR.get_mib_view_controller(engine.cache)
        add_mib_compiler(view.mibBuilder, ifAvailable=True, ifNotAdded=True)
    return engine


def close_engine(engine) -> None:
    try:
        if hasattr(engine, "close_dispatcher"):
            engine.close_dispatcher()                          # v3arch SnmpEngine
        else:
            engine.transport_dispatcher.close_dispatcher()     # v1arch SnmpDispatcher
    except Exception:  # closing is best effort
        pass


POOL = EnginePool()
