"""Long-lived helper processes, one per judging thread.

Expensive verifiers keep a process alive between judgements (a sandbox that forks per test, a Lean
REPL that has imported Mathlib once). Each judging thread owns one; a worker that misbehaved is
discarded and the next judgement on that thread starts a fresh one. Every worker still open is
closed when the interpreter exits.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Worker(Protocol):
    def alive(self) -> bool: ...

    def close(self) -> None: ...


W = TypeVar("W", bound=Worker)


class PerThread(Generic[W]):
    """One worker per thread, made by `start(*args)` on first use, again after `discard()`, and
    again when a caller asks for one started with other arguments."""

    def __init__(self, start: Callable[..., W]):
        self._start = start
        self._local = threading.local()
        self._open: set[W] = set()
        self._lock = threading.Lock()
        atexit.register(self.close_all)

    def get(self, *args) -> W:
        worker = getattr(self._local, "worker", None)
        if worker is None or not worker.alive() or self._local.args != args:
            if worker is not None:
                self.discard()
            worker = self._start(*args)
            self._local.worker, self._local.args = worker, args
            with self._lock:
                self._open.add(worker)
        return worker

    def discard(self) -> None:
        """Close this thread's worker; the next `get()` starts a fresh one."""
        worker = getattr(self._local, "worker", None)
        self._local.worker = None
        if worker is not None:
            with self._lock:
                self._open.discard(worker)
            worker.close()

    def open_workers(self) -> list[W]:
        with self._lock:
            return list(self._open)

    def close_all(self) -> None:
        for worker in self.open_workers():
            worker.close()
        with self._lock:
            self._open.clear()
        self._local = threading.local()
