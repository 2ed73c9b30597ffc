"""The local engine: today's bounded thread pool (``collect.collect_inventory``), unchanged."""

from __future__ import annotations

from pathlib import Path

from ..collect import CollectResult, ProgressCallback, collect_inventory
from ..inventory import Inventory


class LocalEngine:
    name = "local"

    def check(self) -> None:
        """Nothing to reach before collecting."""

    def collect(self, inventory: Inventory, out_dir: Path, concurrency: int | None = None,
                progress: ProgressCallback | None = None, trust_on_first_use: bool | None = None) -> CollectResult:
        return collect_inventory(inventory, out_dir, concurrency=concurrency, progress=progress,
                                 trust_on_first_use=trust_on_first_use)
