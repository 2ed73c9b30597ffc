"""``--configs DIR``: every saved configuration under a folder becomes one asset.

Files are found recursively (``.git`` and hidden files skipped), their platform is
``--platform``, else RANCID's header, else their content (parsers/detect.py); a file
nothing recognises is listed in :attr:`ConfigRun.unrecognised` and skipped, never guessed.
The asset id is the hostname the config sets, else the file name; kind, site and owner
come from an inventory that names that id, else the platform's default kind (said in the
facts' provenance).

Documents are produced one at a time (a generator), parsed on up to ``jobs`` processes,
so memory stays flat in the number of files.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .collectors.base import CollectionContext, FactsBuilder
from .collectors.configfile import network_platform, read_config_file
from .errors import InputError
from .forking import sigint_blocked, worker_init
from .inventory import Asset, Inventory
from .parsers.detect import DETECTED, HEAD_BYTES, detect_platform

SKIP_DIRS = {".git", ".hg", ".svn"}


def config_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (sorted, recursively), skipping VCS folders and dotfiles."""
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    yield path


def platform_of(path: Path, forced: str | None) -> str | None:
    if forced:
        return forced
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    return detect_platform(head)


@dataclass
class ConfigRun:
    """What a ``--configs`` run found besides the documents."""

    root: Path
    unrecognised: list[str] = field(default_factory=list)


