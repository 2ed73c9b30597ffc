"""The base class of every SNMP platform collector."""

from __future__ import annotations

from abc import abstractmethod

from ...inventory import Asset
from ..base import AsyncCollector, CollectionContext, FactsBuilder
from .errors import SnmpError
from .probes import SystemInfo, collect_common, finish_common
from .reader import SnmpReader, session_for


class SnmpCollector(AsyncCollector):
    """What every SNMP platform does around its own part: open the session, the common
    probes (:func:`collect_common`), ``collect_details``, then the probes' results; an
    agent that cannot be read is one errors entry."""

    transport = "snmp"

    async def collect_async(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        session = session_for(asset, ctx.inventory, builder)
        if session is None:
            return
        try:
            async with session:
                reader = SnmpReader(session, builder)
                info = await collect_common(reader)
                if info is not None:
                    try:
                        await self.collect_details(asset, reader, info)
                    finally:
                        await finish_common(reader)
        except SnmpError as exc:
            builder.unreachable("snmp", str(exc))

    @abstractmethod
    async def collect_details(self, asset: Asset, reader: SnmpReader, info: SystemInfo) -> None:
        """The platform's own objects, read through ``reader`` (which keeps the evidence)."""
