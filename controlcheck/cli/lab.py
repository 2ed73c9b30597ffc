"""``controlcheck lab start|stop|status`` and ``controlcheck demo``: the simulated fleet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audit import AuditOptions
from ..lab import fleet as lab_fleet
from ..outcome import EXIT_FAILING, EXIT_OK
from ..reports import get_format
from .audit import run_and_summarise
from .common import handle_errors

DEFAULT_LAB_DIR = Path("controlcheck-lab")


@click.group("lab")
def lab_group() -> None:
    """A simulated contact-centre fleet on 127.0.0.1 (SSH simulator, snmpsim, a real sshd)."""


_lab_dir = click.option("--dir", "folder", default=str(DEFAULT_LAB_DIR), show_default=True,
                        type=click.Path(path_type=Path), help="where the lab keeps its state and inventory")


@lab_group.command("start")
@_lab_dir
@handle_errors
def lab_start(folder: Path) -> None:
    """Start the lab in the background and write its inventory."""
    state = lab_fleet.start_background(folder)
    click.echo(f"lab running (pid {state['pid']}) with {len(state['devices'])} devices")
    for note in state.get("notes", []):
        click.echo(f"note: {note}")
    click.echo(f"inventory: {state['inventory']}")
    click.echo(f"next: controlcheck audit -i {state['inventory']} --out controlcheck-out")


@lab_group.command("stop")
@_lab_dir
@handle_errors
def lab_stop(folder: Path) -> None:
    """Stop the lab."""
    click.echo("lab stopped" if lab_fleet.stop_background(folder) else "no lab was running")


@lab_group.command("status")
@_lab_dir
@handle_errors
def lab_status(folder: Path) -> None:
    """Is the lab running, and which devices does it serve."""
    state = lab_fleet.read_state(folder)
    if not state or not lab_fleet.pid_alive(state["pid"]):
        click.echo("lab not running")
        sys.exit(1)
    click.echo(f"lab running (pid {state['pid']}); inventory {state['inventory']}")
    for name, where in sorted(state["devices"].items()):
        click.echo(f"  {name:<20} {where}")


@click.command("demo")
@click.option("--out", "out_dir", default="controlcheck-demo", show_default=True, type=click.Path(path_type=Path))
@handle_errors
def demo_command(out_dir: Path) -> None:
    """Start the lab, audit it with every report, print where the HTML report is, stop the lab."""
    out_dir = out_dir.resolve()
    click.echo("starting the demo lab on 127.0.0.1 ...", err=True)
    with lab_fleet.Fleet(out_dir / "lab") as fleet:
        for note in fleet.notes:
            click.echo(f"note: {note}", err=True)
        code = run_and_summarise(AuditOptions(inventory=fleet.inventory, out_dir=out_dir))
    html = out_dir / get_format("html").file_name
    click.echo(f"\nHTML report: {html}" if html.exists() else f"\nreports: {out_dir}")
    click.echo(f"run it again to see a trend: controlcheck demo; history: controlcheck trend --db "
               f"{out_dir / 'controlcheck.db'}")
    # The demo's fleet has weak devices on purpose: failing findings are its point, not an error.
    sys.exit(EXIT_OK if code in (EXIT_OK, EXIT_FAILING) else code)


def register(cli: click.Group) -> None:
    cli.add_command(lab_group)
    cli.add_command(demo_command)
