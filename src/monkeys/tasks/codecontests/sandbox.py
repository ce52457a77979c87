"""Run a model-written Python program on stdin/stdout tests, isolated and resource-limited.

What the program sees. Each judging thread keeps one long-lived sandbox: bubblewrap (`bwrap`,
Debian package `bubblewrap`) starting `sandbox_init.py` as PID 1 of new PID, network, IPC, UTS and
mount namespaces (and a user namespace when the judge is not root). Its filesystem is built from
nothing: the judge's own Python interpreter, its standard library (site-packages masked), the
shared libraries `ldd` says they load, /etc/ld.so.cache, a fresh /proc, /dev with null, zero,
random and urandom only, and /tmp; all read-only, no environment. No dataset, cache, home
directory, project file, memo, socket or other sandbox is there to be found. The server forks
once per test and the child becomes the program: new user, mount, IPC and UTS namespaces (fresh
keyrings, System V IPC and hostname), a fresh tmpfs on /tmp bounded in size and inodes (its work
directory, destroyed by the kernel with the namespace when the program's last process dies), no
capabilities, rlimits, no_new_privs, a seccomp filter (x86-64), and, when the judge is root, uid
65534, not the server's uid. `sandbox_init` gives the details and the reasons.

How the judge talks to it. Over a socket, passing file descriptors: the source and the input
as sealed memfds, the write ends of two pipes the judge reads, bounded (stdout up to the output
limit, exactly at the limit is fine; stderr drained, its tail kept for the verdict's detail, never
counted). The judge never opens a path
inside the sandbox, so a program's symlinks, FIFOs, directories or deep trees cannot reach it;
every wait has a deadline, and a sandbox that stops answering is killed (its PID namespace dies
with its first process) and replaced; a second failure on the same program stops the job.

Accounting. CPU time is summed over every process the program started, waited for or not (the
server is their reaper and adds up wait4's usage). As root with writable cgroup v1 `memory` and
`pids` controllers (this machine, most single hosts), each worker has its own memory cgroup (the
memory limit plus the /tmp allowance, covering forked children, memfds and tmpfs) and pids cgroup,
under the judge's own groups. Elsewhere (not root, or cgroup v2 only, which we could not test)
the fallback is stated by `accounting()`: processes are still capped exactly (RLIMIT_NPROC counts
per user namespace, and each program has its own); memory only per process (RLIMIT_AS), so N
processes may use N times the limit; files are bounded by the /tmp size, and memfds by
RLIMIT_FSIZE x RLIMIT_NOFILE.

Verdicts that do not flip under load. The time limit is on CPU time, never the wall clock: the
wall-clock backstop (for programs that sleep or block) does not count time spent waiting for a
CPU. CPU time itself inflates when other work shares the cores (here one program's runs took
from 0.53 to 0.94 s of CPU while other jobs ran), so the server stops a program at twice its
limit, and one that ended between the limit and twice it is judged on its CPU time divided by
the machine's current slowdown (the smaller of two runs of a calibration loop right after it,
against the fastest that loop ran in this process; at most 1.5), and re-run up to twice while
that is still over the limit. So a program that burns CPU time rather than doing work may pass
with up to 1.5 times its limit on a loaded machine, never more.

We chose bubblewrap over our own mount setup because it builds an empty root correctly as root
and as an ordinary user in 25 ms, and kept one fork server per thread because starting a
container per execution is far too slow. Where bwrap is missing or namespaces are disabled,
`SandboxUnavailable` says so: programs are never run without isolation.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from monkeys.errors import VerifierUnavailable
from monkeys.workers import PerThread

log = logging.getLogger(__name__)

INIT = Path(__file__).with_name("sandbox_init.py")
INIT_INSIDE = "/.sandbox/init.py"
MEMORY_EXIT = 102  # as in sandbox_init
PROGRAM_UID = 65534  # the uid programs run as when the judge is root ("nobody")
STDERR_TAIL = 400  # bytes of stderr kept for the verdict's detail
INODES = 4096  # files and directories a program may create in /tmp
# A program is stopped at CPU_CAP times its CPU limit; one that ends between the limit and the cap is
# judged on its CPU time over the machine's slowdown (at most MAX_SLOWDOWN), re-run up to RERUNS
# more times (see above).
CPU_CAP = 2.0
RERUNS = 2
MAX_SLOWDOWN = 1.5
CALIBRATION = b"for _ in range(1_500_000): pass"
F_SETPIPE_SZ = 1031
F_ADD_SEALS = 1033
SEALS = 0x1 | 0x2 | 0x4 | 0x8  # seal, shrink, grow, write


class SandboxUnavailable(VerifierUnavailable):
    """This machine cannot isolate programs."""


@dataclass(frozen=True)
class Limits:
    cpu_s: float = 2.0
    memory_mb: int = 256
    output_mb: int = 64  # stdout; stderr is drained and does not count
    processes: int = 64
    # Wall-clock backstop per test, as a multiple of the CPU limit (plus one second). Time spent
    # waiting for a CPU does not count, so only programs that wait (sleep, block) reach it.
    wall_factor: float = 3.0
    disk_mb: int = 64  # the program's /tmp (its work directory)

    @property
    def wall_s(self) -> float:
        return self.wall_factor * self.cpu_s + 1.0

    @property
    def wall_cap_s(self) -> float:
        """The absolute wall-clock limit, load or not."""
        return 3 * self.wall_s + 5.0


@dataclass(frozen=True)
class Result:
    """The first failing test's reason ("passed" when none failed) and what was measured."""

    reason: str
    tests_run: int
    cpu_s: float = 0.0
    detail: str = ""


