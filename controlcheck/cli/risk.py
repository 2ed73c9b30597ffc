"""``controlcheck risks | cai | treatment-plan``: the risk view of a check's results."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..risk import assess_results, load_results, treatment_plans
from ..risk.cai import GROUPINGS
from ..risk.text import cai_table, risks_table
from ..risk.treatment import DEPARTMENTS, request_file_name, requests_for
from ..store import RunStore, resolve_db
from .common import (echo, db_option, handle_errors, history_db, output_option, risks_option, text_or_json_option,
                     write_output)


def _results_option():
    """``--results FILE`` (a check's JSON), or a stored run (``--db``, ``--run``, default: latest)."""
    def decorate(func):
        func = click.option("--run", "run", default="latest", show_default=True,
                            help="a stored run id (with --db) when --results is not given")(func)
        func = db_option()(func)
        return click.option("--results", "results_path", type=click.Path(path_type=Path),
                            help="results JSON written by 'controlcheck check --format json' "
                                 "(default: the stored run of --db/--run)")(func)
    return decorate


def _assessment(results_path: Path | None, risks_path: Path | None, db: str | None = None,
                run: str = "latest") -> dict:
    if results_path is not None:
        results = load_results(results_path)
    else:
        with RunStore(resolve_db(history_db(db)), create=False) as store:
            results = store.get_run(run)["results"]
    return assess_results(results, risks_path)


@click.command("risks")
@_results_option()
@risks_option()
@text_or_json_option()
@output_option()
@handle_errors
def risks_command(results_path: Path | None, db: str | None, run: str, risks_path: Path | None, fmt: str,
                  output: str | None) -> None:
    """Inherent risk, control effectiveness and residual risk for every risk of the register."""
    assessment = _assessment(results_path, risks_path, db, run)
    text = json.dumps(assessment, indent=2) + "\n" if fmt == "json" else risks_table(assessment)
    write_output(text, output)


@click.command("cai")
@_results_option()
@risks_option()
@click.option("--by", "by", type=click.Choice(GROUPINGS), help="break the index down by this grouping")
@text_or_json_option()
@output_option()
@handle_errors
def cai_command(results_path: Path | None, db: str | None, run: str, risks_path: Path | None, by: str | None,
                fmt: str, output: str | None) -> None:
    """Compliance Adherence Index: overall, or by framework, asset kind, site or owner."""
    assessment = _assessment(results_path, risks_path, db, run)
    if fmt == "json":
        data = {"weights": assessment["config"]["weights"], "overall": assessment["cai"]["overall"],
                "failing_by_severity": assessment["failing_by_severity"],
                "errors_by_severity": assessment["errors_by_severity"]}
        if by:
            data["by"] = {by: assessment["cai"]["by"][by]}
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = cai_table(assessment, by)
    write_output(text, output)


@click.command("treatment-plan")
@_results_option()
@risks_option()
@click.option("--department", type=click.Choice(DEPARTMENTS), help="only this owner department")
@click.option("--threshold", type=str, help="lowest residual rating that needs treatment (default: the register's, High)")
@click.option("-o", "--output-dir", "output_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="directory for one Markdown file per department")
@text_or_json_option()
@handle_errors
def treatment_command(results_path: Path | None, db: str | None, run: str, risks_path: Path | None,
                      department: str | None, threshold: str | None, output_dir: Path, fmt: str) -> None:
    """Treatment-plan requests: one Markdown file per owner department for every risk whose
    residual rating is at or above the threshold."""
    assessment = _assessment(results_path, risks_path, db, run)
    threshold = threshold or assessment["config"]["treatment_threshold"]
    plans = treatment_plans(assessment, threshold=threshold, department=department)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for dept, markdown in plans.items():
        path = output_dir / request_file_name(dept)
        write_output(markdown, str(path))
        ids = [r["id"] for r in requests_for(assessment, threshold, dept)]
        written[dept] = {"file": str(path), "risks": ids}
    if fmt == "json":
        echo(json.dumps({"threshold": threshold, "requests": written}, indent=2))
    elif not written:
        echo("no assessed risk has an owner department; nothing written")
    else:
        for dept, info in written.items():
            echo(f"{dept}: {len(info['risks'])} risk(s) at {threshold} or above -> {info['file']}")


def register(cli: click.Group) -> None:
    cli.add_command(risks_command)
    cli.add_command(cai_command)
    cli.add_command(treatment_command)
