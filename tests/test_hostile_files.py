"""Output files the user names that are not plain files, and an environment that stops the
write: a FIFO, a device or a descriptor name is written into and never replaced; a directory,
a full disk or a parent that is a file is one line and exit 4 with no temporary file left."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import zipfile

import pytest

from clihelp import run_cli
from helpers import FIXTURES, REPO
from controlcheck.errors import EnvironmentStopped
from controlcheck.files import write_atomic, write_atomic_stream

FACTS = FIXTURES / "facts"


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if ".tmp" in p.name]


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, out, err = run_cli("check", "--facts", str(FACTS), "--format", "json", "-o", str(fifo))
    replaced = not stat.S_ISFIFO(os.stat(fifo).st_mode)   # then the reader waits forever (a daemon)
    reader.join(1 if replaced else 30)
    assert code == 1, err
    assert not replaced, "the FIFO was replaced by a regular file"
    assert json.loads(received[0])["findings"]


def test_a_device_behind_a_link_is_written_into_not_replaced(tmp_path):
    link = tmp_path / "sink"
    link.symlink_to("/dev/null")
    write_atomic(link, "x" * 1000)
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)
    assert _leftovers(tmp_path) == []


def test_a_link_to_a_regular_file_keeps_the_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_dev_stdout_and_dash_reach_stdout(tmp_path):
    """``-o /dev/stdout`` (here a link to /proc/self/fd/1, what /dev/stdout is) and ``-o -``."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    for target in (str(link), "-"):
        proc = subprocess.run([sys.executable, "-m", "controlcheck", "check", "--facts", str(FACTS),
                               "--format", "json", "-o", target], cwd=REPO, capture_output=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert json.loads(proc.stdout)["findings"], target
    assert link.is_symlink()


@pytest.mark.parametrize("case", ["directory", "parent is a file", "disk full"])
def test_an_output_the_environment_refuses_is_one_line_and_exit_4(tmp_path, case):
    if case == "directory":
        target = tmp_path / "out"
        target.mkdir()
        expected = "is a directory"
    elif case == "parent is a file":
        (tmp_path / "afile").write_text("")
        target = tmp_path / "afile" / "results.json"
        expected = "afile"
    else:
        target = tmp_path / "full"
        target.symlink_to("/dev/full")          # every write: ENOSPC, as on a full disk
        expected = "No space left on device"
    code, out, err = run_cli("check", "--facts", str(FACTS), "--format", "json", "-o", str(target))
    assert code == 4, err
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert _leftovers(tmp_path) == []


def test_write_atomic_removes_its_temporary_file_when_the_rename_fails(tmp_path):
    (tmp_path / "report.html").mkdir()
    with pytest.raises(EnvironmentStopped):
        write_atomic(tmp_path / "report.html", "<html/>")
    assert _leftovers(tmp_path) == []


def test_a_report_streamed_into_its_file_is_whole_or_absent(tmp_path):
    def stops_half_way(out):
        out.write("{\n" * 100_000)
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_atomic_stream(tmp_path / "results.json", stops_half_way)
    assert list(tmp_path.iterdir()) == []
    write_atomic_stream(tmp_path / "results.json", lambda out: out.write("é\r\n"))
    assert (tmp_path / "results.json").read_bytes() == "é\r\n".encode()     # UTF-8, newlines as written


def test_collect_into_a_folder_under_a_file_is_exit_4(tmp_path):
    (tmp_path / "afile").write_text("")
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("assets:\n  - {id: h1, kind: server, platform: linux, address: 127.0.0.1}\n")
    code, out, err = run_cli("collect", "-i", str(inventory), "-o", str(tmp_path / "afile" / "facts"))
    assert code == 4 and err.count("\n") == 1 and "Traceback" not in err, err


def _bundle_with_big_member(path, declared_size: int, real_size: int) -> None:
    """A self-consistent bundle (manifest digest right) whose one member is ``real_size``
    zero bytes, which deflate to almost nothing, listed with ``declared_size``."""
    import hashlib

    from controlcheck.reports.evidence import FORMAT, manifest_digest
    digest = hashlib.sha256()
    chunk = bytes(1 << 20)
    for _ in range(real_size // len(chunk)):
        digest.update(chunk)
    manifest = {"format": FORMAT, "version": 1, "files": {"facts/evidence/big.txt": {
        "sha256": digest.hexdigest(), "size": declared_size}}, "not_included": []}
    manifest["digest"] = manifest_digest(manifest)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        with zf.open("facts/evidence/big.txt", "w", force_zip64=True) as fh:
            for _ in range(real_size // len(chunk)):
                fh.write(chunk)


def test_verify_refuses_a_member_larger_than_its_manifest_entry(tmp_path):
    from controlcheck.reports.evidence import verify_bundle
    bundle = tmp_path / "bomb.zip"
    _bundle_with_big_member(bundle, declared_size=1000, real_size=64 << 20)
    assert bundle.stat().st_size < 1 << 20
    problems = verify_bundle(bundle)
    assert any("larger than its manifest entry of 1,000 bytes" in p for p in problems), problems


def test_verify_streams_members_in_bounded_memory(tmp_path):
    """A 256 MiB member listed with its true size verifies without being held in memory."""
    import tracemalloc

    from controlcheck.reports.evidence import verify_bundle
    bundle = tmp_path / "big.zip"
    _bundle_with_big_member(bundle, declared_size=256 << 20, real_size=256 << 20)
    tracemalloc.start()
    try:
        problems = verify_bundle(bundle)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problems == []
    assert peak < 32 << 20, f"peak {peak / 2**20:.0f} MiB"