class _Broken(Exception):
    """The sandbox stopped behaving as specified; it is discarded."""


# --- what the sandbox is built from -------------------------------------------------------------


@dataclass(frozen=True)
class _Environment:
    bwrap: str
    python: str
    binds: tuple[str, ...]  # read-only, each at its own path
    masks: tuple[str, ...]  # directories replaced by an empty read-only tmpfs
    root: bool


@cache
def _environment() -> _Environment:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap; RHEL/Fedora: dnf install bubblewrap)"
        )
    ldd = shutil.which("ldd")
    if ldd is None:
        raise SandboxUnavailable("`ldd` is not installed: cannot tell which shared libraries the interpreter needs")
    python = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    paths = sysconfig.get_paths()
    stdlib = os.path.realpath(paths["stdlib"])
    dynload = {os.path.realpath(d) for d in (sysconfig.get_config_var("DESTSHARED"), os.path.join(stdlib, "lib-dynload")) if d}
    binaries = [python] + sorted(
        os.path.join(d, name) for d in dynload if os.path.isdir(d) for name in os.listdir(d) if name.endswith(".so")
    )
    listed = subprocess.run([ldd, *binaries], capture_output=True, text=True, env={"LC_ALL": "C"}).stdout
    libraries = sorted({m.group(1) for m in re.finditer(r"(/\S+) \(0x[0-9a-f]+\)", listed)})
    binds = [python, stdlib, *sorted(d for d in dynload if not d.startswith(stdlib + os.sep)), *libraries]
    if os.path.exists("/etc/ld.so.cache"):
        binds.append("/etc/ld.so.cache")
    masks = [os.path.join(stdlib, d) for d in ("site-packages", "dist-packages") if os.path.isdir(os.path.join(stdlib, d))]
    return _Environment(bwrap, python, tuple(dict.fromkeys(binds)), tuple(masks), os.geteuid() == 0)


