"""``controlcheck audit``: collect, check, assess, store and report in one go."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audit import AuditOptions, AuditResult, run_audit, summary_lines
from ..inventory import load_inventory
from ..progress import collection_progress
from ..reports import format_names
from .common import (echo, concurrency_option, exit_code_for, fail_on_option, handle_errors, inventory_option,
                     policies_option, risks_option, trust_option, waivers_option)


def run_and_summarise(options: AuditOptions) -> int:
    """Run one audit with a progress bar, print what was not collected and the summary;
    returns the exit code."""
    return audit_and_summarise(options)[0]


def audit_and_summarise(options: AuditOptions) -> tuple[int, AuditResult]:
    """``run_and_summarise``, returning the audit's result beside the exit code."""
    total = len(load_inventory(options.inventory).assets)
    with collection_progress(total, "auditing") as progress:
        result = run_audit(options, progress=progress)
    for asset_id, messages in result.collection_errors.items():
        more = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
        state = "not collected" if asset_id in result.assets_not_collected else "some facts undetermined"
        echo(f"{asset_id}: {state}: {messages[0]}{more}", err=True)
    if result.collection_errors:
        echo(f"collection errors are in each asset's facts document under {result.facts_dir}", err=True)
    for line in summary_lines(result):
        echo(line)
    return exit_code_for(result.results["findings"], options.fail_on, bool(result.assets_not_collected)), result


@click.command("audit")
@inventory_option()
@click.option("--out", "out_dir", default="controlcheck-out", show_default=True, type=click.Path(path_type=Path),
              help="reports of the latest run, facts of every run and the run history")
@click.option("--db", help="run history: an SQLite file, sqlite:///path or postgresql://user@host/db "
                                "(default: OUT/controlcheck.db)")
@policies_option()
@waivers_option()
@risks_option()
@click.option("--format", "formats", multiple=True, type=click.Choice(format_names(audit=True)),
              help="report formats to write (repeatable; default: all)")
@concurrency_option()
@trust_option()
@click.option("--engine", type=click.Choice(["local", "celery"]),
              help="who collects: local threads (default) or Celery site workers (default: settings.engine)")
@click.option("--broker", metavar="URL", help="Celery broker for --engine celery, e.g. redis://host:6379/0 "
                                             "(default: settings.broker)")
@click.option("--site-timeout", type=click.FloatRange(1), metavar="SECONDS",
              help="with --engine celery: a site with no live worker this long is reported not collected "
                   "(default 120)")
@fail_on_option()
@handle_errors
def audit_command(inventory_path, out_dir, db, policy_paths, waivers_path, risks_path, formats, concurrency,
                  trust_on_first_use, engine, broker, site_timeout, fail_on) -> None:
    """Collect, check, assess, store and report in one go (for cron and systemd timers).
    Exit 0 nothing failing at or above --fail-on, 1 failing findings, 2 invalid input or
    another audit running, 3 some assets not (fully) collected, 4 the environment stopped the
    run (store damaged, broker or database unreachable)."""
    options = AuditOptions(inventory=inventory_path, out_dir=out_dir, db=db, policy_paths=list(policy_paths),
                           waivers=waivers_path, risks=risks_path, formats=list(formats) or format_names(audit=True),
                           concurrency=concurrency, trust_on_first_use=trust_on_first_use or None, fail_on=fail_on,
                           engine=engine, broker=broker, site_timeout=site_timeout)
    sys.exit(run_and_summarise(options))


def register(cli: click.Group) -> None:
    cli.add_command(audit_command)
