"""``controlcheck audit``, ``controlcheck lab start|stop|status`` and ``controlcheck demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audit import REPORT_FILES, AuditOptions, run_audit, summary_lines
from ..inventory import load_inventory
from ..lab import fleet as lab_fleet
from ..progress import collection_progress
from .common import exit_code_for, fail_on_option, handle_errors

DEFAULT_LAB_DIR = Path("controlcheck-lab")


def _audit(options: AuditOptions) -> int:
    total = len(load_inventory(options.inventory).assets)
    with collection_progress(total, "auditing") as progress:
        result = run_audit(options, progress=progress)
    for asset_id, messages in result.collection_errors.items():
        more = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
        click.echo(f"{asset_id}: not fully collected: {messages[0]}{more}", err=True)
    if result.collection_errors:
        click.echo(f"collection errors are in each asset's facts document under {result.facts_dir}", err=True)
    for line in summary_lines(result):
        click.echo(line)
    return exit_code_for(result.results["findings"], options.fail_on, bool(result.assets_with_errors))


@click.command("audit")
@click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", default="controlcheck-out", show_default=True, type=click.Path(path_type=Path),
              help="reports of the latest run, facts of every run and the run history")
@click.option("--db", help="run history: an SQLite file or sqlite:///path URL (default: OUT/controlcheck.db)")
@click.option("--policies", "policy_paths", multiple=True, type=click.Path(path_type=Path),
              help="policy file or directory (repeatable); default: the built-in library")
@click.option("--waivers", "waivers_path", type=click.Path(path_type=Path))
@click.option("--risks", "risks_path", type=click.Path(path_type=Path), help="risk register YAML")
@click.option("--format", "formats", multiple=True, type=click.Choice(sorted(REPORT_FILES)),
              help="report formats to write (repeatable; default: all)")
@click.option("--concurrency", type=click.IntRange(1, 1024), help="assets collected at once (default 16)")
@click.option("--trust-on-first-use", is_flag=True, help="accept and record unknown SSH host keys")
@fail_on_option()
@handle_errors
def audit_command(inventory_path, out_dir, db, policy_paths, waivers_path, risks_path, formats, concurrency,
                  trust_on_first_use, fail_on) -> None:
    """Collect, check, assess, store and report in one go (for cron and systemd timers).
    Exit 0 nothing failing at or above --fail-on, 1 failing findings, 2 invalid input or
    another audit running, 3 some assets not (fully) collected."""
    options = AuditOptions(inventory=inventory_path, out_dir=out_dir, db=db, policy_paths=list(policy_paths),
                           waivers=waivers_path, risks=risks_path, formats=list(formats) or list(REPORT_FILES),
                           concurrency=concurrency, trust_on_first_use=trust_on_first_use or None, fail_on=fail_on)
    sys.exit(_audit(options))


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
        code = _audit(AuditOptions(inventory=fleet.inventory, out_dir=out_dir))
    html = out_dir / REPORT_FILES["html"]
    click.echo(f"\nHTML report: {html}" if html.exists() else f"\nreports: {out_dir}")
    click.echo(f"run it again to see a trend: controlcheck demo; history: controlcheck trend --db "
               f"{out_dir / 'controlcheck.db'}")
    # The demo's fleet has weak devices on purpose: failing findings are its point, not an error.
    sys.exit(0 if code in (0, 1) else code)


def register(cli: click.Group) -> None:
    cli.add_command(audit_command)
    cli.add_command(lab_group)
    cli.add_command(demo_command)
