"""The sandbox's first process: PID 1 inside bubblewrap, it forks one child per test and makes
that child the program.

`sandbox.py` starts this script with the judge's own interpreter (`-s -S -B`, so it imports only
the standard library) inside bubblewrap, whose mount namespace holds nothing but the interpreter,
its standard library, the shared libraries they load, a fresh /proc and a few device nodes, all
read-only. Requests arrive on a SOCK_SEQPACKET socket: a JSON header with the limits, and as
passed file descriptors the program's source (a sealed memfd), its input (a sealed memfd) and
the write ends of the judge's stdout and stderr pipes. No path the program could control is ever
opened by anyone but the program itself. Where the judge has cgroups, it has put this process in
them, so every child is born there (moving a process between cgroup v1 groups waits for an RCU
grace period, about 15 ms: too slow once per test).

Why a fork per test, set up like this (in `become_program`):
- The child makes itself the out-of-memory killer's first choice (oom_score_adj 1000, and as
  root also its floor), so that a program near its memory limit never gets this server killed;
  and when the sandbox runs as real root it becomes an unprivileged uid (65534): the program never
  has the uid of this server, so it can neither signal, renice nor prlimit it.
- It enters a new user, mount, IPC and UTS namespace. The new user namespace gives it fresh user
  and session keyrings and makes every inherited mount locked; the new mount namespace gets a
  fresh, size- and inode-bounded tmpfs on /tmp (the program's work directory). When the last
  process of the program dies, the kernel destroys these namespaces and frees the tmpfs: nothing
  a program made, however deep or odd, survives it or needs cleaning up by walking paths.
- It drops every capability (bounding set, ambient set, locked securebits), sets the rlimits, sets
  no_new_privs and installs a seccomp filter (x86-64) that refuses namespaces, mounts, keyrings,
  ptrace, bpf, io_uring, perf, non-IP/Unix sockets (vsock reaches the host of a VM), and changing
  another process's rlimits, priority or scheduling.
- Then it runs the program in this same interpreter (no interpreter start per test: that is what
  makes hundreds of executions per second possible) and mimics a normal interpreter exit
  (non-daemon threads joined, atexit handlers run, streams flushed).

While the program runs this process reaps every process that dies (as the namespace's init it
inherits orphans) and sums their CPU time from wait4: after the program ends it kills every
other process in the namespace and reaps them too, so the CPU time reported covers every process
the program started, waited for or not. Every 0.1 s it also adds up the CPU time of the live
processes (/proc/*/stat) and stops the program once the total exceeds the cap the judge set
(twice the limit: the judge re-runs programs between the limit and the cap); the wall-clock
backstop counts only time in which the program was not waiting for a CPU (the run-queue wait in
/proc/*/task/*/schedstat is subtracted), so a loaded machine does not turn a CPU-bound program's
verdict into a time limit, while a sleeping program still reaches it.

Signals: PID 1 of a PID namespace receives from inside it only the signals it handles; this
process handles SIGCHLD (a wake-up) and nothing else, so a program cannot stop it.
"""

import atexit
import ctypes
import gc
import io
import json
import linecache
import os
import platform
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback
import types

MEMORY_EXIT = 102  # exit status of a program that raised MemoryError (as in sandbox.py)
TICK_S = 0.1
CLK_TCK = os.sysconf("SC_CLK_TCK")

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x04000000, 0x08000000, 0x10000000
MS_NOSUID, MS_NODEV = 2, 4
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 4, 24, 28
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 22, 47, 4
SECCOMP_MODE_FILTER = 2
# NOROOT, NO_SETUID_FIXUP, KEEP_CAPS and NO_CAP_AMBIENT_RAISE, each with its lock: root regains no
# capability on exec, and nothing can undo that.
SECURE_BITS = 0b11101111
CAPABILITY_VERSION_3 = 0x20080522
KEYCTL_JOIN_SESSION_KEYRING = 1

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.syscall.restype = ctypes.c_long
UL = ctypes.c_ulong


def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


# --- seccomp ------------------------------------------------------------------------------------

