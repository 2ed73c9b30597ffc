"""``controlcheck collect``: inventory in, one facts document per asset out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..collect import collect_inventory
from ..inventory import load_inventory
from ..progress import collection_progress
from .common import EXIT_INCOMPLETE, EXIT_OK, concurrency_option, handle_errors, inventory_option, trust_option


@click.command("collect")
@inventory_option()
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="directory for facts documents and raw evidence")
@concurrency_option()
@trust_option()
@handle_errors
def collect_command(inventory_path: Path, out_dir: Path, concurrency: int | None, trust_on_first_use: bool) -> None:
    """Collect facts from every asset of the inventory."""
    inventory = load_inventory(inventory_path)
    with collection_progress(len(inventory.assets)) as progress:
        result = collect_inventory(inventory, out_dir, progress=progress,
                                   concurrency=concurrency,
                                   trust_on_first_use=trust_on_first_use or None)
    for doc in result.documents:
        for err in doc.get("errors") or []:
            click.echo(f"{doc['asset']['id']}: {err['source']}: {err['message']}", err=True)
    click.echo(f"{len(result.documents)} assets collected into {out_dir}, "
               f"{len(result.incomplete)} with errors", err=True)
    sys.exit(EXIT_INCOMPLETE if result.incomplete else EXIT_OK)


def register(cli: click.Group) -> None:
    cli.add_command(collect_command)
