"""The evidence bundle: one zip an auditor can keep and verify.

Contents::

    manifest.json          sha256 and size of every other file, and the manifest's own digest
    results.json           the results document (docs/results.md) with the risk assessment, when
                           one was made, under ``assessment``: the very bytes of the
                           results.json ``audit`` writes beside the bundle
    facts/<asset>.json     each asset's facts document, byte for byte as collected
    facts/evidence/...     the raw outputs the facts documents point at (``evidence[].path``,
                           relative to the facts directory, so the references still resolve)

A facts document is packed only if its sha256 is the one the results recorded
(``assets[].facts_sha256``), and a raw output only if its sha256 is the one its facts
document recorded; anything else is listed under ``not_included`` with the reason (a facts
directory overwritten by a later run, an evidence file edited since collection). Evidence
paths that leave the facts directory are refused. Only these files are packed: the facts
documents hold references to credentials, never secrets.

``verify_bundle(path)`` recomputes everything: a file changed, missing or added, a manifest
edited without recomputing its digest, and facts/evidence that no longer match the hashes
recorded in the results and facts documents. Without a signing key a bundle rebuilt from
scratch verifies, so keep the manifest digest (printed when the bundle is written) somewhere
else and pass it to ``verify_bundle(path, expected_digest=...)``."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ._shared import indented_json, iso_z
from .base import ReportFormat, ReportInput
from .json_results import report_text

FORMAT = "controlcheck-evidence-bundle"
MANIFEST = "manifest.json"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_digest(manifest: dict) -> str:
    """sha256 of the manifest's canonical JSON without its ``digest`` field."""
    body = {k: v for k, v in manifest.items() if k != "digest"}
    return _sha(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())


def _safe_relative(path_text: str) -> str | None:
    """``path_text`` as a normalised relative POSIX path (``a/./b//c`` is ``a/b/c``), or None
    when it is absolute, empty, climbs out (``..``) or starts with a drive (``C:``)."""
    text = str(path_text).replace("\\", "/")
    if text.startswith("/"):
        return None
    parts = [part for part in text.split("/") if part and part != "."]
    if not parts or ".." in parts or ":" in parts[0]:
        return None
    return "/".join(parts)


def _real_dir(path: str, dirs: dict[str, str]) -> str:
    """``os.path.realpath`` of the directory ``path``, resolved once (``dirs`` keeps them): a
    fleet's thousands of evidence files share a few directories, and resolving every
    component of every file was most of the bundle's time besides JSON."""
    real = dirs.get(path)
    if real is None:
        real = dirs[path] = os.path.realpath(path)
    return real


def _realpath(path: str, dirs: dict[str, str]) -> str:
    """``os.path.realpath(path)`` with its directory resolved once (``_real_dir``)."""
    head, tail = os.path.split(path)
    full = os.path.join(_real_dir(head, dirs), tail)
    return os.path.realpath(full) if os.path.islink(full) else full