X86_64 = {
    "arch": 0xC000003E,
    # refused outright (EPERM): namespaces, mounts, keyrings, tracing, kernel interfaces a judged
    # program never needs and that widen what it can reach
    "deny": {
        272: "unshare", 308: "setns", 165: "mount", 166: "umount2", 155: "pivot_root", 161: "chroot",
        428: "open_tree", 429: "move_mount", 430: "fsopen", 431: "fsconfig", 432: "fsmount", 433: "fspick",
        442: "mount_setattr", 248: "add_key", 249: "request_key", 250: "keyctl", 101: "ptrace",
        310: "process_vm_readv", 311: "process_vm_writev", 312: "kcmp", 438: "pidfd_getfd", 321: "bpf",
        298: "perf_event_open", 323: "userfaultfd", 425: "io_uring_setup", 426: "io_uring_enter",
        427: "io_uring_register", 246: "kexec_load", 320: "kexec_file_load", 175: "init_module",
        313: "finit_module", 176: "delete_module", 169: "reboot", 167: "swapon", 168: "swapoff", 163: "acct",
        179: "quotactl", 103: "syslog", 153: "vhangup", 212: "lookup_dcookie", 303: "name_to_handle_at",
        304: "open_by_handle_at", 172: "iopl", 173: "ioperm", 300: "fanotify_init",
    },
    "clone3": 435,  # ENOSYS: its flags are out of a filter's reach; glibc falls back to clone
    "clone": 56,
    "socket": 41,
    "socketpair": 53,
    # allowed only on the calling process (argument index -> required value)
    "self_only": {
        302: {0: 0},  # prlimit64(pid=0)
        141: {0: 0, 1: 0},  # setpriority(PRIO_PROCESS, 0)
        251: {0: 1, 1: 0},  # ioprio_set(IOPRIO_WHO_PROCESS, 0)
        203: {0: 0},  # sched_setaffinity(0)
        142: {0: 0},  # sched_setparam(0)
        144: {0: 0},  # sched_setscheduler(0)
        314: {0: 0},  # sched_setattr(0)
    },
}
NAMESPACE_FLAGS = 0x7E020000 | 0x80  # CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET,TIME}
AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
EPERM, ENOSYS, EAFNOSUPPORT = 1, 38, 97


def seccomp_program():
    """The filter as bytes (struct sock_filter[]), or None on architectures without a table."""
    if platform.machine() != "x86_64":
        return None
    t = X86_64
    LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06
    ALLOW, ERRNO, KILL = 0x7FFF0000, 0x00050000, 0x80000000
    code = []  # (op, k, jt, jf) with jt/jf labels or None (fall through)
    labels = {}

    def emit(op, k, jt=None, jf=None):
        code.append((op, k, jt, jf))

    def label(name):
        labels[name] = len(code)

    emit(LD, 4)  # seccomp_data.arch
    emit(JEQ, t["arch"], None, "kill")
    emit(LD, 0)  # seccomp_data.nr
    emit(JSET, 0x40000000, "enosys", None)  # the x32 ABI
    for nr in sorted(t["deny"]):
        emit(JEQ, nr, "eperm", None)
    emit(JEQ, t["clone3"], "enosys", None)
    emit(JEQ, t["clone"], "clone", None)
    emit(JEQ, t["socket"], "socket", None)
    emit(JEQ, t["socketpair"], "socketpair", None)
    for nr in sorted(t["self_only"]):
        emit(JEQ, nr, f"self{nr}", None)
    emit(RET, ALLOW)
    label("clone")
    emit(LD, 16)  # low half of args[0]
    emit(JSET, NAMESPACE_FLAGS, "eperm", "allow")
    label("socket")
    emit(LD, 16)
    emit(JEQ, AF_UNIX, "allow", None)
    emit(JEQ, AF_INET, "allow", None)
    emit(JEQ, AF_INET6, "allow", "eafnosupport")
    label("socketpair")
    emit(LD, 16)
    emit(JEQ, AF_UNIX, "allow", "eafnosupport")
    for nr, wanted in sorted(t["self_only"].items()):
        label(f"self{nr}")
        for index, value in sorted(wanted.items()):
            emit(LD, 16 + 8 * index)  # low half: these arguments are C ints
            emit(JEQ, value, None, "eperm")
        emit(RET, ALLOW)
    label("allow")
    emit(RET, ALLOW)
    label("eperm")
    emit(RET, ERRNO | EPERM)
    label("enosys")
    emit(RET, ERRNO | ENOSYS)
    label("eafnosupport")
    emit(RET, ERRNO | EAFNOSUPPORT)
    label("kill")
    emit(RET, KILL)

    out = b""
    for i, (op, k, jt, jf) in enumerate(code):
        offsets = [labels[x] - i - 1 if x is not None else 0 for x in (jt, jf)]
        if not all(0 <= o < 256 for o in offsets):
            raise ValueError("seccomp jump out of range")
        out += struct.pack("HBBI", op, offsets[0], offsets[1], k)
    return out


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


