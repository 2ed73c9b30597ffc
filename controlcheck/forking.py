"""Forked worker processes that leave Ctrl-C to their parent and never outlive it.

A terminal's Ctrl-C sends SIGINT to the whole process group: every forked worker would
print its own traceback. A worker orphaned by its parent's exit idles on its task queue
holding the caller's output pipes, so a CI job reading them would hang. Workers are
therefore born with SIGINT blocked (:func:`sigint_blocked` around the fork, so none is
caught half-born), ignore it from :func:`worker_init` on, and ask the kernel to end them
when the parent dies."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from typing import Iterator

_PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread (and in what it forks or starts) for the block's duration."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_init(parent: int) -> None:
    """Initializer of a forked pool worker; ``parent`` is the pid of the process that forks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):   # not Linux: the parent's terminate() still ends us
        pass
    if os.getppid() != parent:          # the parent died before prctl took effect
        os._exit(1)
