"""One scheduled audit: collect -> check -> assess -> store -> report.

Layout of the output folder::

    <out>/controlcheck.db               run history (SQLite)
    <out>/runs/<run id>/facts/          facts documents and raw evidence of that run
    <out>/report.html, report.pdf ...  the reports of the latest run (each format's ``file_name``)
    <out>/treatment/treatment-<department>.md  treatment-plan requests of the latest run

Only one audit runs against a store at a time (``RunStore.lock``). Facts documents are
written as each asset finishes, so an interrupted audit keeps them; its run is marked
``incomplete`` (at once on Ctrl-C or SIGTERM, by the next audit after a SIGKILL).
"""

from __future__ import annotations

import contextlib
import signal
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .checks import load_facts, load_policies, load_waivers, run_check
from .engines import engine_options, make_engine
from .errors import ControlcheckError, EnvironmentStopped
from .files import write_atomic, write_atomic_stream
from .inventory import Asset, load_inventory
from .reports import ReportInput, format_names, get_format
from .reports.parallel import Streamed, render_each, start_renderers, stop_renderers
from .risk import assess, load_register, treatment_plans
from .risk.age import ages_from_store
from .risk.register import builtin_control_ids
from .risk.treatment import request_file_name
from .store import RunStore, resolve_db
from .vocabulary import DEFAULT_FAIL_ON, SEVERITIES

@dataclass
class AuditOptions:
    inventory: Path
    out_dir: Path
    db: str | None = None
    policy_paths: list[Path] = field(default_factory=list)
    waivers: Path | None = None
    risks: Path | None = None
    formats: list[str] = field(default_factory=lambda: format_names(audit=True))
    concurrency: int | None = None
    trust_on_first_use: bool | None = None
    fail_on: str = DEFAULT_FAIL_ON
    engine: str | None = None            # local | celery (default: settings.engine, else local)
    broker: str | None = None
    site_timeout: float | None = None


@dataclass
class AuditResult:
    run_id: int
    results: dict
    assessment: dict
    facts_dir: Path
    reports: dict[str, Path]
    treatment: dict[str, Path]
    previous: dict | None
    earlier_incomplete: list[dict]
    assets_total: int
    assets_with_errors: list[str]                # some collection error (facts may be undetermined)
    assets_not_collected: list[str] = field(default_factory=list)   # not reached / stopped: exit 3
    collection_errors: dict[str, list[str]] = field(default_factory=dict)   # asset id -> messages


class AuditInterrupted(KeyboardInterrupt):
    """SIGTERM (systemd stop, kill) treated like Ctrl-C: the run is marked incomplete."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum, frame):
        raise AuditInterrupted()
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:        # not the main thread (tests): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _os_reason(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


@contextmanager
def _environment_stops() -> Iterator[None]:
    """An OSError (disk full, output not writable) is the environment stopping the run:
    one line and exit 4 (EnvironmentStopped), not a traceback."""
    try:
        yield
    except OSError as exc:
        raise EnvironmentStopped(_os_reason(exc)) from exc


@contextmanager
def _environment_fails_the_run(store: RunStore, run_id: int) -> Iterator[None]:
    """A run the environment stops before it is stored complete is marked ``failed`` with the
    reason (``trend`` and the next audit report it); facts written so far are kept."""
    try:
        with _environment_stops():
            yield
    except EnvironmentStopped as exc:
        with contextlib.suppress(Exception):   # a damaged store cannot record it: the error says why
            store.mark_failed(run_id, str(exc))
        raise


def _store_collected(store: RunStore, run_id: int, facts_dir: Path, own: bool = True) -> list[dict]:
    """Record the facts documents in ``facts_dir``. ``own``: written by this run's collectors a
    moment ago, so not validated against the schema again (2.7 s at 1,000 assets); a killed
    run's files are."""
    documents = load_facts(facts_dir, validate=not own) if any(facts_dir.glob("*.json")) else []
    store.add_facts_many(run_id, [(doc, facts_dir / f"{doc['asset']['id']}.json") for doc in documents])
    return documents


