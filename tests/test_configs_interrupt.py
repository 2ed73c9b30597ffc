"""Ctrl-C while saved configurations are parsed on several processes: one line, exit 130,
no worker traceback, and no worker left behind holding the caller's output pipes (a CI job
reading them would hang)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES, wait_until

CONFIG = FIXTURES / "devices" / "arista_eos" / "sw-eos-floor3-02" / "show_running-config.txt"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_during_parallel_parsing_leaves_no_worker_and_no_traceback(tmp_path):
    configs = tmp_path / "configs"
    configs.mkdir()
    text = CONFIG.read_text()
    # enough work that the interrupt lands while the workers parse: 600 of these configs
    # now parse in about a second, and a check that ends first exits 1, not 130
    for i in range(4000):
        (configs / f"sw-{i:04d}.cfg").write_text(text)
    for attempt in range(3):
        proc = subprocess.Popen(   # noqa: S603 - fixed argument list
            [sys.executable, "-m", "controlcheck", "check", "--configs", str(configs), "--jobs", "2",
             "--format", "json", "-o", str(tmp_path / "r.json")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=tmp_path)
        wait_until(lambda p=proc: len(_children(p.pid)) >= 2 or p.poll() is not None, "two parsing workers")
        assert proc.poll() is None, "the check ended before its workers could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)      # what a terminal's Ctrl-C does
        try:
            _, err = proc.communicate(timeout=120)   # hangs if a worker keeps the pipes open
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"attempt {attempt}: a worker outlived the check and held its output pipes")
        text_err = err.decode(errors="replace")
        assert proc.returncode == 130, text_err
        assert "Traceback" not in text_err
        assert len([line for line in text_err.splitlines() if line.strip()]) == 1, text_err
        wait_until(lambda p=proc: not _group_alive(p.pid), f"attempt {attempt}: workers gone after the check", 30)
