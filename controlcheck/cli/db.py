"""``controlcheck db upgrade | copy``: the run history's schema and moving a history."""

from __future__ import annotations

import click

from ..store import RunStore, copy_history
from .common import db_option, handle_errors, history_db


@click.group("db")
def db_group() -> None:
    """The run history database (SQLite file or PostgreSQL)."""


@db_group.command("upgrade")
@db_option()
@handle_errors
def db_upgrade(db: str | None) -> None:
    """Create the history's tables, or migrate an older history to this version's schema (in
    one transaction; stored runs are kept). An audit does this by itself; run it explicitly
    where schema changes are scheduled, or before read-only commands."""
    # the same default as trend/diff/report: in a demo folder that is the demo's history, and
    # no empty ./controlcheck-out history is made to shadow it for every later command
    with RunStore(history_db(db), as_found=True) as store:
        before, after = store.upgrade()
    click.echo(f"{store.where}: schema {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_group.command("copy")
@click.option("--from", "source", required=True, metavar="PATH|URL", help="the history to copy (only read)")
@click.option("--to", "target", required=True, metavar="PATH|URL", help="a new or empty history")
@handle_errors
def db_copy(source: str, target: str) -> None:
    """Copy every stored run (findings, CAI, evidence index, facts locations) into another
    history, e.g. from the SQLite file of a single host into a central PostgreSQL."""
    counts, where = copy_history(source, target)
    click.echo(f"copied {counts.get('runs', 0)} runs ({counts.get('findings', 0)} findings, "
               f"{counts.get('assets', 0)} asset records) to {where}")


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