# --- the child ----------------------------------------------------------------------------------


def write_file(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter_namespaces(limits):
    """A user namespace (fresh keyrings, owner of the rest), private mounts with a fresh /tmp,
    private System V IPC and hostname."""
    uid, gid = os.getuid(), os.getgid()
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    write_file("/proc/self/setgroups", "deny")
    write_file("/proc/self/uid_map", f"{uid} {uid} 1")
    write_file("/proc/self/gid_map", f"{gid} {gid} 1")
    data = f"size={limits['disk_mb']}m,nr_inodes={limits['inodes']},mode=0700".encode()
    check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, data), "mount /tmp")
    os.chdir("/tmp")
    # A new anonymous session keyring: the one inherited is the server's.
    libc.syscall(UL(250), UL(KEYCTL_JOIN_SESSION_KEYRING), UL(0))


def drop_capabilities():
    check(libc.prctl(PR_SET_SECUREBITS, UL(SECURE_BITS), UL(0), UL(0), UL(0)), "securebits")
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, UL(capability), UL(0), UL(0), UL(0)) != 0:
            break  # past the last capability this kernel knows
    libc.prctl(PR_CAP_AMBIENT, UL(PR_CAP_AMBIENT_CLEAR_ALL), UL(0), UL(0), UL(0))
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    nothing = (ctypes.c_uint32 * 6)()
    check(libc.capset(header, nothing), "capset")


def set_limit(name, soft, hard):
    if not hasattr(resource, name):
        return
    resource_id = getattr(resource, name)
    _, ceiling = resource.getrlimit(resource_id)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(resource_id, (soft, hard))


def set_limits(limits):
    cpu = max(1, int(limits["cpu_cap_s"] + 0.999)) + 1  # a backstop: the server stops the group first
    memory = limits["memory_mb"] << 20
    for name, value in (
        ("RLIMIT_CPU", (cpu, cpu + 1)),
        ("RLIMIT_AS", (memory, memory)),
        ("RLIMIT_STACK", (memory, memory)),
        ("RLIMIT_FSIZE", (limits["disk_mb"] << 20, limits["disk_mb"] << 20)),
        ("RLIMIT_NPROC", (limits["processes"], limits["processes"])),
        ("RLIMIT_NOFILE", (256, 256)),
        ("RLIMIT_CORE", (0, 0)),
        ("RLIMIT_MEMLOCK", (0, 0)),
        ("RLIMIT_MSGQUEUE", (0, 0)),
        ("RLIMIT_RTPRIO", (0, 0)),
    ):
        set_limit(name, *value)


def install_seccomp(program):
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, UL(1), UL(0), UL(0), UL(0)), "no_new_privs")
    if program is None:
        return
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    check(libc.prctl(PR_SET_SECCOMP, UL(SECCOMP_MODE_FILTER), ctypes.byref(fprog), UL(0), UL(0)), "seccomp")


