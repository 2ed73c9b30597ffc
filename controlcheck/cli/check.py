"""``controlcheck check``: saved facts (or saved configurations) in, policies applied, results out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..checks import load_facts, load_policies, load_waivers, run_check
from ..checks.baseline import apply_baseline
from ..configs import check_configs
from ..errors import InputError
from ..inventory import load_inventory
from ..reports import ReportInput, format_names, get_format
from ..outcome import exit_code_for_results
from .common import (echo, fail_on_option, handle_errors, output_option, policies_option, waivers_option,
                     write_report)


@click.command("check")
@click.option("--facts", "facts_path", type=click.Path(path_type=Path),
              help="a facts document, or a directory of them (*.json)")
@click.option("--configs", "configs_path", type=click.Path(path_type=Path),
              help="a folder of saved device configurations (recursive; one asset per file), or one file")
@click.argument("config_files", nargs=-1, type=click.Path(path_type=Path))
@click.option("-i", "--inventory", "inventory_path", type=click.Path(path_type=Path),
              help="with --configs: kind, site and owner of the assets it names")
@click.option("--platform", help="with --configs: every file is this platform (default: detected per file)")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path),
              help="a previous --format json results file: report and fail only on findings new since it")
@click.option("--jobs", type=click.IntRange(1, 64), help="with --configs: parsing processes (default: the CPUs, at most 4)")
@policies_option()
@waivers_option()
@click.option("--format", "fmt", type=click.Choice(format_names(results_only=True)), default="text",
              show_default=True)
@output_option(help="write the results here (default: stdout)")
@fail_on_option()
@handle_errors
def check_command(facts_path: Path | None, configs_path: Path | None, config_files: tuple[Path, ...],
                  inventory_path: Path | None,
                  platform: str | None, baseline_path: Path | None, jobs: int | None,
                  policy_paths: tuple[Path, ...], waivers_path: Path | None, fmt: str,
                  output: str | None, fail_on: str) -> None:
    """Judge saved facts (--facts) or saved configurations (--configs DIR, or CONFIG_FILES...)
    against policies.
    Exit 0 nothing failing at or above --fail-on, 1 failing findings, 2 invalid input,
    3 some assets were not (fully) collected or some files were not recognised."""
    roots = ([configs_path] if configs_path else []) + list(config_files)   # files: as pre-commit passes them
    if bool(facts_path) == bool(roots):
        raise InputError("give either --facts or --configs (or configuration files)")
    report = get_format(fmt)
    if report.binary and output in (None, "-"):
        raise InputError(f"--format {fmt} is binary: give -o FILE")
    if (inventory_path or platform or jobs) and not roots:
        raise InputError("--inventory, --platform and --jobs go with --configs")
    policy_set = load_policies(list(policy_paths))
    waivers = load_waivers(waivers_path) if waivers_path else None
    if roots:
        inventory = load_inventory(inventory_path) if inventory_path else None
        results, _ = check_configs(roots if len(roots) > 1 else roots[0], policy_set, waivers=waivers, inventory=inventory,
                                   platform=platform, fail_on=fail_on, jobs=jobs)
    else:
        results = run_check(load_facts(facts_path), policy_set, waivers=waivers, fail_on=fail_on)
    if baseline_path:
        apply_baseline(results, baseline_path)
    write_report(report, ReportInput(results), output)
    summary = results["summary"]
    for name in summary.get("unrecognised_files") or []:
        echo(f"controlcheck: warning: {name}: not a configuration of a known platform; skipped "
                   f"(give --platform if it is one)", err=True)
    for control_id, info in (summary.get("not_judged") or {}).items():
        echo(f"controlcheck: note: {control_id} not judged for {info['assets']} assets: it needs "
                   f"{', '.join(info['facts'])}, which only a live device gives", err=True)
    for w in results["waivers"]["expired"]:
        echo(f"controlcheck: warning: {w['file']}:{w['line']}: waiver for {w['control']} expired on "
                   f"{w['expires']} and no longer applies", err=True)
    if output not in (None, "-"):
        s = summary["by_status"]
        echo(f"{summary['assets']} assets: {s['pass']} pass, {s['fail']} fail, {s['error']} error, "
                   f"{s['waived']} waived -> {output}", err=True)
    if results.get("baseline"):
        b = results["baseline"]
        echo(f"baseline {b['path']}: {b['known_failing']} failing findings already known, "
                   f"{b['new_failing']} new", err=True)
    sys.exit(exit_code_for_results(results, fail_on))


def register(cli: click.Group) -> None:
    cli.add_command(check_command)