def _facts_candidates(data: ReportInput) -> list[Path]:
    seen, out = set(), []
    paths = []
    for i in (data.results.get("run") or {}).get("inputs") or []:
        if i.get("kind") == "facts" and i.get("path"):
            paths.append(Path(i["path"]))
    if data.facts_dir is not None:
        if not Path(data.facts_dir).is_dir():
            raise InputError(f"facts directory {data.facts_dir} does not exist (the evidence bundle packs it)")
        paths.extend(sorted(Path(data.facts_dir).glob("*.json")))
    dirs: dict[str, str] = {}
    for p in paths:
        key = _realpath(str(p), dirs) if p.exists() else str(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _find_facts(data: ReportInput) -> tuple[dict[str, tuple[Path, bytes, list]], dict[str, str]]:
    """asset id -> (path, bytes, evidence list) of the facts document matching the results;
    asset id -> reason for assets whose facts document could not be packed. Only the
    evidence list of each parsed document is kept (1,000 parsed documents were 30 MiB)."""
    wanted = {a["id"]: a.get("facts_sha256") for a in data.results.get("assets") or []}
    found: dict[str, tuple[Path, bytes, list]] = {}
    mismatched: dict[str, str] = {}
    for p in _facts_candidates(data):
        try:
            raw = p.read_bytes()
            doc = json.loads(raw.decode("utf-8"))
            asset_id = doc["asset"]["id"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if asset_id not in wanted or asset_id in found:
            continue
        expected = wanted[asset_id]
        if expected and _sha(raw) != expected:
            mismatched[asset_id] = (f"{p} has changed since the run (sha256 {_sha(raw)[:12]}..., the results "
                                    f"recorded {expected[:12]}...)")
            continue
        found[asset_id] = (p, raw, doc.get("evidence") or [])
        mismatched.pop(asset_id, None)
    reasons = {a: mismatched.get(a, "no facts document found (give the facts directory of the run)")
               for a in wanted if a not in found}
    return found, reasons


def _evidence_file(base: str, prefix: str, ev: dict, dirs: dict[str, str]) -> tuple[bytes | None, str, str]:
    """The bytes of the raw output ``ev`` points at under the facts directory ``base`` (its
    real path; ``prefix`` is it with a trailing separator), or None and why not: a path
    that leaves the directory (by ``..`` or a symbolic link), a file that cannot be read or
    has changed since collection. Its directory is resolved once (``dirs``); the file is
    opened without following a link, and a link is followed only to check where it leads."""
    rel = _safe_relative(ev["path"])
    if rel is None:
        return None, "path leaves the facts directory; refused", ""
    head, _, tail = (base + "/" + rel).rpartition("/")
    real_dir = _real_dir(head, dirs)
    full = os.path.join(real_dir, tail)
    if real_dir != base and not real_dir.startswith(prefix):
        return None, "path leaves the facts directory; refused", rel
    # non-blocking: a FIFO planted in the folder reads as empty instead of waiting for a writer
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        try:
            fd = os.open(full, flags | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            target = os.path.realpath(full)       # a symbolic link: packed only if it stays inside
            if not target.startswith(prefix):
                return None, "path leaves the facts directory; refused", rel
            fd = os.open(target, flags)
        with os.fdopen(fd, "rb") as fh:
            blob = fh.read()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}", rel
    if ev.get("sha256") and _sha(blob) != ev["sha256"]:
        return None, "changed since collection (sha256 differs from the facts document)", rel
    return blob, "", rel


def bundle_contents(data: ReportInput) -> tuple[dict, dict[str, bytes]]:
    """The bundle's manifest and files (the manifest included), computed once per report
    input: the PDF cites the digest of the very bundle ``audit`` writes beside it."""
    files = data.cache.get("evidence-files")
    if files is None:
        manifest, files = _contents(data)
        data.cache["evidence-manifest"], data.cache["evidence-files"] = manifest, files
    return data.cache["evidence-manifest"], files


def bundle_manifest(data: ReportInput) -> dict:
    """The bundle's manifest (its ``digest`` is what the PDF cites), kept after the bundle is
    written when its files are let go."""
    manifest = data.cache.get("evidence-manifest")
    return manifest if manifest is not None else bundle_contents(data)[0]


def _contents(data: ReportInput) -> tuple[dict, dict[str, bytes]]:
    results = data.results
    run = results.get("run") or {}
    files: dict[str, bytes] = {}
    not_included: list[dict] = []

    files["results.json"] = report_text(data).encode()      # the assessment in it, under "assessment"
    found, reasons = _find_facts(data)
    for asset_id, reason in sorted(reasons.items()):
        not_included.append({"asset_id": asset_id, "file": "facts document", "reason": reason})
    dirs: dict[str, str] = {}
    for asset_id, (path, raw, evidence) in sorted(found.items()):
        name = f"facts/{path.name}"
        if name in files:
            name = f"facts/{hashlib.sha256(asset_id.encode()).hexdigest()[:8]}-{path.name}"
        files[name] = raw
        base = _real_dir(str(path.parent), dirs)
        prefix = base.rstrip(os.sep) + os.sep
        for ev in evidence:
            if not ev.get("path"):
                continue   # hashed, not kept on disk (nothing to pack)
            blob, reason, rel = _evidence_file(base, prefix, ev, dirs)
            if blob is None:
                not_included.append({"asset_id": asset_id, "evidence_id": ev.get("id"), "file": str(ev["path"]),
                                     "reason": reason})
            else:
                files[f"facts/{rel}"] = blob

    manifest = {"format": FORMAT, "version": 1, "tool": {"name": "controlcheck", "version": __version__},
                "run": {"id": run.get("id"), "started_at": run.get("started_at"), "finished_at": run.get("finished_at")},
                "files": {name: {"sha256": _sha(blob), "size": len(blob)} for name, blob in sorted(files.items())},
                "not_included": not_included}
    manifest["digest"] = manifest_digest(manifest)
    files[MANIFEST] = indented_json(manifest, end="\n").encode()
    return manifest, files


def build_bundle(data: ReportInput) -> bytes:
    run = data.results.get("run") or {}
    stamp = iso_z(run.get("finished_at")) or "1980-01-01T00:00:00Z"
    date_time = tuple(int(x) for x in (stamp[0:4], stamp[5:7], stamp[8:10], stamp[11:13], stamp[14:16], stamp[17:19]))
    date_time = max(date_time, (1980, 1, 1, 0, 0, 0))
    _, files = bundle_contents(data)
    buf = io.BytesIO()
    # Deflate level 1: 0.3 s less than the default at 1,000 assets (43 MB packed), 16 % larger.
    # Files under 256 bytes (half the raw outputs: one line of a show command) are stored: a
    # deflate stream costs more to set up than it saves on them.
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in [MANIFEST, *sorted(n for n in files if n != MANIFEST)]:
            blob = files[name]
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED if len(blob) >= 256 else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, blob, compresslevel=1)     # a ZipInfo does not take the archive's level
    # packed: let the files go (a fleet's raw evidence, tens of MB); the manifest stays for the PDF
    data.cache.pop("evidence-files", None)
    return buf.getvalue()


def _open(path: str | Path) -> zipfile.ZipFile:
    path = Path(path)
    if not path.is_file():
        raise InputError("no such bundle file", file=str(path))
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError("not a zip file (expected a bundle from 'controlcheck report --format evidence')",
                         file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None


# verify reads every member as a stream, never whole: a 2 MB bundle may hold a 2 GiB member
# that compresses to nothing. A member may not be larger than its manifest entry says (nor
# than its zip header says); the manifest and the JSON documents that are cross-checked are
# the only members held in memory, and they are bounded too.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_JSON_MEMBER_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


class _TooLarge(Exception):
    pass


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, keep: bool) -> tuple[str, int, bytes | None]:
    """(sha256, size, bytes when ``keep``) of one member, read in chunks; _TooLarge past ``limit``."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _TooLarge(f"{info.file_size:,} bytes by its zip header")
    digest, size, parts = hashlib.sha256(), 0, []
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _TooLarge(f"more than {limit:,} bytes when decompressed")
            digest.update(chunk)
            if keep:
                parts.append(chunk)
    return digest.hexdigest(), size, b"".join(parts) if keep else None


def _read_manifest(zf: zipfile.ZipFile) -> dict:
    try:
        _, _, raw = _read_member(zf, MANIFEST, MAX_MANIFEST_BYTES, keep=True)
    except _TooLarge as exc:
        raise ValueError(f"{MANIFEST} is too large ({exc})") from None
    return json.loads(raw.decode("utf-8"))


def read_manifest(path: str | Path) -> dict:
    with _open(path) as zf:
        try:
            return _read_manifest(zf)
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise InputError(f"no readable {MANIFEST}: {exc}", file=str(path)) from None


def _cross_checked(name: str) -> bool:
    return name == "results.json" or (name.startswith("facts/") and name.count("/") == 1 and name.endswith(".json"))


def verify_bundle(path: str | Path, expected_digest: str | None = None) -> list[str]:
    """Problems found in a bundle, one sentence each; an empty list means it is intact."""
    problems: list[str] = []
    with _open(path) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        seen: set[str] = set()
        dupes = sorted({n for n in names if n in seen or seen.add(n)})
        problems += [f"{n}: appears more than once in the archive" for n in dupes]
        try:
            manifest = _read_manifest(zf)
        except KeyError:
            return problems + [f"{MANIFEST}: missing; this is not a (complete) evidence bundle"]
        except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
            return problems + [f"{MANIFEST}: unreadable or not JSON ({exc}); the bundle was altered"]
        except Exception as exc:   # zlib.error on altered compressed bytes
            return problems + [f"{MANIFEST}: unreadable ({type(exc).__name__}: {exc}); the bundle was altered"]
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
            return problems + [f"{MANIFEST}: not an evidence bundle manifest"]
        if manifest.get("digest") != manifest_digest(manifest):
            problems.append(f"{MANIFEST}: its digest does not match its content (the manifest was edited)")
        if expected_digest and manifest.get("digest") != expected_digest.strip().lower().removeprefix("sha256:"):
            problems.append(f"{MANIFEST}: digest {manifest.get('digest')} is not the expected {expected_digest} "
                            "(a different or rebuilt bundle)")
        listed = manifest["files"]
        present = set(names)
        shas: dict[str, str] = {}
        documents: dict[str, bytes] = {}
        for name, entry in sorted(listed.items()):
            if name not in present:
                problems.append(f"{name}: missing")
                continue
            size = entry.get("size") if isinstance(entry, dict) else None
            if not isinstance(size, int) or size < 0:
                problems.append(f"{name}: the manifest gives no size; not read")
                continue
            keep = _cross_checked(name)
            try:
                actual, _, blob = _read_member(zf, name, min(size, MAX_JSON_MEMBER_BYTES) if keep else size, keep)
            except _TooLarge as exc:
                problems.append(f"{name}: larger than its manifest entry of {size:,} bytes ({exc}); not read further")
                continue
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                problems.append(f"{name}: changed (corrupt in the archive: {exc})")
                continue
            except Exception as exc:   # zlib.error on altered compressed bytes
                problems.append(f"{name}: changed (corrupt in the archive: {type(exc).__name__}: {exc})")
                continue
            if actual != entry.get("sha256"):
                problems.append(f"{name}: changed (sha256 {actual}, manifest says {entry.get('sha256')})")
                continue
            shas[name] = actual
            if blob is not None:
                documents[name] = blob
        for name in sorted(present - set(listed) - {MANIFEST}):
            problems.append(f"{name}: extra file, not in the manifest")
    problems += _cross_check(documents, shas)
    return problems


def _cross_check(documents: dict[str, bytes], shas: dict[str, str]) -> list[str]:
    """Hashes recorded inside the documents: results -> facts documents -> raw evidence."""
    problems = []
    try:
        results = json.loads(documents["results.json"]) if "results.json" in documents else None
    except ValueError:
        return ["results.json: not JSON"]
    facts_sha = {a.get("id"): a.get("facts_sha256") for a in (results or {}).get("assets") or []
                 if isinstance(a, dict)}
    for name, blob in documents.items():
        if name == "results.json":
            continue
        try:
            doc = json.loads(blob)
            asset_id = doc["asset"]["id"]
        except (ValueError, KeyError, TypeError, RecursionError):
            problems.append(f"{name}: not a facts document")
            continue
        expected = facts_sha.get(asset_id)
        if results is not None and expected and shas[name] != expected:
            problems.append(f"{name}: sha256 differs from the one results.json recorded for {asset_id}")
        for ev in doc.get("evidence") or []:
            rel = _safe_relative(ev.get("path") or "") if ev.get("path") else None
            member = f"facts/{rel}" if rel else None
            if member and member in shas and ev.get("sha256") and shas[member] != ev["sha256"]:
                problems.append(f"{member}: sha256 differs from the one {name} recorded for {ev.get('id')}")
    return problems


class EvidenceReport(ReportFormat):
    name = "evidence"
    file_name = "evidence-bundle.zip"
    needs_run = True
    binary = True

    def render(self, data: ReportInput) -> bytes:
        return build_bundle(data)