def _bwrap_argv(env: _Environment, config: dict) -> list[str]:
    argv = [env.bwrap, "--die-with-parent", "--new-session", "--as-pid-1", "--clearenv", "--setenv", "PYTHONHASHSEED", "0",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox"]
    if env.root:
        # Real root: no user namespace for the server, which keeps only the capabilities to hand
        # the program another uid, to kill it and to pin its oom_score_adj; the program then gets
        # its own user namespace, and no capability.
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_KILL", "--cap-add", "CAP_SYS_RESOURCE"]
    else:
        argv += ["--unshare-user", "--cap-drop", "ALL"]
    # Parents of what is bound, readable by the program (bwrap makes them 0700 when run as root).
    destinations = [*env.binds, INIT_INSIDE, "/dev/null", "/tmp/x", "/proc/x"]
    parents = sorted({str(p) for d in destinations for p in Path(d).parents if str(p) != "/"}, key=lambda p: (p.count("/"), p))
    for path in parents:
        argv += ["--perms", "0755", "--dir", path]
    for path in env.binds:
        argv += ["--ro-bind", path, path]
    for path in env.masks:
        argv += ["--tmpfs", path, "--remount-ro", path]
    argv += ["--proc", "/proc"]
    for device in ("null", "zero", "random", "urandom"):
        argv += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2"), ("shm", "/tmp")):
        argv += ["--symlink", target, f"/dev/{name}"]
    argv += ["--ro-bind", str(INIT), INIT_INSIDE, "--remount-ro", "/",
             "--chdir", "/", env.python, "-s", "-S", "-B", INIT_INSIDE, json.dumps(config)]
    return argv


# --- cgroups ------------------------------------------------------------------------------------


class _Cgroups:
    """This worker's cgroup v1 `memory` and `pids` groups, under the judge's own groups.

    One group per worker, holding the worker's server, whose children are born in it; reset before
    every execution (peak usage). Not one per execution: moving a process into a v1 group waits for
    an RCU grace period (~15 ms), and creating and removing memory cgroups hundreds of times a
    second leaves the kernel with thousands of dying groups. Nothing of a program survives it to be
    charged to the next one: its tmpfs and memfds are freed when its last process dies."""

    ROOT = Path("/sys/fs/cgroup")
    _counter = 0
    _lock = threading.Lock()

    def __init__(self):
        own = {}
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(","):
                own[controller] = path
        with _Cgroups._lock:
            _Cgroups._counter += 1
            name = f"monkeys-sandbox-{os.getpid()}-{_Cgroups._counter}"
        self.dirs: dict[str, Path] = {}
        self.memory_limit = None
        self.processes = None
        self.oom_kills = 0
        try:
            for controller in ("memory", "pids"):
                if controller not in own or not (self.ROOT / controller / "cgroup.procs").exists():
                    raise OSError(f"no cgroup v1 `{controller}` controller mounted at {self.ROOT / controller}")
                parent = self.ROOT / controller / own[controller].lstrip("/")
                _remove_stale(parent)
                directory = parent / name
                directory.mkdir()
                self.dirs[controller] = directory
        except BaseException:
            self.close()
            raise

    def join(self, pid: int) -> None:
        """Put the sandbox's server in the groups, once: the programs it forks are born there."""
        for directory in self.dirs.values():
            _write(directory / "cgroup.procs", pid)

    def prepare(self, limits: Limits) -> None:
        memory = (limits.memory_mb + limits.disk_mb) << 20
        if memory != self.memory_limit:
            swap = self.dirs["memory"] / "memory.memsw.limit_in_bytes"
            order = ["memory.limit_in_bytes", swap.name] if self.memory_limit is None or memory < self.memory_limit else [swap.name, "memory.limit_in_bytes"]
            for name in order:
                try:
                    _write(self.dirs["memory"] / name, memory)
                except OSError:
                    if name == "memory.limit_in_bytes":
                        raise
            self.memory_limit = memory
        _write(self.dirs["memory"] / "memory.max_usage_in_bytes", 0)
        if limits.processes != self.processes:
            _write(self.dirs["pids"] / "pids.max", limits.processes + 1)  # and the server
            self.processes = limits.processes
        self.oom_kills = self._oom_kills()

    def collect(self) -> dict:
        return {
            "oom_kills": self._oom_kills() - self.oom_kills,
            "peak_mb": int((self.dirs["memory"] / "memory.max_usage_in_bytes").read_text()) / (1 << 20),
            "processes": int((self.dirs["pids"] / "pids.current").read_text()) - 1,  # not the server
        }

    def _oom_kills(self) -> int:
        for line in (self.dirs["memory"] / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        for directory in self.dirs.values():
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)  # the last processes are still exiting
        self.dirs = {}


def _write(path: Path, value) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def _remove_stale(parent: Path) -> None:
    """Groups left by judges that died without closing their sandboxes."""
    for directory in parent.glob("monkeys-sandbox-*-*"):
        pid = directory.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            try:
                directory.rmdir()
            except OSError:
                pass


@cache
def _cgroups_unavailable() -> str | None:
    """Why this worker cannot have cgroups (None when it can)."""
    if os.geteuid() != 0:
        return "the judge is not root"
    try:
        _Cgroups().close()
    except OSError as err:
        return f"cgroup v1 memory/pids controllers are not writable here ({err})"
    return None


def accounting() -> str:
    """What bounds a program's resources on this machine."""
    if why := _cgroups_unavailable():
        return (f"rlimits only ({why}): CPU time summed over all processes; processes capped per program "
                "(RLIMIT_NPROC in its own user namespace); memory per process (RLIMIT_AS); /tmp bounded by tmpfs size")
    return ("cgroup v1: memory (limit + /tmp allowance) and process count over all of a program's processes; "
            "CPU time summed over all processes; /tmp bounded by tmpfs size")


# --- one sandbox per thread ---------------------------------------------------------------------


def _sealed_memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        fcntl.fcntl(fd, F_ADD_SEALS, SEALS)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


class _Sandbox:
    """One bubblewrap'd `sandbox_init` process serving executions over a socket."""

    def __init__(self):
        self.closed = True
        self.thread = threading.current_thread()
        _close_orphans()
        env = _environment()
        try:
            self.cgroups = None if _cgroups_unavailable() else _Cgroups()
        except OSError as err:
            raise SandboxUnavailable(f"cannot make this worker's cgroups: {err}") from err
        self.sock, inside = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = os.memfd_create("bwrap-log", os.MFD_CLOEXEC)
        config = {"socket": inside.fileno(), "program_uid": PROGRAM_UID if env.root else None,
                  "program_gid": PROGRAM_UID if env.root else None}
        try:
            self.process = subprocess.Popen(
                _bwrap_argv(env, config), pass_fds=(inside.fileno(),), stdin=subprocess.DEVNULL,
                stdout=self.log, stderr=self.log, start_new_session=True,
            )
        except OSError as err:
            self._release()
            raise SandboxUnavailable(f"cannot start bwrap: {err}") from err
        finally:
            inside.close()
        self.closed = False
        hello = self._receive(timeout=30.0)
        if not hello or not hello.get("ready"):
            why = self._log_text() or "no answer within 30 s"
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start: {why}")
        self.seccomp = hello["seccomp"]
        if self.cgroups:
            try:
                self.cgroups.join(self.server_pid())
            except (OSError, TypeError) as err:
                self.close()
                raise SandboxUnavailable(f"cannot put the sandbox in its cgroups: {err}") from err

    def _receive(self, timeout: float) -> dict | None:
        ready = select.poll()
        ready.register(self.sock, select.POLLIN)
        if not ready.poll(timeout * 1000):
            return None
        try:
            data = self.sock.recv(1 << 16)
            return json.loads(data) if data else None
        except (OSError, ValueError):
            return None

    def _log_text(self) -> str:
        try:
            return os.pread(self.log, 4000, 0).decode(errors="replace").strip()
        except OSError:
            return ""

    def execute(self, source_fd: int, text: str, limits: Limits) -> tuple[dict, bytes, bool, bytes, dict]:
        """Run the program once: (report, stdout, stdout over the limit, stderr tail, cgroup figures)."""
        stdin_fd = _sealed_memfd("input", text.encode())
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        try:
            fcntl.fcntl(out_r, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        header = {"limits": {
            "cpu_s": limits.cpu_s, "cpu_cap_s": CPU_CAP * limits.cpu_s, "memory_mb": limits.memory_mb, "disk_mb": limits.disk_mb, "inodes": INODES,
            "processes": limits.processes, "wall_s": limits.wall_s, "wall_cap_s": limits.wall_cap_s,
        }}
        try:
            if self.cgroups:
                self.cgroups.prepare(limits)
            socket.send_fds(self.sock, [json.dumps(header).encode()], [source_fd, stdin_fd, out_w, err_w])
        except OSError as err:
            for fd in (out_r, err_r):
                os.close(fd)
            raise _Broken(f"cannot send the request: {err}") from err
        finally:
            for fd in (stdin_fd, out_w, err_w):
                os.close(fd)
        report, stdout, exceeded, stderr = self._collect(out_r, err_r, limits)
        if report.get("survivors"):
            raise _Broken("processes of the program survived SIGKILL")
        figures = self.cgroups.collect() if self.cgroups else {}
        if figures.get("processes"):
            raise _Broken(f"{figures['processes']} processes outlived the program")
        return report, stdout, exceeded, stderr, figures

    def _collect(self, out_r: int, err_r: int, limits: Limits) -> tuple[dict, bytes, bool, bytes]:
        """Read stdout (bounded), stderr (tail) and the report, each with a deadline; closes both pipes."""
        open_pipes = {out_r, err_r}
        try:
            return self._read(open_pipes, out_r, err_r, limits)
        finally:
            for fd in open_pipes:
                os.close(fd)

    def _read(self, open_pipes: set[int], out_r: int, err_r: int, limits: Limits) -> tuple[dict, bytes, bool, bytes]:
        limit = limits.output_mb << 20
        stdout, stderr = bytearray(), b""
        exceeded, report = False, None
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
        poller = select.poll()
        for fd in (out_r, err_r, self.sock.fileno()):
            poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + limits.wall_cap_s + 15.0
        while report is None or open_pipes:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Broken("no report in time" if report is None else "the program's pipes stayed open after it ended")
            for fd, _ in poller.poll(left * 1000):
                if fd == self.sock.fileno():
                    try:
                        data = self.sock.recv(1 << 16)
                        report = json.loads(data) if data else None
                    except (OSError, ValueError) as err:
                        raise _Broken(f"the sandbox's answer was unreadable: {err!r}") from err
                    if not isinstance(report, dict):
                        raise _Broken(f"the sandbox closed its socket: {self._log_text()}")
                    poller.unregister(fd)
                    deadline = time.monotonic() + 5.0  # every writer is dead: the pipes close at once
                    continue
                try:
                    chunk = os.read(fd, 1 << 20)
                except BlockingIOError:
                    continue
                if fd == err_r and chunk:
                    stderr = (stderr + chunk)[-STDERR_TAIL:]
                    continue
                if fd == out_r and chunk and len(stdout) + len(chunk) <= limit:
                    stdout += chunk
                    continue
                if fd == out_r and chunk:
                    exceeded = True
                    try:
                        self.sock.send(b'{"kill": true}')
                    except OSError:
                        pass
                poller.unregister(fd)
                open_pipes.discard(fd)
                os.close(fd)
        return report, bytes(stdout), exceeded, stderr

    def server_pid(self) -> int | None:
        """The host pid of `sandbox_init` (bwrap's only child)."""
        bwrap = self.process.pid
        try:
            children = Path(f"/proc/{bwrap}/task/{bwrap}/children").read_text().split()
            return int(children[0]) if children else None
        except OSError:
            pass
        for name in os.listdir("/proc"):  # kernels without CONFIG_PROC_CHILDREN
            try:
                if name.isdigit() and int(Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[1]) == bwrap:
                    return int(name)
            except (OSError, IndexError, ValueError):
                continue
        return None

    def alive(self) -> bool:
        return not self.closed and self.process.poll() is None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        if self.process.poll() is None:
            # The PID namespace dies with its first process, which dies with bwrap.
            self.process.kill()
            self.process.wait()
        self._release()

    def _release(self) -> None:
        self.sock.close()
        if self.cgroups:
            self.cgroups.close()
        os.close(self.log)


SANDBOXES: PerThread[_Sandbox] = PerThread(_Sandbox)


def _close_orphans() -> None:
    """Close the sandboxes of threads that have ended (bwrap died with its thread: --die-with-parent
    follows the thread that started it), so their sockets and cgroups do not pile up."""
    for worker in SANDBOXES.open_workers():
        if not worker.thread.is_alive():
            worker.close()


class _Calibration:
    """The fastest CPU time of the calibration loop seen in this process: the quiet machine."""

    def __init__(self):
        self.fastest = float("inf")
        self.lock = threading.Lock()
        self.source = _sealed_memfd("calibration", CALIBRATION)

    def slowdown(self, sandbox: _Sandbox, runs: int = 2) -> float:
        """How much slower than its fastest the machine runs the loop now: the smaller of `runs`
        measurements (a momentary spike does not count), between 1 and MAX_SLOWDOWN."""
        ratios = []
        for _ in range(runs):
            report = sandbox.execute(self.source, "", Limits(cpu_s=10))[0]
            cpu = report["cpu_s"]
            if report["exit"] != 0 or not cpu:
                return 1.0
            with self.lock:
                self.fastest = min(self.fastest, cpu)
                ratios.append(cpu / self.fastest)
        return min(MAX_SLOWDOWN, max(1.0, min(ratios)))


CALIBRATION_RUNS = _Calibration()


@cache
def sandbox_unavailable() -> str | None:
    """Why programs cannot be isolated here, or None (after running one program in a sandbox)."""
    try:
        sandbox = _Sandbox()
    except SandboxUnavailable as err:
        return str(err)
    try:
        source = _sealed_memfd("solution", b"print(6 * int(input()))")
        try:
            report, stdout, _, stderr, _ = sandbox.execute(source, "7\n", Limits(cpu_s=5))
        finally:
            os.close(source)
    except (_Broken, OSError) as err:
        sandbox.close()
        return f"the sandbox does not work: {err}"
    if report.get("setup_error"):
        sandbox.close()
        hint = ""
        if "unshare" in report["setup_error"]:
            hint = (" (user namespaces may be disabled for unprivileged users: sysctl user.max_user_namespaces,"
                    " kernel.unprivileged_userns_clone, or an AppArmor restriction on them)")
        return f"programs cannot be confined here: {report['setup_error']}{hint}"
    if stdout.strip() != b"42":
        sandbox.close()
        return f"a trivial program failed in the sandbox: {report} {stderr.decode(errors='replace')}"
    try:
        CALIBRATION_RUNS.slowdown(sandbox, runs=3)
    except (_Broken, OSError) as err:
        return f"the sandbox does not work: {err}"
    finally:
        sandbox.close()
    return None


# --- verdicts -----------------------------------------------------------------------------------


def classify(report: dict, figures: dict, exceeded: bool, limits: Limits) -> str | None:
    """A failure reason from one execution, or None when the program exited cleanly."""
    sig, code = report["signal"], report["exit"]
    if exceeded:
        return "output limit"
    if report["stopped"] in ("cpu", "wall") or report["cpu_s"] > limits.cpu_s or sig == signal.SIGXCPU:
        return "time limit"
    if code == MEMORY_EXIT or figures.get("oom_kills") or report["max_rss_mb"] >= limits.memory_mb:
        return "memory limit"
    if sig == signal.SIGXFSZ:
        return "output limit"  # a file over the /tmp allowance
    if sig is not None or code != 0:
        return "runtime error"
    return None


def run_tests(
    program: str,
    inputs: Sequence[str],
    accept: Callable[[int, str], bool],
    limits: Limits = Limits(),
) -> Result:
    """Run `program` on each input in turn, stopping at the first failure.

    `accept(i, stdout)` judges the output of test i, here in the judge: expected outputs never
    enter the sandbox. A sandbox that breaks is replaced and the program judged again from its
    first test; a second break stops the job (`SandboxUnavailable`), never a verdict.
    """
    if why := sandbox_unavailable():
        raise SandboxUnavailable(f"cannot run programs safely: {why}")
    source = _sealed_memfd("solution", program.encode(errors="surrogatepass"))
    try:
        for attempt in range(2):
            try:
                return _judge(SANDBOXES.get(), source, inputs, accept, limits)
            except _Broken as err:
                SANDBOXES.discard()
                log.warning("sandbox broke (%s); starting a fresh one", err)
                if attempt:
                    raise SandboxUnavailable(f"the sandbox broke twice on the same program: {err}") from err
            except BaseException:
                SANDBOXES.discard()  # interrupted mid-test: its next answer would belong to this one
                raise
    finally:
        os.close(source)
    raise AssertionError("unreachable")


def _judge(sandbox: _Sandbox, source: int, inputs: Sequence[str], accept, limits: Limits) -> Result:
    cpu = 0.0
    for i, text in enumerate(inputs):
        for run in range(1 + RERUNS):
            report, stdout, exceeded, stderr, figures = sandbox.execute(source, text, limits)
            if report.get("setup_error"):
                SANDBOXES.discard()
                raise SandboxUnavailable(f"cannot confine programs: {report['setup_error']}")
            cpu += report["cpu_s"]
            failure = classify(report, figures, exceeded, limits)
            if failure != "time limit" or report["stopped"] is not None or report["cpu_s"] > CPU_CAP * limits.cpu_s:
                break
            # Between the limit and the cap: judged on its CPU time on the quiet machine.
            if report["cpu_s"] / CALIBRATION_RUNS.slowdown(sandbox) <= limits.cpu_s:
                failure = classify({**report, "cpu_s": 0.0}, figures, exceeded, limits)
                break
        detail = stderr.decode(errors="replace")
        if report.get("tampered"):
            SANDBOXES.discard()  # it should not be possible; if it happens, nothing of it stays
            return Result("runtime error", i + 1, cpu, f"the program changed its sandbox: {report['tampered']}")
        if failure:
            return Result(failure, i + 1, cpu, detail)
        if not accept(i, stdout.decode(errors="replace")):
            return Result("wrong answer", i + 1, cpu, detail)
    return Result("passed", len(inputs), cpu)
