"""``controlcheck check``: saved facts in, policies applied, results out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..checks import load_facts, load_policies, load_waivers, run_check
from ..reports import ReportInput, get_format
from .common import (exit_code_for, fail_on_option, handle_errors, output_option, policies_option, waivers_option,
                     write_output)


@click.command("check")
@click.option("--facts", "facts_path", required=True, type=click.Path(path_type=Path),
              help="a facts document, or a directory of them (*.json)")
@policies_option()
@waivers_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True)
@output_option(help="write the results here (default: stdout)")
@fail_on_option()
@handle_errors
def check_command(facts_path: Path, policy_paths: tuple[Path, ...], waivers_path: Path | None, fmt: str,
                  output: str | None, fail_on: str) -> None:
    """Judge saved facts against policies. Exit 0 nothing failing at or above --fail-on,
    1 failing findings, 2 invalid input, 3 some assets were not (fully) collected."""
    policy_set = load_policies(list(policy_paths))
    waivers = load_waivers(waivers_path) if waivers_path else None
    documents = load_facts(facts_path)
    results = run_check(documents, policy_set, waivers=waivers, fail_on=fail_on)
    write_output(get_format(fmt).render(ReportInput(results)), output)
    for w in results["waivers"]["expired"]:
        click.echo(f"controlcheck: warning: {w['file']}:{w['line']}: waiver for {w['control']} expired on "
                   f"{w['expires']} and no longer applies", err=True)
    if output not in (None, "-"):
        s = results["summary"]["by_status"]
        click.echo(f"{results['summary']['assets']} assets: {s['pass']} pass, {s['fail']} fail, {s['error']} error, "
                   f"{s['waived']} waived -> {output}", err=True)
    sys.exit(exit_code_for(results["findings"], fail_on, bool(results["summary"]["incomplete_assets"])))


def register(cli: click.Group) -> None:
    cli.add_command(check_command)
