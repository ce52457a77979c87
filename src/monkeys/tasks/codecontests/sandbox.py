"""Run a model-written Python program on stdin/stdout tests, isolated and resource-limited.

Isolation comes from Linux namespaces, entered with util-linux `unshare` (present on any Linux, no
root, no daemon): a user namespace (root inside, nobody special outside), no network (an empty
network namespace), a PID namespace (when it ends, the kernel kills every process the program
started, whatever it did to escape its process group), a mount namespace where every mount is
read-only except the sandbox's work directory, and private IPC. Inside, `sandbox_init` runs each
test in a forked child without capabilities and with resource limits: CPU time (which decides
time limits, so verdicts do not depend on machine load), address space, output file size,
process count, no core dumps; a wall-clock backstop catches programs that sleep. After every test
it kills every process left in the namespace, and between programs the work directory is
emptied, so one program cannot affect the next.

We chose namespaces over seccomp because they need no compiled filter or extra package, and over
a container per execution because that is far too slow: each worker thread keeps one sandbox
process, which forks once per test.

Where unprivileged user namespaces are disabled, `SandboxUnavailable` says so: programs are never
run without isolation.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from monkeys.errors import VerifierUnavailable
from monkeys.workers import PerThread, read_json

log = logging.getLogger(__name__)

INIT = Path(__file__).with_name("sandbox_init.py")
UNSHARE = ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child",
           "--mount-proc", "--net", "--ipc"]
MEMORY_EXIT = 102  # as in sandbox_init
SIGNALS_OF = {"time limit": {signal.SIGXCPU}, "output limit": {signal.SIGXFSZ}}


class SandboxUnavailable(VerifierUnavailable):
    """This machine cannot isolate programs."""


@dataclass(frozen=True)
class Limits:
    cpu_s: float = 2.0
    memory_mb: int = 256
    output_mb: int = 64
    processes: int = 64
    # Wall-clock backstop per test, as a multiple of the CPU limit (plus one second): only programs
    # that wait (sleep, block) reach it, so a loaded machine does not flip verdicts.
    wall_factor: float = 3.0

    @property
    def wall_s(self) -> float:
        return self.wall_factor * self.cpu_s + 1.0


@dataclass(frozen=True)
class Result:
    """The first failing test's reason ("passed" when none failed) and what was measured."""

    reason: str
    tests_run: int
    cpu_s: float = 0.0
    detail: str = ""


@cache
def sandbox_unavailable() -> str | None:
    """Why programs cannot be isolated here, or None."""
    if shutil.which("unshare") is None:
        return "the `unshare` command (util-linux) is not installed"
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True)
    if probe.returncode:
        return (f"`unshare` cannot create namespaces ({probe.stderr.strip()}); unprivileged user namespaces "
                "may be disabled (sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)")
    return None


def classify(report: dict, limits: Limits, stdout_bytes: int) -> str | None:
    """A failure reason from one execution report, or None when the program exited cleanly."""
    sig = report["signal"]
    if report["timed_out"] or sig in SIGNALS_OF["time limit"] or (report["cpu_s"] or 0) > limits.cpu_s:
        return "time limit"
    if sig == signal.SIGKILL and report["cpu_s"] >= int(limits.cpu_s + 0.999):
        return "time limit"  # the hard RLIMIT_CPU
    if sig in SIGNALS_OF["output limit"] or stdout_bytes >= limits.output_mb << 20:
        return "output limit"
    if report["exit"] == MEMORY_EXIT or (report["max_rss_mb"] or 0) >= limits.memory_mb:
        return "memory limit"
    if sig is not None or report["exit"] != 0:
        return "runtime error"
    return None


def run_tests(
    program: str,
    inputs: Sequence[str],
    accept: Callable[[int, str], bool],
    limits: Limits = Limits(),
) -> Result:
    """Run `program` on each input in turn, stopping at the first failure.

    `accept(i, stdout)` judges the output of test i; expected outputs stay outside the sandbox.
    """
    sandbox = _sandbox_of_this_thread(limits)
    work = Path(tempfile.mkdtemp(dir=sandbox.root))
    try:
        (work / "solution.py").write_text(program)
        for i, text in enumerate(inputs):
            (work / f"input{i}").write_text(text)
        cpu = 0.0
        for i in range(len(inputs)):
            report = sandbox.run(work.name, i, limits)
            if report is None:
                SANDBOXES.discard()
                return Result("time limit", i + 1, cpu, "the sandbox stopped answering")
            cpu += report["cpu_s"] or 0.0
            stdout = work / "stdout"
            size = stdout.stat().st_size if stdout.exists() else 0
            if failure := classify(report, limits, size):
                return Result(failure, i + 1, cpu, _tail(work / "stderr"))
            if not accept(i, stdout.read_text(errors="replace")):
                return Result("wrong answer", i + 1, cpu)
        return Result("passed", len(inputs), cpu)
    finally:
        sandbox.clear()


def _tail(path: Path, size: int = 400) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - size))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _sandbox_of_this_thread(limits: Limits) -> _Sandbox:
    if why := sandbox_unavailable():
        raise SandboxUnavailable(f"cannot run programs safely: {why}")
    return SANDBOXES.get(limits.processes)


class _Sandbox:
    """One `sandbox_init` process serving test requests over a pair of pipes."""

    def __init__(self, processes: int):
        self.root = Path(tempfile.mkdtemp(prefix="monkeys-sandbox-"))
        requests_r, self.requests = os.pipe()
        self.replies, replies_w = os.pipe()
        with open(self.root.with_suffix(".log"), "wb") as launcher_log:
            self.process = subprocess.Popen(
                [*UNSHARE, sys.executable, "-I", "-S", str(INIT), str(self.root), str(processes), str(requests_r), str(replies_w)],
                pass_fds=(requests_r, replies_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=launcher_log,
                cwd=self.root,
                start_new_session=True,
            )
        os.close(requests_r)
        os.close(replies_w)
        self.buffer = b""
        self.closed = False
        hello = self._reply(timeout=30.0)
        if hello is None or hello["stuck_mounts"]:
            why = _tail(self.root.with_suffix(".log")) if hello is None else f"read-write mounts: {hello['stuck_mounts']}"
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start: {why}")
        if not hello["pid_max"] and os.geteuid() == 0:
            log.warning("this kernel has no per-namespace pid_max and root ignores RLIMIT_NPROC: a fork bomb "
                        "fills the process table until the wall-clock limit; run as an ordinary user")

    def run(self, directory: str, index: int, limits: Limits) -> dict | None:
        request = {"dir": directory, "test": index, "limits": {**asdict(limits), "wall_s": limits.wall_s}}
        os.write(self.requests, (json.dumps(request) + "\n").encode())
        return self._reply(timeout=limits.wall_s + 10.0)

    def _reply(self, timeout: float) -> dict | None:
        reply, self.buffer = read_json(self.replies, self.buffer, b"\n", timeout)
        return reply

    def clear(self) -> None:
        """Empty the work directory: what one program wrote is gone before the next runs."""
        for entry in self.root.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()

    def alive(self) -> bool:
        return not self.closed and self.process.poll() is None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        os.close(self.requests)
        os.close(self.replies)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        # The PID namespace dies with its first process; killing the group makes sure of it.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.with_suffix(".log").unlink(missing_ok=True)


SANDBOXES: PerThread[_Sandbox] = PerThread(_Sandbox)
