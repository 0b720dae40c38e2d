"""Workers end when their supervisor does.

A worker that outlives its supervisor keeps serving whatever rules it loaded, nobody reloads or
replaces it, and it keeps its share of the port (SO_REUSEPORT), so a new server started on the
same address would silently split connections with it. Two independent mechanisms end it:

* **Parent-death signal (Linux).** ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` as the worker's very
  first act: the kernel kills the worker when the supervisor's spawning thread ends, however it
  ends (SIGKILL and the OOM killer included), and even when the worker itself is hung holding
  the GIL or stopped, where no code of ours could run. SIGKILL rather than SIGTERM because a
  graceful drain is pointless without a supervisor: nobody would replace the worker afterwards.
  The setting only covers a parent that dies *after* it is made, so the worker then compares
  ``os.getppid()`` with the supervisor's pid it was given and exits at once if they differ.
  The kernel ties the signal to the parent *thread*: the supervisor must start workers from its
  main thread (it does), or they would die with the helper thread.
* **A lifeline pipe (anywhere).** The supervisor makes a pipe and keeps the only write end; each
  worker gets the read end and a daemon thread blocks reading it. It never carries data: when the
  supervisor's process ends the kernel closes the write end, the read sees end-of-file and the
  worker logs ``worker.orphaned`` and exits with :data:`ORPHANED` without draining. This works
  where ``prctl`` does not (other systems, a seccomp profile refusing it), but needs the worker's
  interpreter to run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext

__all__ = ["Lifeline", "hold", "watch", "ORPHANED", "parent_death_signal"]

ORPHANED = 5  # a worker's exit code when it found its supervisor gone
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Lifeline:
    """The supervisor's side: a pipe whose write end only this process holds, never written."""

    def __init__(self, ctx: BaseContext) -> None:
        self.reader, self._writer = ctx.Pipe(duplex=False)

    def close(self) -> None:
        self.reader.close()
        self._writer.close()


def parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent ends; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        result: int = libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(sig), ctypes.c_ulong(0), ctypes.c_ulong(0),
                                 ctypes.c_ulong(0))
        return result == 0
    except (OSError, AttributeError):
        return False


def hold(supervisor: int) -> None:
    """The worker's side, before anything else: die with ``supervisor`` (a pid)."""
    parent_death_signal()
    if supervisor and os.getppid() != supervisor:  # it died before the signal was armed
        os._exit(ORPHANED)


def watch(reader: Connection | None) -> None:
    """The worker's side, once its main thread is set up (a thread inherits its CPU pinning):
    exit when the supervisor's end of the lifeline closes."""
    if reader is not None:
        threading.Thread(target=_watch, args=(reader,), name="trivsel-lifeline", daemon=True).start()


def _watch(reader: Connection) -> None:
    try:
        while True:
            reader.recv_bytes()  # nothing is ever sent; returns only if someone writes by mistake
    except (EOFError, OSError):
        pass
    try:
        import structlog

        structlog.get_logger("trivsel").error("worker.orphaned", reason="supervisor gone")
    finally:
        os._exit(ORPHANED)