def _record_kept_facts(store: RunStore, killed_runs: list[dict], out_dir: Path) -> None:
    """A run whose process died (SIGKILL, power loss) had its facts written to disk one by one
    but never recorded in the store: record what it kept, so its report counts them."""
    for run in killed_runs:
        facts_dir = out_dir / "runs" / str(run["id"]) / "facts"
        if facts_dir.is_dir():
            with contextlib.suppress(ControlcheckError):   # a file that is not a facts document is not counted
                _store_collected(store, run["id"], facts_dir, own=False)


def run_audit(options: AuditOptions, progress: Callable[[Asset, dict], None] | None = None,
              on_start: Callable[[int], None] | None = None) -> AuditResult:
    """Validate every input first (a bad policy must not cost a collection), then run."""
    inventory = load_inventory(options.inventory)
    policy_set = load_policies(list(options.policy_paths) or None)
    waivers = load_waivers(options.waivers) if options.waivers else None
    register = load_register(options.risks, known_controls=builtin_control_ids() | {c.id for c in policy_set.controls})
    chosen = [f for f in options.formats if f in format_names(audit=True)]
    engine = make_engine(engine_options(inventory.settings, options.engine, options.broker, options.site_timeout))
    engine.check()      # a broker that cannot be reached stops the run before anything is written

    out_dir = options.out_dir
    # a history named by --db is opened first: a database that cannot be reached stops the run
    # before anything is written
    store = RunStore(resolve_db(options.db)) if options.db else None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except BaseException:
        if store is not None:
            store.close()
        raise
    store = store or RunStore(out_dir / "controlcheck.db")
    try:
        with store.lock("audit"), contextlib.ExitStack() as stack:
            earlier = store.history(limit=1)
            previous = earlier[-1] if earlier else None
            run_id = store.begin_run(str(options.inventory), engine=engine.name)
            _record_kept_facts(store, store.last_marked_incomplete or [], out_dir)
            earlier_incomplete = [r for r in store.incomplete_runs() if r["id"] != run_id]
            if on_start:
                on_start(run_id)
            facts_dir = out_dir / "runs" / str(run_id) / "facts"
            with _environment_fails_the_run(store, run_id):
                try:
                    with _sigterm_as_interrupt():
                        collected = engine.collect(
                            inventory, facts_dir,
                            concurrency=options.concurrency,
                            progress=progress, trust_on_first_use=options.trust_on_first_use)
                except KeyboardInterrupt:
                    _store_collected(store, run_id, facts_dir)
                    store.mark_incomplete(run_id, "interrupted during collection; facts collected so far are "
                                                  f"kept in {facts_dir}")
                    raise
                documents = _store_collected(store, run_id, facts_dir)
                results = run_check(documents, policy_set, waivers=waivers, fail_on=options.fail_on,
                                    inputs=[{"inventory": str(options.inventory), "run": run_id}])
                # past the check only these lists of the facts documents are needed: their two
                # copies (as collected, as stored; 75 MiB at 1,000 assets) are let go for the reports
                incomplete, not_collected = collected.incomplete, collected.not_collected
                collection_errors = {d["asset"]["id"]: [e["message"] for e in d["errors"]]
                                     for d in collected.documents if d.get("errors")}
                del documents, collected
                # a large fleet's PDF and workbook are rendered by processes of their own: they
                # start now and import their libraries while the run is assessed and stored
                renderers = start_renderers(chosen, len(results["findings"]))
                stack.callback(stop_renderers, renderers)
                if inventory.settings.get("organisation"):
                    results["run"]["organisation"] = inventory.settings["organisation"]
                assessment = assess(results, register, policy_set)
                store.finish_run(run_id, results, assessment)
            # The run is stored complete; a report that cannot be written stops the command
            # (exit 4) but 'controlcheck report' can write it again from the store.
            with _environment_stops():
                history = store.history()
                ages = ages_from_store(store, run_id)
                reports = write_reports(out_dir, chosen, ReportInput(results, assessment, history, facts_dir=facts_dir,
                                                                      ages=ages, settings=dict(inventory.settings)),
                                        renderers)
                treatment = write_treatment(out_dir / "treatment", assessment)
    finally:
        store.close()
    return AuditResult(run_id=run_id, results=results, assessment=assessment, facts_dir=facts_dir,
                       reports=reports, treatment=treatment, previous=previous,
                       earlier_incomplete=earlier_incomplete, assets_total=len(inventory.assets),
                       assets_with_errors=incomplete, assets_not_collected=not_collected,
                       collection_errors=collection_errors)


