"""``controlcheck lab start|stop|status`` and ``controlcheck demo``: the simulated fleet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audit import AuditOptions, has_complete_run
from ..lab import fleet as lab_fleet
from ..outcome import EXIT_FAILING, EXIT_OK
from ..reports import get_format
from .audit import audit_and_summarise
from .common import echo, handle_errors, history_db

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
    echo(f"lab running (pid {state['pid']}) with {len(state['devices'])} devices")
    for note in state.get("notes", []):
        echo(f"note: {note}")
    echo(f"inventory: {state['inventory']}")
    echo(f"next: controlcheck audit -i {state['inventory']} --out controlcheck-out")


@lab_group.command("stop")
@_lab_dir
@handle_errors
def lab_stop(folder: Path) -> None:
    """Stop the lab."""
    echo("lab stopped" if lab_fleet.stop_background(folder) else "no lab was running")


@lab_group.command("status")
@_lab_dir
@handle_errors
def lab_status(folder: Path) -> None:
    """Is the lab running, and which devices does it serve."""
    state = lab_fleet.read_state(folder)
    if not state or not lab_fleet.pid_alive(state["pid"]):
        echo("lab not running")
        sys.exit(1)
    echo(f"lab running (pid {state['pid']}); inventory {state['inventory']}")
    for name, where in sorted(state["devices"].items()):
        echo(f"  {name:<20} {where}")


NEXT_COMMANDS = ("controlcheck trend", "controlcheck risks", "controlcheck cai --by owner", "controlcheck diff",
                 "controlcheck report --format pdf -o report.pdf")


@click.command("demo")
@click.option("--out", "out_dir", default="controlcheck-demo", show_default=True, type=click.Path(path_type=Path))
@handle_errors
def demo_command(out_dir: Path) -> None:
    """Start the lab with whatever parts this machine can run, audit it with every report (HTML,
    PDF, XLSX, ...), stop the lab. Run it twice: the lab fixes part of a router between runs, so
    the trend, diff and finding age move."""
    out_dir = out_dir.resolve()
    second = has_complete_run(out_dir / "controlcheck.db")
    echo("starting the demo lab on 127.0.0.1 ..." + (" (this run: the lab has remediated rtr-branch-07)"
                                                          if second else ""), err=True)
    with lab_fleet.Fleet(out_dir / "lab", remediated=second) as fleet:
        for note in fleet.notes:
            echo(f"note: {note}", err=True)
        assets = set(fleet.describe()["devices"])
        echo("weak or incomplete on purpose:", err=True)
        for asset_id, why in lab_fleet.ON_PURPOSE.items():
            if asset_id in assets:
                echo(f"  {asset_id}: {why}", err=True)
        code, result = audit_and_summarise(AuditOptions(inventory=fleet.inventory, out_dir=out_dir))
    for asset_id, what in lab_fleet.THIS_MACHINE.items():
        gaps = result.collection_errors.get(asset_id)
        if gaps:
            echo(f"gaps that come from this machine ({asset_id}, {what}): " + "; ".join(gaps[:3])
                       + (f" (+{len(gaps) - 3} more)" if len(gaps) > 3 else ""))
    for name in ("html", "pdf"):
        path = out_dir / get_format(name).file_name
        if path.exists():
            echo(f"{name.upper()} report: {path}")
    echo(f"treatment requests: {out_dir / 'treatment'}")
    db = out_dir / "controlcheck.db"
    # the commands find the demo's history by themselves from this folder (cli/common.history_db)
    flag = "" if Path(history_db(None)).resolve() == db else f" --db {db}"
    echo("next:")
    for command in NEXT_COMMANDS:
        if command == "controlcheck diff" and not second:
            continue          # needs two runs: offered after the second demo
        echo(f"  {command}{flag}")
    if not second:
        echo("run 'controlcheck demo' again: the lab remediates rtr-branch-07 first, so trend, diff and finding "
                   "age show the change")
    # The demo's fleet has weak devices on purpose: failing findings are its point, not an error.
    sys.exit(EXIT_OK if code in (EXIT_OK, EXIT_FAILING) else code)


def register(cli: click.Group) -> None:
    cli.add_command(lab_group)
    cli.add_command(demo_command)