def _shown(path: Path) -> str:
    """The path as CI tools want it: relative to where the run started when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _collect_one(args: tuple) -> dict:
    """The facts document of one file, or ``{"unrecognised": shown}`` when nothing says which
    platform wrote it. Detection runs here, in the parsing workers, not file by file in the
    parent before the first parse (2 ms a file: 2 s of idle workers at 1,000 files)."""
    path, shown, forced, evidence_dir = args
    platform = platform_of(Path(path), forced)
    if platform is None:
        return {"unrecognised": shown}
    cls = network_platform(platform)
    default_kind = cls.default_kind if cls else "router"
    asset = Asset(id=Path(shown).name, kind=default_kind, platform=platform, address="", file=shown)
    ctx = CollectionContext(inventory=Inventory(path=Path(shown), assets=[]),
                            evidence_dir=Path(evidence_dir) if evidence_dir else None)
    builder = FactsBuilder(asset, ctx, f"configfile:{platform}")
    read_config_file(Path(path), shown, platform, builder)
    doc = builder.document()
    if cls is not None:
        doc["asset"]["kind"] = cls.kind_for(doc["facts"])
    return doc


def _parsing_pool(processes: int):
    import multiprocessing
    with sigint_blocked():
        return multiprocessing.get_context("fork").Pool(processes, initializer=worker_init,
                                                         initargs=(os.getpid(),))


def _name_asset(doc: dict, inventory: Inventory | None, known: dict[str, Asset], seen: set[str]) -> dict:
    """Give the document its asset: the config's hostname (else the file name), with kind,
    site and owner from the inventory when it names that id."""
    asset = doc["asset"]
    shown = asset["id"]
    hostname = ((doc.get("facts") or {}).get("system") or {}).get("hostname")
    asset_id = hostname or shown
    source = next((e["file"]["path"] for e in doc.get("evidence") or [] if e.get("file")), shown)
    if asset_id in seen:   # two backups of one hostname: keep both, told apart by their file
        asset_id = f"{asset_id} ({source})"
    seen.add(asset_id)
    asset["id"] = asset_id
    named = known.get(asset_id) or known.get(hostname or "")
    provenance = doc.setdefault("provenance", {})
    if named is not None:
        for key in ("kind", "site", "owner"):
            if getattr(named, key):
                asset[key] = getattr(named, key)
        if named.tags:
            asset["tags"] = list(named.tags)
        if named.address:
            asset["address"] = named.address
        provenance["asset.kind"] = {"lines": [f"(inventory {inventory.path}: asset {named.id})"]}
    else:
        provenance["asset.kind"] = {"lines": [f"(default: a {asset['platform']} configuration is taken for a "
                                              f"{asset['kind']}; name {asset_id!r} in --inventory to say otherwise)"]}
    provenance["asset.id"] = {"lines": [f"(hostname in {source})" if hostname else f"(file name {source})"]}
    return doc


def iter_config_documents(root: Path | list[Path], run: ConfigRun, inventory: Inventory | None = None,
                          platform: str | None = None, evidence_dir: Path | None = None,
                          jobs: int | None = None) -> Iterator[dict]:
    """One facts document per recognised config under ``root`` (a folder or file, or a list
    of them: pre-commit passes the changed files), in file order."""
    roots = root if isinstance(root, list) else [root]
    for r in roots:
        if not r.exists():
            raise InputError("configs path does not exist", file=str(r))
    if platform and network_platform(platform) is None:
        raise InputError(f"--platform {platform!r} is not a network platform with a configuration parser")
    tasks = [(str(path), _shown(path), platform, str(evidence_dir) if evidence_dir else None)
             for path in (p for r in roots for p in config_files(r))]
    seen: set[str] = set()
    jobs = jobs if jobs is not None else min(os.cpu_count() or 1, 4)
    pool = None
    results: Iterator[dict] = map(_collect_one, tasks)
    # parse on several processes, forked from this one: nothing to re-import, no main module to
    # re-run. Only when no other thread runs (forking a threaded process is unsafe) and
    # there is enough work to pay for the processes.
    if jobs > 1 and len(tasks) >= 8 and threading.active_count() == 1 and hasattr(os, "fork"):
        for name in [platform] if platform else DETECTED:   # import the parsers once, here: the workers inherit them
            network_platform(name)
        pool = _parsing_pool(min(jobs, len(tasks)))
        results = pool.imap(_collect_one, tasks, chunksize=4)
    finished = False
    try:
        known = {a.id: a for a in inventory.assets} if inventory else {}
        for doc in results:
            if "unrecognised" in doc:
                run.unrecognised.append(doc["unrecognised"])
                continue
            for ev in doc.get("evidence") or []:
                if ev.get("file"):
                    doc["_source"] = {"kind": "config", "path": ev["file"]["path"], "sha256": ev["file"]["sha256"]}
            yield _name_asset(doc, inventory, known, seen)
        finished = True
    finally:
        if pool is not None:
            if finished:
                pool.close()
            else:
                pool.terminate()
            pool.join()


def check_configs(root: Path | list[Path], policy_set, waivers=None, inventory: Inventory | None = None,
                  platform: str | None = None, fail_on: str = "low", jobs: int | None = None,
                  evidence_dir: Path | None = None) -> tuple[dict, ConfigRun]:
    """The results document of every saved config under ``root`` (parsed and judged one file
    at a time). Unrecognised files are listed in ``summary.unrecognised_files``."""
    from .checks import run_check

    run = ConfigRun(root=root if isinstance(root, Path) else Path("."))
    documents = iter_config_documents(root, run, inventory=inventory, platform=platform, jobs=jobs,
                                      evidence_dir=evidence_dir)
    try:
        results = run_check(documents, policy_set, waivers=waivers, fail_on=fail_on)
    finally:
        # Ctrl-C lands here while the generator waits at its yield: close it now so its
        # workers are ended before we exit, not whenever the generator is collected
        documents.close()
    results["summary"]["unrecognised_files"] = list(run.unrecognised)
    return results, run


def collect_configs(root: Path, out_dir: Path, inventory: Inventory | None = None, platform: str | None = None,
                    jobs: int | None = None) -> tuple[list[str], list[str], ConfigRun]:
    """Write one facts document per saved config under ``root`` into ``out_dir``; returns the
    asset ids written and those with collection errors."""
    from .files import facts_filename, write_json_atomic

    run = ConfigRun(root=root)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, incomplete = [], []
    documents = iter_config_documents(root, run, inventory=inventory, platform=platform, jobs=jobs,
                                      evidence_dir=out_dir)
    try:
        for doc in documents:
            doc.pop("_source", None)
            asset_id = doc["asset"]["id"]
            write_json_atomic(out_dir / facts_filename(asset_id.replace("/", "_").replace(" ", "_")), doc)
            written.append(asset_id)
            if doc.get("errors"):
                incomplete.append(asset_id)
    finally:
        documents.close()   # as in check_configs: end the parsing workers at once on Ctrl-C
    return written, incomplete, run
