"""``controlcheck report | trend | diff | verify``: reports of stored runs (or a results file),
the CAI trend, what changed between two runs, and evidence bundle verification."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import InputError
from ..risk.age import age_lines, ages_from_store
from ..reports import ReportInput, format_names, get_format
from ..reports.evidence import read_manifest, verify_bundle
from ..risk import assess_results, load_results
from ..store import RunStore, resolve_db
from .common import (echo, EXIT_FAILING, db_option, handle_errors, history_db, risks_option, text_or_json_option,
                     write_report)


@click.command("report")
@db_option()
@click.option("--run", "run", default=None, metavar="latest|previous|ID",
              help="a stored run (default: latest complete run)")
@click.option("--results", "results_path", type=click.Path(path_type=Path),
              help="a results JSON ('controlcheck check --format json') instead of a stored run")
@risks_option(help="with --results: risk register for the assessment (default: the built-in one)")
@click.option("--facts", "facts_dir", type=click.Path(path_type=Path, file_okay=False),
              help="directory of the facts documents and raw evidence (the evidence bundle packs them; "
                   "default: where the run recorded them)")
@click.option("--format", "fmt", required=True, type=click.Choice(format_names()))
@click.option("-o", "--output", help="write the report here (default: stdout; required for the binary formats "
                                     "xlsx, pdf and evidence)")
@handle_errors
def report_command(db: str | None, run: str | None, results_path: Path | None, risks_path: Path | None,
                   facts_dir: Path | None, fmt: str, output: str | None) -> None:
    """Write a report of a stored run (--run) or of a results file (--results)."""
    report = get_format(fmt)
    if report.binary and output in (None, "-"):
        raise InputError(f"--format {fmt} is binary: give -o FILE")
    if results_path is not None:
        if run is not None:
            raise InputError("give either --run (a stored run) or --results (a results file), not both")
        results = load_results(results_path)
        assessment = results.pop("assessment", None)
        if assessment is None:
            assessment = assess_results(results, risks_path)
        data = ReportInput(results=results, assessment=assessment, facts_dir=facts_dir)
    else:
        if risks_path is not None:
            raise InputError("--risks applies to --results; a stored run keeps the assessment it was made with")
        with RunStore(resolve_db(history_db(db)), create=False) as store:
            data = ReportInput(**store.report_data(run or "latest"))
            if data.history:
                data.ages = ages_from_store(store, data.history[-1]["id"])
        if facts_dir is not None:
            data.facts_dir = facts_dir
    write_report(report, data, output)
    if output not in (None, "-"):
        echo(f"{fmt} report -> {output}", err=True)
        if fmt == "evidence":
            manifest = read_manifest(output)
            for item in manifest.get("not_included") or []:
                echo(f"controlcheck: warning: not in the bundle: {item.get('asset_id')} {item.get('file')}: "
                           f"{item.get('reason')}", err=True)
            echo(f"{len(manifest['files'])} files; manifest digest sha256:{manifest['digest']} (keep it to "
                       f"check later with 'controlcheck verify {output} --digest {manifest['digest']}')", err=True)


def _cai(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


@click.command("trend")
@db_option()
@click.option("--limit", type=click.IntRange(1), help="only the last N runs")
@text_or_json_option()
@handle_errors
def trend_command(db: str | None, limit: int | None, fmt: str) -> None:
    """CAI and finding counts per stored run, oldest first."""
    with RunStore(resolve_db(history_db(db)), create=False) as store:
        history = store.history(limit)
        incomplete = store.incomplete_runs(all_runs=True)
        ages = ages_from_store(store)
    if fmt == "json":
        indicators = {k: ages[k] for k in ("overall", "by_owner", "by_severity")}
        echo(json.dumps({"runs": history, "incomplete": incomplete, "finding_age": indicators}, indent=2))
        return
    if not history:
        echo("no complete run stored yet")
    else:
        echo(f"{'RUN':>5}  {'STARTED':<20}  {'CAI':>5}  {'CHANGE':>6}  {'ASSETS':>6}  {'PASS':>6}  {'FAIL':>6}  "
                   f"{'ERROR':>6}  {'WAIVED':>6}")
        prev = None
        for h in history:
            c = h["counts"]
            change = "" if prev is None or h["cai"] is None else f"{h['cai'] - prev:+.1f}"
            echo(f"{h['id']:>5}  {h['started_at']:<20}  {_cai(h['cai']):>5}  {change:>6}  {h['assets'] or 0:>6}  "
                       f"{c.get('pass', 0):>6}  {c.get('fail', 0):>6}  {c.get('error', 0):>6}  {c.get('waived', 0):>6}")
            prev = h["cai"] if h["cai"] is not None else prev
        for line in age_lines(ages):
            echo(line)
    for r in incomplete:
        echo(f"run {r['id']} (started {r['started_at']}) is {r['status']}: {r['reason']}; "
                   f"{r['assets_recorded']} assets were collected")


@click.command("diff")
@click.argument("run_a", required=False, default="previous")
@click.argument("run_b", required=False, default="latest")
@db_option()
@text_or_json_option()
@handle_errors
def diff_command(run_a: str, run_b: str, db: str | None, fmt: str) -> None:
    """What changed from RUN_A to RUN_B (ids, 'latest' or 'previous'; default: previous to
    latest): findings newly failing
    and newly passing, new and vanished assets, and the CAI."""
    with RunStore(resolve_db(history_db(db)), create=False) as store:
        d = store.diff(run_a, run_b)
    if fmt == "json":
        echo(json.dumps(d, indent=2))
        return
    change = "" if d["cai"]["change"] is None else f" ({d['cai']['change']:+.1f})"
    echo(f"run {d['run_a']['id']} -> run {d['run_b']['id']}: CAI {_cai(d['cai']['a'])} -> "
               f"{_cai(d['cai']['b'])}{change}")
    sections = [("newly failing", d["newly_failing"]), ("newly passing", d["newly_passing"])]
    for title, items in sections:
        echo(f"{title}: {len(items)}")
        for f in items:
            echo(f"  {f['after'].upper():<6} {f['severity']:<8} {f['asset_id']}  {f['control_id']}  "
                       f"(was {f['before'] or 'not assessed'})  {f.get('message') or ''}")
    echo(f"still failing: {d['still_failing']}")
    echo(f"new assets: {len(d['new_assets'])}")
    for a in d["new_assets"]:
        echo(f"  + {a['id']} ({a.get('kind')}, {a.get('platform')}): {a['failing']} failing")
    echo(f"vanished assets: {len(d['vanished_assets'])}")
    for a in d["vanished_assets"]:
        echo(f"  - {a['id']} ({a.get('kind')}, {a.get('platform')})")


@click.command("verify")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--digest", help="the manifest digest printed when the bundle was written (detects a rebuilt bundle)")
@handle_errors
def verify_command(bundle: Path, digest: str | None) -> None:
    """Check an evidence bundle: exit 0 when every file matches its manifest, 1 with one line
    per problem (changed, missing or extra files, an edited manifest), 2 when it is not a bundle."""
    problems = verify_bundle(bundle, expected_digest=digest)
    if problems:
        for p in problems:
            echo(f"{bundle}: {p}")
        sys.exit(EXIT_FAILING)
    manifest = read_manifest(bundle)
    echo(f"ok: {len(manifest['files'])} files match the manifest (digest sha256:{manifest['digest']})")


def register(cli: click.Group) -> None:
    cli.add_command(report_command)
    cli.add_command(trend_command)
    cli.add_command(diff_command)
    cli.add_command(verify_command)
