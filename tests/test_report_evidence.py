"""The evidence bundle verifies, and stops verifying after any change."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from clihelp import run_cli
from controlcheck.errors import InputError
from controlcheck.reports import ReportInput, get_format
from controlcheck.reports.evidence import manifest_digest, read_manifest, verify_bundle
from controlcheck.store import RunStore
from report_helpers import check_dir, facts_with_evidence

SECRET = "Tr0ub4dor&3-not-in-any-report"


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTROLCHECK_TEST_ROUTER_PASSWORD", SECRET)
    facts = facts_with_evidence(tmp_path / "facts")
    results, assessment = check_dir(facts)
    path = tmp_path / "bundle.zip"
    path.write_bytes(get_format("evidence").render(ReportInput(results, assessment, facts_dir=facts)))
    return path


def test_the_bundle_packs_the_results_json_written_beside_it(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    results, assessment = check_dir(facts)
    data = ReportInput(results, assessment, facts_dir=facts)
    path = tmp_path / "bundle.zip"
    path.write_bytes(get_format("evidence").render(data))
    with zipfile.ZipFile(path) as zf:
        packed = zf.read("results.json")
    assert packed == get_format("json").render(ReportInput(results, assessment)).encode()
    assert json.loads(packed)["assessment"] == assessment        # no assessment.json beside it any more
    assert read_manifest(path)["files"]["results.json"]["size"] == len(packed)


def _rewrite(src, dst, change=None, drop=None, add=None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == drop:
                continue
            data = zin.read(info.filename)
            if change and info.filename == change[0]:
                data = change[1](data)
            zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _flip_one_byte(data: bytes) -> bytes:
    return data[:5] + bytes([data[5] ^ 0x01]) + data[6:]


def test_bundle_contents_and_verification(bundle):
    assert verify_bundle(bundle) == []
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        blob = b"".join(zf.read(n) for n in names)
    assert {"manifest.json", "results.json", "facts/fw-bad.json", "facts/evidence/fw-bad/ev-001.txt"} <= names

    manifest = read_manifest(bundle)
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert manifest["not_included"] == [] and manifest["digest"] == manifest_digest(manifest)
    assert SECRET.encode() not in blob and SECRET.encode() not in bundle.read_bytes()
    assert verify_bundle(bundle, expected_digest=manifest["digest"]) == []


def test_one_changed_byte_fails(bundle, tmp_path):
    bad = _rewrite(bundle, tmp_path / "changed.zip", change=("facts/evidence/fw-bad/ev-001.txt", _flip_one_byte))
    problems = verify_bundle(bad)
    assert len(problems) >= 1 and problems[0].startswith("facts/evidence/fw-bad/ev-001.txt: changed")
    code, out, _ = run_cli("verify", str(bad))
    assert code == 1 and "facts/evidence/fw-bad/ev-001.txt: changed" in out


def test_a_flipped_byte_in_the_archive_itself_fails(bundle, tmp_path):
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo("results.json")
    # a byte inside results.json's compressed data (after its 30-byte local header and name)
    raw[info.header_offset + 30 + len(info.filename) + 40] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    problems = verify_bundle(damaged)
    assert any(p.startswith("results.json: changed") for p in problems), problems


def test_removed_extra_and_manifest_edits_fail(bundle, tmp_path):
    missing = _rewrite(bundle, tmp_path / "missing.zip", drop="facts/rtr-bad.json")
    assert verify_bundle(missing) == ["facts/rtr-bad.json: missing"]
    extra = _rewrite(bundle, tmp_path / "extra.zip", add={"facts/evidence/x.txt": b"planted"})
    assert verify_bundle(extra) == ["facts/evidence/x.txt: extra file, not in the manifest"]

    def edit_manifest(data: bytes) -> bytes:
        m = json.loads(data)
        m["files"]["results.json"]["sha256"] = "0" * 64
        return json.dumps(m).encode()

    edited = _rewrite(bundle, tmp_path / "edited.zip", change=("manifest.json", edit_manifest))
    problems = verify_bundle(edited)
    assert "manifest.json: its digest does not match its content (the manifest was edited)" in problems
    assert any(p.startswith("results.json: changed") for p in problems)
    no_manifest = _rewrite(bundle, tmp_path / "nomanifest.zip", drop="manifest.json")
    assert verify_bundle(no_manifest) == ["manifest.json: missing; this is not a (complete) evidence bundle"]


def test_a_rebuilt_bundle_is_caught_by_the_recorded_digest(bundle, tmp_path):
    digest = read_manifest(bundle)["digest"]

    def rebuild(data: bytes) -> bytes:   # a careful forger: changes a file and recomputes the manifest
        m = json.loads(data)
        m["run"]["id"] = "forged"
        m["digest"] = manifest_digest(m)
        return json.dumps(m).encode()

    forged = _rewrite(bundle, tmp_path / "forged.zip", change=("manifest.json", rebuild))
    assert verify_bundle(forged) == []
    problems = verify_bundle(forged, expected_digest=digest)
    assert len(problems) == 1 and "is not the expected" in problems[0]


def test_evidence_changed_after_collection_or_leaving_the_facts_dir_is_not_packed(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    results, assessment = check_dir(facts)
    (facts / "evidence" / "fw-bad" / "ev-001.txt").write_text("edited later")
    doc = json.loads((facts / "rtr-bad.json").read_text())
    doc["evidence"][0]["path"] = "../../etc/passwd"
    (facts / "rtr-bad.json").write_text(json.dumps(doc))   # also no longer the facts the run checked
    path = tmp_path / "b.zip"
    path.write_bytes(get_format("evidence").render(ReportInput(results, assessment, facts_dir=facts)))
    assert verify_bundle(path) == []
    skipped = read_manifest(path)["not_included"]
    reasons = {(x["asset_id"], x["file"]): x["reason"] for x in skipped}
    assert "changed since collection" in reasons[("fw-bad", "evidence/fw-bad/ev-001.txt")]
    assert "changed since the run" in reasons[("rtr-bad", "facts document")]
    with zipfile.ZipFile(path) as zf:
        assert "facts/evidence/fw-bad/ev-001.txt" not in zf.namelist()
        assert not any("passwd" in n for n in zf.namelist())


def test_path_traversal_is_refused(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    doc = json.loads((facts / "fw-bad.json").read_text())
    doc["evidence"][0]["path"] = "../outside.txt"
    (tmp_path / "outside.txt").write_text("secret stuff")
    (facts / "fw-bad.json").write_text(json.dumps(doc))
    results, assessment = check_dir(facts)
    path = tmp_path / "b.zip"
    path.write_bytes(get_format("evidence").render(ReportInput(results, assessment, facts_dir=facts)))
    reasons = [x["reason"] for x in read_manifest(path)["not_included"]]
    assert any("leaves the facts directory" in r for r in reasons)
    assert b"secret stuff" not in path.read_bytes()


def test_a_symlink_out_of_the_facts_dir_is_refused_and_one_inside_is_packed(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "ev-001.txt").write_text("secret stuff")
    leak = facts / "evidence" / "fw-bad" / "ev-001.txt"          # a file linked out
    leak.unlink()
    leak.symlink_to(tmp_path / "outside" / "ev-001.txt")
    shutil.rmtree(facts / "evidence" / "pan-bad")                 # a directory linked out
    (facts / "evidence" / "pan-bad").symlink_to(tmp_path / "outside", target_is_directory=True)
    inside = facts / "evidence" / "rtr-bad"                       # linked to a copy inside: packed
    shutil.copytree(inside, facts / "evidence" / "rtr-bad-copy")
    shutil.rmtree(inside)
    inside.symlink_to(facts / "evidence" / "rtr-bad-copy", target_is_directory=True)
    results, assessment = check_dir(facts)
    path = tmp_path / "b.zip"
    path.write_bytes(get_format("evidence").render(ReportInput(results, assessment, facts_dir=facts)))
    reasons = {(x["asset_id"], x["file"]): x["reason"] for x in read_manifest(path)["not_included"]}
    assert "leaves the facts directory" in reasons[("fw-bad", "evidence/fw-bad/ev-001.txt")]
    assert "leaves the facts directory" in reasons[("pan-bad", "evidence/pan-bad/ev-001.txt")]
    assert not any(asset == "rtr-bad" for asset, _ in reasons)
    assert b"secret stuff" not in path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert "facts/evidence/rtr-bad/ev-001.txt" in zf.namelist()
    assert verify_bundle(path) == []


def test_a_fifo_or_a_directory_planted_as_evidence_is_left_out_without_waiting(tmp_path):
    import os

    facts = facts_with_evidence(tmp_path / "facts")
    fifo = facts / "evidence" / "fw-bad" / "ev-001.txt"        # reading it would wait for a writer
    fifo.unlink()
    os.mkfifo(fifo)
    folder = facts / "evidence" / "rtr-bad" / "ev-001.txt"
    folder.unlink()
    folder.mkdir()
    doc = json.loads((facts / "pan-bad.json").read_text())
    doc["evidence"][0]["path"] = "evidence/./pan-bad//ev-001.txt"   # an untidy path is the same file
    (facts / "pan-bad.json").write_text(json.dumps(doc))
    results, assessment = check_dir(facts)
    path = tmp_path / "b.zip"
    path.write_bytes(get_format("evidence").render(ReportInput(results, assessment, facts_dir=facts)))
    reasons = {(x["asset_id"], x["file"]): x["reason"] for x in read_manifest(path)["not_included"]}
    assert reasons[("fw-bad", "evidence/fw-bad/ev-001.txt")].startswith("changed since collection")
    assert reasons[("rtr-bad", "evidence/rtr-bad/ev-001.txt")] == "cannot read: Is a directory"
    with zipfile.ZipFile(path) as zf:
        assert "facts/evidence/pan-bad/ev-001.txt" in zf.namelist()
    assert verify_bundle(path) == []


def test_cli_report_and_verify_from_a_stored_run(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    results, assessment = check_dir(facts)
    db = tmp_path / "out" / "controlcheck.db"
    with RunStore(db) as store:
        run_id = store.begin_run("inv.yaml")
        for src in sorted(facts.glob("*.json")):
            store.add_facts(run_id, json.loads(src.read_text()), src)
        store.finish_run(run_id, results, assessment)
    out = tmp_path / "bundle.zip"
    code, _, err = run_cli("report", "--db", str(db), "--run", "latest", "--format", "evidence", "-o", str(out))
    assert code == 0, err
    assert "manifest digest sha256:" in err
    code, stdout, _ = run_cli("verify", str(out))
    assert code == 0 and stdout.startswith("ok: ")
    code, _, err = run_cli("verify", str(tmp_path / "nothing.zip"))
    assert code == 2 and "no such bundle file" in err
    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(InputError):
        verify_bundle(tmp_path / "plain.txt")


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, -0.0, 1e-7, 10**30, True, False, None, [], {}, (1, 2), [[[]]]], "é\u2028\x00\"\\": {"n": "x"}},
    {7: "int key", 2.5: "float key", True: "bool key", False: "bool key", None: "null key"},
    [float("nan"), float("inf"), -float("inf")], [], {}, "text", 3, None,
])
def test_the_bundles_json_is_what_json_dumps_writes(value):
    """The bundle's JSON members are indented by a faster encoder: byte for byte json's."""
    from controlcheck.reports._shared import indented_json

    class Unknown:
        def __str__(self):
            return "unknown <object>"

    for v in (value, {"nested": [value, {"k": value}], "obj": Unknown()}):
        assert indented_json(v) == json.dumps(v, indent=2, ensure_ascii=False, default=str)
        assert indented_json(v, "  ") == json.dumps(v, indent=2, ensure_ascii=False, default=str).replace("\n", "\n  ")

