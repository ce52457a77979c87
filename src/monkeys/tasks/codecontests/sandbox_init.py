"""The first process inside a sandbox: confine the namespace, then run programs on test inputs.

Started by `monkeys.sandbox` as PID 1 of fresh user, mount, PID, network and IPC namespaces, as a
script (`python -I -S`), so it imports nothing but the standard library. It makes every mount
read-only except its work directory, caps the number of processes, then serves requests on a
pipe, one JSON line each: run the program in directory `dir` on its `input{test}`. For each it
forks a child that enters a fresh IPC namespace, drops every capability (root inside the user
namespace could otherwise remount the filesystem writable), applies the resource limits and runs
the program; then it kills whatever the child left behind and reports one JSON line. Expected
outputs never enter the sandbox; the caller compares `stdout` itself.

The program runs in the forked child (no interpreter start per execution) and the sandbox serves
one program after another: that is what makes hundreds of executions per second possible.
"""

import ctypes
import json
import os
import resource
import signal
import sys

MEMORY_EXIT = 102  # exit status of a child whose program raised MemoryError
CLONE_NEWIPC = 0x08000000
RESERVED_PIDS = 300  # the kernel's
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 24, 28, 38
# NOROOT, NO_SETUID_FIXUP, KEEP_CAPS and NO_CAP_AMBIENT_RAISE, each with its lock: root regains no
# capability on exec, and nothing can undo that.
SECURE_BITS = 0b11101111
CAPABILITY_VERSION_3 = 0x20080522

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
# statvfs flags a remount must keep: the kernel refuses to drop them inside a user namespace
KEPT_FLAGS = {
    os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
    os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME, os.ST_RELATIME: MS_RELATIME,
}

libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, flags):
    if libc.mount(source, target.encode(), None, flags, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def mount_points():
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4].encode().decode("unicode_escape") for line in f]
    return sorted(set(points), key=len)


def confine_filesystem(workdir):
    """Everything read-only but `workdir`; mounts the kernel will not remount are reported."""
    mount(workdir.encode(), workdir, MS_BIND)
    stuck = []
    for point in mount_points():
        if point == workdir:
            continue
        try:
            kept = os.statvfs(point).f_flag
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY
            flags |= sum(ms for st, ms in KEPT_FLAGS.items() if kept & st)
            mount(None, point, flags)
        except OSError as err:
            stuck.append(f"{point}: {err.strerror}")
    return stuck


def cap_processes(limit):
    """Per-namespace pid_max (Linux >= 6.14) caps processes even for root, whom RLIMIT_NPROC exempts.

    Once allocation wraps around, the kernel hands out pids from RESERVED_PIDS (300) up, so the
    cap is 300 + limit: at most that many processes at first, `limit` for ever after.
    """
    try:
        with open("/proc/sys/kernel/pid_max", "w") as f:
            f.write(str(RESERVED_PIDS + limit))
        return True
    except OSError:
        return False


def set_limits(limits):
    cpu = max(1, int(limits["cpu_s"] + 0.999))
    memory = limits["memory_mb"] << 20
    for name, value in (
        ("RLIMIT_CPU", (cpu, cpu + 1)),
        ("RLIMIT_AS", (memory, memory)),
        ("RLIMIT_STACK", (memory, memory)),
        ("RLIMIT_FSIZE", (limits["output_mb"] << 20, limits["output_mb"] << 20)),
        ("RLIMIT_NPROC", (limits["processes"], limits["processes"])),
        ("RLIMIT_CORE", (0, 0)),
    ):
        resource.setrlimit(getattr(resource, name), value)


def drop_privileges():
    """No capabilities, now or after exec: the program is an ordinary process inside the namespace."""
    if libc.unshare(CLONE_NEWIPC) != 0 or libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "unshare/no_new_privs")
    if libc.prctl(PR_SET_SECUREBITS, SECURE_BITS, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "securebits")
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    nothing = (ctypes.c_uint32 * 6)()
    if libc.capset(header, nothing) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def run_program(directory, index, limits):
    """In the forked child: become the program and never return."""
    try:
        os.setsid()
        os.closerange(3, 1 << 16)
        os.chdir(directory)
        for fd, path, mode in ((0, f"input{index}", os.O_RDONLY), (1, "stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                               (2, "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            os.dup2(os.open(path, mode, 0o600), fd)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        drop_privileges()
        set_limits(limits)
        with open("solution.py", "rb") as f:
            source = f.read()
        sys.argv = ["solution.py"]
        status = 0
        try:
            exec(compile(source, "solution.py", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                status = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
                status = 1
        except MemoryError:
            status = MEMORY_EXIT
        except BaseException:
            import traceback  # only now: its import costs more than running most programs

            traceback.print_exc()
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except BaseException as err:
        try:
            os.write(2, f"sandbox: {err!r}\n".encode())
        finally:
            os._exit(1)


class WallClock(Exception):
    pass


def expire(signum, frame):
    raise WallClock


def kill_all_but_me():
    """Kill every process of the namespace except PID 1 (this one) and reap them.

    kill(-1) from a namespace's init reaches all the others; repeat until none is left, since a
    fork bomb may fork between the signal and the reaping.
    """
    while any(name.isdigit() and name != "1" for name in os.listdir("/proc")):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break


def run_test(directory, index, limits):
    sys.stdout.flush()
    child = os.fork()
    if child == 0:
        run_program(directory, index, limits)
    timed_out = False
    signal.setitimer(signal.ITIMER_REAL, limits["wall_s"])
    try:
        _, status, usage = os.wait4(child, 0)
    except WallClock:
        timed_out, status, usage = True, None, None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    kill_all_but_me()
    report = {"timed_out": timed_out, "exit": None, "signal": None, "cpu_s": None, "max_rss_mb": None}
    if status is not None:
        report["exit"] = os.waitstatus_to_exitcode(status)
        if report["exit"] < 0:
            report["signal"], report["exit"] = -report["exit"], None
        report["cpu_s"] = usage.ru_utime + usage.ru_stime
        report["max_rss_mb"] = usage.ru_maxrss / 1024
    return report


def main():
    workdir, processes = sys.argv[1], int(sys.argv[2])
    requests, replies = int(sys.argv[3]), int(sys.argv[4])
    signal.signal(signal.SIGALRM, expire)
    capped = cap_processes(processes)  # before /proc becomes read-only
    hello = {"stuck_mounts": confine_filesystem(workdir), "pid_max": capped}
    os.chdir(workdir)
    with os.fdopen(requests) as inbox, os.fdopen(replies, "w") as outbox:
        print(json.dumps(hello), file=outbox, flush=True)
        for line in inbox:
            request = json.loads(line)
            directory = os.path.join(workdir, os.path.basename(request["dir"]))
            print(json.dumps(run_test(directory, request["test"], request["limits"])), file=outbox, flush=True)


if __name__ == "__main__":
    main()
