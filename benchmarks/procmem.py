"""Memory of a process tree as the benchmarks measure it: the sum of the proportional set
sizes (PSS: pages shared by forked processes counted once) of a process and every process
below it, sampled by a thread so a peak between two calls is seen."""

from __future__ import annotations

import os
import threading
from collections import defaultdict


def pss(pid: int) -> int | None:
    """Proportional set size of ``pid`` in bytes: pages shared between a parent and its forked
    children count once in all (plain RSS would count them once per process)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def tree_pss_mib(root: int, exclude: set[int] = frozenset(), by_process: dict[str, float] | None = None) -> float:
    """Memory (PSS, else RSS) in MiB of ``root`` and every process below it, except ``exclude``
    and what runs below them; ``by_process`` (if given) gets each one's share by a short name."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children[int(fields[1])].append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in exclude:
            continue
        size = pss(pid) or rss.get(pid, 0)
        total += size
        if by_process is not None:
            by_process[_name(pid, root)] = by_process.get(_name(pid, root), 0) + size / 2**20
        todo.extend(children.get(pid, ()))
    return total / 2**20


def _name(pid: int, root: int) -> str:
    """``this``, or the module or script a Python child runs (its last arguments), else its program."""
    if pid == root:
        return "this process"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return f"pid {pid}"
    if "-m" in args[:-1]:
        return " ".join(args[args.index("-m") + 1:args.index("-m") + 3])
    if "-c" in args[:-1]:
        return "python -c " + args[args.index("-c") + 1].split(";")[0][:40]
    return os.path.basename(args[0]) if args else f"pid {pid}"


class PeakSampler(threading.Thread):
    """Samples :func:`tree_pss_mib` of this process every ``interval`` seconds; ``peak`` is the
    highest so far, ``by_phase`` the highest while ``phase`` had each value."""

    def __init__(self, exclude: set[int] = frozenset(), interval: float = 0.1):
        super().__init__(daemon=True)
        self.exclude = set(exclude)
        self.interval = interval
        self.peak = 0.0
        self.at_peak: dict[str, float] = {}       # MiB by process at the peak
        self.phase: str | None = None
        self.by_phase: dict[str, float] = defaultdict(float)
        self.at_phase_peak: dict[str, dict[str, float]] = {}
        self.stop = threading.Event()

    def sample(self) -> float:
        by_process: dict[str, float] = {}
        mib = tree_pss_mib(os.getpid(), self.exclude, by_process)
        if mib > self.peak:
            self.peak, self.at_peak = mib, by_process
        phase = self.phase or "other"
        if mib > self.by_phase[phase]:
            self.by_phase[phase], self.at_phase_peak[phase] = mib, by_process
        return mib

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "PeakSampler":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.join()


def breakdown(by_process: dict[str, float]) -> str:
    """``this process 250, controlcheck.reports.renderer pdf 95, ...``, largest first."""
    return ", ".join(f"{name} {mib:.0f}" for name, mib in sorted(by_process.items(), key=lambda kv: -kv[1]))