def read_all(fd):
    size, chunks, offset = os.fstat(fd).st_size, [], 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def become_program(config, limits, fds, status_w, filter_program):
    """In the forked child: set up, then run the program; never returns."""
    try:
        source_fd, stdin_fd, stdout_fd, stderr_fd = fds
        signal.set_wakeup_fd(-1)
        os.setsid()
        check(libc.prctl(PR_SET_DUMPABLE, UL(1), UL(0), UL(0), UL(0)), "dumpable")  # its own /proc files
        # The first the out-of-memory killer picks, before this server; as root, with
        # CAP_SYS_RESOURCE, this is also the lowest the program can set it back to.
        write_file("/proc/self/oom_score_adj", "1000")
        if config["program_uid"] is not None:
            os.setgroups([])
            os.setresgid(config["program_gid"], config["program_gid"], config["program_gid"])
            os.setresuid(config["program_uid"], config["program_uid"], config["program_uid"])
        check(libc.prctl(PR_SET_DUMPABLE, UL(1), UL(0), UL(0), UL(0)), "dumpable")  # reset by setuid
        check(libc.prctl(PR_SET_PDEATHSIG, UL(signal.SIGKILL), UL(0), UL(0), UL(0)), "pdeathsig")
        enter_namespaces(limits)
        source = read_all(source_fd)
        for fd, target in ((stdin_fd, 0), (stdout_fd, 1), (stderr_fd, 2)):
            os.dup2(fd, target)
        keep = status_w
        os.closerange(3, keep)
        os.closerange(keep + 1, 1 << 20)
        drop_capabilities()
        set_limits(limits)
        install_seccomp(filter_program)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.write(status_w, b"ok")
        os.close(status_w)
    except BaseException as err:  # the setup failed: say why, on the status pipe
        try:
            os.write(status_w, f"setup failed: {err!r}".encode()[:4000])
        finally:
            os._exit(125)
    run_program(source)


def run_program(source):
    """Run the program as `python solution.py` would, then exit with its status."""
    try:
        os.environ.clear()
        sys.stdin = sys.__stdin__ = io.open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stdout = sys.__stdout__ = io.open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stderr = sys.__stderr__ = io.open(
            2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1
        )
        sys.argv = ["solution.py"]
        sys.path[:] = [p for p in sys.path if p and not p.startswith("/.sandbox")]
        text = source.decode("utf-8", errors="replace")
        linecache.cache["solution.py"] = (len(text), None, text.splitlines(True), "solution.py")
        main = types.ModuleType("__main__")
        main.__file__ = "solution.py"
        main.__builtins__ = __builtins__
        sys.modules["__main__"] = main
        status = 0
        try:
            exec(compile(source, "solution.py", "exec"), main.__dict__)
        except SystemExit as stop:
            status = exit_status(stop)
        except MemoryError:
            status = MEMORY_EXIT
        except BaseException:
            traceback.print_exc()
            status = 1
        try:
            threading = sys.modules.get("threading")
            if threading is not None:
                threading._shutdown()  # join non-daemon threads, as interpreter exit does
            atexit._run_exitfuncs()
        except SystemExit as stop:
            status = exit_status(stop)
        except MemoryError:
            status = MEMORY_EXIT
        except BaseException:
            status = status or 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                status = status or 1  # e.g. a broken pipe: the judge stopped reading
        os._exit(status)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except BaseException as err:
        try:
            os.write(2, f"sandbox: {err!r}\n".encode())
        finally:
            os._exit(1)


def exit_status(stop):
    if stop.code is None or isinstance(stop.code, int):
        return (stop.code or 0) & 0xFF
    try:
        print(stop.code, file=sys.stderr)
    except BaseException:
        pass
    return 1


# --- the server ---------------------------------------------------------------------------------


def other_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and name != "1"]


def live_usage(with_wait):
    """CPU seconds of every live (or zombie) process but this one, with what they reaped; and,
    when asked, the seconds their threads spent waiting for a CPU."""
    cpu = wait = 0.0
    for pid in other_pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            cpu += sum(int(x) for x in fields[11:15]) / CLK_TCK  # utime stime cutime cstime
            if with_wait:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                        wait += int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return cpu, wait


class Execution:
    def __init__(self, child):
        self.child = child
        self.status = None
        self.usage = None
        self.cpu = 0.0
        self.max_rss_kb = 0

    def reap(self, block):
        """Reap dead processes, adding up their CPU time; with `block`, until none are left."""
        while True:
            try:
                pid, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return
            self.cpu += usage.ru_utime + usage.ru_stime
            self.max_rss_kb = max(self.max_rss_kb, usage.ru_maxrss)
            if pid == self.child:
                self.status = status


def kill_everything_but_me(execution, wake_r, patience_s=10.0):
    """kill(-1) from a namespace's init reaches every other process in it; repeat until none is
    left, since a process may fork between the signal and the reaping. False if some survive."""
    waiter = select.poll()
    waiter.register(wake_r, select.POLLIN)
    give_up = time.monotonic() + patience_s
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        execution.reap(block=False)
        if not other_pids():
            return True
        if time.monotonic() > give_up:
            return False
        if waiter.poll(5):
            drain(wake_r)


