"""``controlcheck collect``: inventory in, one facts document per asset out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..collect import collect_inventory
from ..configs import collect_configs
from ..errors import InputError
from ..inventory import load_inventory
from ..progress import collection_progress
from .common import echo, EXIT_INCOMPLETE, EXIT_OK, concurrency_option, handle_errors, trust_option


@click.command("collect")
@click.option("-i", "--inventory", "inventory_path", type=click.Path(path_type=Path),
              help="inventory YAML; with --configs it only names kind, site and owner")
@click.option("--configs", "configs_path", type=click.Path(path_type=Path),
              help="collect from a folder of saved device configurations instead (one asset per file)")
@click.option("--platform", help="with --configs: every file is this platform (default: detected per file)")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="directory for facts documents and raw evidence")
@concurrency_option()
@trust_option()
@handle_errors
def collect_command(inventory_path: Path | None, configs_path: Path | None, platform: str | None, out_dir: Path,
                    concurrency: int | None, trust_on_first_use: bool) -> None:
    """Collect facts from every asset of the inventory, or from every saved configuration
    under --configs."""
    if configs_path:
        inventory = load_inventory(inventory_path) if inventory_path else None
        written, incomplete, run = collect_configs(configs_path, out_dir, inventory=inventory, platform=platform)
        for name in run.unrecognised:
            echo(f"controlcheck: warning: {name}: not a configuration of a known platform; skipped "
                       f"(give --platform if it is one)", err=True)
        echo(f"{len(written)} configurations collected into {out_dir}, {len(incomplete)} with errors, "
                   f"{len(run.unrecognised)} not recognised", err=True)
        sys.exit(EXIT_INCOMPLETE if incomplete or run.unrecognised else EXIT_OK)
    if not inventory_path:
        raise InputError("give --inventory (or --configs DIR)")
    if platform:
        raise InputError("--platform goes with --configs")
    inventory = load_inventory(inventory_path)
    with collection_progress(len(inventory.assets)) as progress:
        result = collect_inventory(inventory, out_dir, progress=progress,
                                   concurrency=concurrency,
                                   trust_on_first_use=trust_on_first_use or None)
    for doc in result.documents:
        for err in doc.get("errors") or []:
            echo(f"{doc['asset']['id']}: {err['source']}: {err['message']}", err=True)
    echo(f"{len(result.documents)} assets collected into {out_dir}, "
               f"{len(result.incomplete)} with errors ({len(result.not_collected)} not reached or stopped)", err=True)
    sys.exit(EXIT_INCOMPLETE if result.not_collected else EXIT_OK)


def register(cli: click.Group) -> None:
    cli.add_command(collect_command)