def has_complete_run(db: Path) -> bool:
    """Whether the history at ``db`` holds a finished audit (the demo's second run remediates)."""
    if not Path(db).exists():
        return False
    with RunStore(db, create=False) as store:
        return bool(store.history(limit=1))


def write_reports(out_dir: Path, names: list[str], data: ReportInput, renderers: dict | None = None) -> dict[str, Path]:
    """Each format's report in the output folder under its ``file_name`` (rendered on every
    core for a large fleet, by ``renderers`` if started already, and written one by one as
    each is done: ``reports.parallel``)."""
    written = {}
    with contextlib.closing(render_each(names, data, renderers=renderers)) as reports:
        for name, content in reports:      # each written as it comes, then let go
            path = out_dir / get_format(name).file_name
            if isinstance(content, Streamed):
                write_atomic_stream(path, content.write)
            else:
                write_atomic(path, content)
            written[name] = path
            del content
    return {name: written[name] for name in names}


def write_treatment(folder: Path, assessment: dict) -> dict[str, Path]:
    plans = treatment_plans(assessment)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.md"):
        stale.unlink()
    written = {}
    for department, text in plans.items():
        path = folder / request_file_name(department)
        write_atomic(path, text)
        written[department] = path
    return written


def summary_lines(result: AuditResult) -> list[str]:
    """The short summary a scheduled audit prints (and mails, via cron)."""
    summary = result.results["summary"]
    by_status = summary["by_status"]
    lines = []
    for run in result.earlier_incomplete:
        lines.append(f"note: run {run['id']} (started {run.get('started_at', '?')}) did not finish and is "
                     f"{run.get('status', 'incomplete')}"
                     + (f": {run['reason']}" if run.get("reason") else "")
                     + (f"; {run['assets_recorded']} assets were collected" if "assets_recorded" in run else ""))
    clean = result.assets_total - len(result.assets_with_errors)
    partial = [a for a in result.assets_with_errors if a not in result.assets_not_collected]
    lines.append(f"run {result.run_id}: {clean}/{result.assets_total} assets collected without errors"
                 + (f"; not collected: {', '.join(result.assets_not_collected)}" if result.assets_not_collected else "")
                 + (f"; some facts undetermined: {', '.join(partial)}" if partial else ""))
    lines.append("findings: " + ", ".join(f"{by_status.get(s, 0)} {s}" for s in ("pass", "fail", "error", "waived")))
    failing = {s: n for s, n in (result.assessment.get("failing_by_severity") or {}).items() if n}
    if failing:
        lines.append("failing by severity: " + ", ".join(
            f"{failing[s]} {s}" for s in reversed(SEVERITIES) if s in failing))
    value = (result.assessment.get("cai") or {}).get("overall", {}).get("value")
    if value is not None:
        change = ""
        before = (result.previous or {}).get("cai")
        if isinstance(before, (int, float)):
            change = f" ({value - before:+.1f} since run {result.previous['id']})"
        lines.append(f"Compliance Adherence Index: {value:.1f}{change}")
    high = [r for r in result.assessment.get("risks", []) if r.get("residual_rating") in ("High", "Critical")]
    if high:
        lines.append(f"risks at High or above ({len(high)}): " + ", ".join(
            f"{r['id']} {r['residual_rating']}" for r in high[:8]) + (" ..." if len(high) > 8 else ""))
    if result.reports:
        first = result.reports.get("html") or next(iter(result.reports.values()))
        lines.append(f"reports in {first.parent}" + (f"; open {result.reports['html']}" if "html" in result.reports
                                                      else ""))
    return lines