def run_test(sock, config, request, fds, filter_program, wake_r):
    limits = request["limits"]
    status_r, status_w = os.pipe()
    child = os.fork()
    if child == 0:
        become_program(config, limits, fds, status_w, filter_program)
    os.close(status_w)
    for fd in fds:
        os.close(fd)
    execution = Execution(child)
    start = time.monotonic()
    poller = select.poll()
    poller.register(wake_r, select.POLLIN)
    poller.register(sock.fileno(), select.POLLIN)
    stopped, waited, next_check = None, 0.0, start + TICK_S
    cpu_limit, wall_s, wall_cap = limits["cpu_cap_s"], limits["wall_s"], limits["wall_cap_s"]
    while True:
        execution.reap(block=False)
        if execution.status is not None:
            break
        events = poller.poll(max(0.0, next_check - time.monotonic()) * 1000)
        for fd, _ in events:
            if fd == wake_r:
                drain(wake_r)
            else:
                news = message(sock)
                if news is not None and (not news or news.get("kill")):
                    stopped = "judge"  # asked to stop (the output limit), or the judge is gone
        if stopped:
            break
        now = time.monotonic()
        if now < next_check:
            continue
        elapsed = now - start
        live_cpu, wait = live_usage(with_wait=elapsed >= wall_s)
        waited = max(waited, wait)
        if execution.cpu + live_cpu > cpu_limit:
            stopped = "cpu"
            break
        if elapsed - waited >= wall_s or elapsed >= wall_cap:
            stopped = "wall"
            break
        next_check = now + TICK_S
    elapsed = time.monotonic() - start
    survivors = not kill_everything_but_me(execution, wake_r)
    setup = os.read(status_r, 4096)
    os.close(status_r)
    report = {
        "exit": None, "signal": None, "cpu_s": execution.cpu, "max_rss_mb": execution.max_rss_kb / 1024,
        "stopped": stopped, "wall_s": elapsed, "waited_s": waited, "setup_error": None, "survivors": survivors,
    }
    if setup != b"ok":
        report["setup_error"] = setup.decode(errors="replace") or "the child died during its setup"
    if execution.status is not None:
        code = os.waitstatus_to_exitcode(execution.status)
        report["exit" if code >= 0 else "signal"] = abs(code)
    return report


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def message(sock):
    """The next message from the judge without its fds: None when there is none, {} when the
    judge is gone."""
    try:
        data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 16, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return None
    except OSError:
        return {}
    for fd in fds:
        os.close(fd)
    try:
        return json.loads(data) if data else {}
    except ValueError:
        return {}


def tamper_state():
    """What a program might change in this process from outside it (it should not be able to)."""
    limits = [resource.getrlimit(getattr(resource, n)) for n in dir(resource) if n.startswith("RLIMIT_")]
    return [limits, os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)), os.sched_getscheduler(0)]


def main():
    config = json.loads(sys.argv[1])
    sock = socket.socket(fileno=config["socket"])
    for sig in signal.valid_signals():
        if sig not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            try:
                signal.signal(sig, signal.SIG_IGN if sig in (signal.SIGPIPE, signal.SIGXFSZ) else signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    libc.prctl(PR_SET_DUMPABLE, UL(0), UL(0), UL(0), UL(0))
    try:
        filter_program = seccomp_program()
    except ValueError:
        filter_program = None
    before = tamper_state()
    # Everything allocated so far is shared with every child: keep the collector off those pages,
    # so that children do not copy them (copy-on-write) by merely traversing them.
    gc.freeze()
    sock.send(json.dumps({"ready": True, "seccomp": filter_program is not None, "uid": os.getuid()}).encode())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 16)
        except InterruptedError:
            continue
        if not data:
            return
        request = json.loads(data)
        if "limits" not in request:
            for fd in fds:
                os.close(fd)
            continue  # a late "kill" for a program already finished
        report = run_test(sock, config, request, fds, filter_program, wake_r)
        after = tamper_state()
        report["tampered"] = None if after == before else f"server attributes changed: {before} -> {after}"
        sock.send(json.dumps(report).encode())


if __name__ == "__main__":
    main()
