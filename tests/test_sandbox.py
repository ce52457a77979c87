"""The sandbox against hostile programs: each gets its expected verdict, nothing escapes, nothing is
left running, and the judge stays alive and fast after each.

Programs that probe an escape print "safe" when the attack failed (so their expected verdict is
"passed") and something else when it worked. Programs that hunt for answers print what they found:
their expected verdict is "wrong answer". See also test_sandbox_isolation.py (secrets planted on
the host, concurrent sandboxes, determinism, an unprivileged judge) and test_sandbox_reference.py.
"""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from monkeys.tasks.codecontests import sandbox
from monkeys.tasks.codecontests.sandbox import Limits, run_tests, sandbox_unavailable

pytestmark = pytest.mark.skipif(bool(sandbox_unavailable()), reason=f"no sandbox here: {sandbox_unavailable()}")

LIMITS = Limits(cpu_s=1, memory_mb=256, output_mb=16, processes=32)
ECHO_DOUBLE = "print(2 * int(input()))"
CGROUPS = sandbox._cgroups_unavailable() is None
needs_cgroups = pytest.mark.skipif(not CGROUPS, reason=f"memory over all processes needs cgroups: {sandbox._cgroups_unavailable()}")


def run(program, inputs=("21\n",), expected=("42",), limits=LIMITS):
    return run_tests(program, list(inputs), lambda i, out: out.split() == expected[i].split(), limits)


def probe(body, limits=LIMITS):
    """Run an attack that prints "safe" when it failed."""
    return run_tests(body, ["\n"], lambda i, out: out.split() == ["safe"], limits)


def sandbox_processes():
    """Processes inside any sandbox other than the sandboxes' own first processes (which wait for
    the next program): descendants of each server."""
    servers = {s.server_pid() for s in sandbox.SANDBOXES.open_workers()} - {None}
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    found, todo = [], [c for s in servers for c in children.get(s, [])]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def judge_is_fine():
    assert sandbox_processes() == []
    start = time.monotonic()
    assert run(ECHO_DOUBLE).reason == "passed"
    assert time.monotonic() - start < 2.0, "the judge slowed down"


LIBC = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n"

# name: (program, expected verdict)
HOSTILE = {
    # --- limits (programs that burn CPU time burn more than twice the limit: a run between the
    # limit and twice it is judged on the quiet machine's time, see sandbox.CPU_CAP)
    "infinite loop": ("while True: pass", "time limit"),
    "busy reading stdin forever": ("import sys\nwhile True: sys.stdin.read()", "time limit"),
    "fork bomb": ("import os\nwhile True:\n    try: os.fork()\n    except OSError: pass", "time limit"),
    "memory hog": ("x = []\nwhile True: x.append(bytearray(10**6))", "memory limit"),
    "one huge allocation": ("x = bytearray(10**10)", "memory limit"),
    "1 GB of output": ("import sys\nfor _ in range(16384): sys.stdout.write('x' * 65536)", "output limit"),
    "endless output ignoring broken pipes": (
        "import sys, os\nwhile True:\n    try: os.write(1, b'x' * 65536)\n    except OSError: pass", "output limit"),
    "output just over the limit": ("import sys\nsys.stdout.write('4' * (16 << 20) + '2')", "output limit"),
    # the parent never waits for its children: it blocks on a pipe until they have burnt their CPU
    "cpu in an unwaited child": (
        "import os, time\nr, w = os.pipe()\nif os.fork() == 0:\n    t = time.process_time()\n"
        "    while time.process_time() - t < 1.3: pass\n    os.write(w, b'.')\n    os._exit(0)\n"
        "t = time.process_time()\nwhile time.process_time() - t < 1.0: pass\nos.read(r, 1)\nprint(42)", "time limit"),
    "cpu in parallel workers": (
        "import os, time\npids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n"
        "        t = time.process_time()\n        while time.process_time() - t < 0.9: pass\n        os._exit(0)\n"
        "    pids.append(pid)\nfor pid in pids: os.waitpid(pid, 0)\nprint(42)", "time limit"),
    "cpu in a double-forked daemon": (
        "import os, time\nr, w = os.pipe()\nif os.fork() == 0:\n    if os.fork() == 0:\n        t = time.process_time()\n"
        "        while time.process_time() - t < 2.5: pass\n        os.write(w, b'.')\n    os._exit(0)\n"
        "os.read(r, 1)\nprint(42)", "time limit"),
    "cpu in threads": (
        "import threading, time\ndef burn():\n    t = time.thread_time()\n    while time.thread_time() - t < 1.3: pass\n"
        "ts = [threading.Thread(target=burn) for _ in range(2)]\nfor t in ts: t.start()\nfor t in ts: t.join()\nprint(42)",
        "time limit"),
    "cpu in a multiprocessing pool": (
        "import multiprocessing, time\ndef burn(_):\n    t = time.process_time()\n    while time.process_time() - t < 1.3: pass\n"
        "if __name__ == '__main__':\n    with multiprocessing.get_context('fork').Pool(2) as p: p.map(burn, range(2))\n    print(42)",
        "time limit"),
    "fill /tmp with fallocate": (
        "import os\nfd = os.open('big', os.O_CREAT | os.O_WRONLY)\ntry:\n    os.posix_fallocate(fd, 0, 10 << 30)\n"
        "    print('filled')\nexcept OSError:\n    print('safe')", "passed"),
    "fill /tmp with writes": (
        "import os, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\nn = 0\ntry:\n"
        "    for i in range(1000):\n        with open(f'f{i}', 'wb') as f: f.write(b'x' * (4 << 20))\n        n += 1\n"
        "except OSError:\n    pass\nprint('safe' if n < 100 else n)", "passed"),
    "exhaust inodes": (
        "import os\nn = 0\ntry:\n    while n < 10**6:\n        open(str(n), 'w').close()\n        n += 1\nexcept OSError:\n    pass\n"
        "print('safe' if n < 10**6 else n)", "passed"),
    # --- the judge itself
    "stdout replaced by a FIFO": (
        "import os\nos.mkfifo('fifo')\nfd = os.open('fifo', os.O_RDWR)\nos.dup2(fd, 1)\nprint(42)", "wrong answer"),
    "stdout symlinked to /dev/zero": (
        "import os\nos.symlink('/dev/zero', 'stdout')\nos.dup2(os.open('stdout', os.O_RDWR), 1)\nprint(42)", "wrong answer"),
    "stdout replaced by a directory": (
        "import os\nos.close(1)\nos.open('/tmp', os.O_RDONLY)\nprint(42)", "runtime error"),
    "stdout closed before printing": ("import os\nos.close(1)\nprint(42)", "runtime error"),
    "renaming its work directory": (
        "import os\ntry:\n    os.rename('/tmp', '/tmp2')\nexcept OSError:\n    pass\nprint(42)", "passed"),
    "a 3000-deep directory tree": (
        "import os\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\nprint(42)", "passed"),
    "a 100000-deep symlink chain": (
        "import os\nfor i in range(2000):\n    os.symlink(f'l{i+1}', f'l{i}')\nprint(42)", "passed"),
    "stderr pointed at a host file": (
        "import os\nfor path in ('/etc/shadow', '/proc/1/environ', '/root/.bash_history'):\n    try:\n"
        "        os.dup2(os.open(path, os.O_RDONLY), 2)\n    except OSError:\n        pass\nprint(42)", "passed"),
    "a huge stderr with a correct stdout": (
        "import os\nprint(42, flush=True)\nfor _ in range(2000): os.write(2, b'e' * 65536)", "passed"),
    "SIGINT to the sandbox's PID 1": (
        "import os, signal\ntry:\n    os.kill(1, signal.SIGINT)\nexcept OSError:\n    pass\nprint(42)", "passed"),
    "every signal to PID 1": (
        "import os, signal\nfor s in signal.valid_signals():\n    try: os.kill(1, s)\n    except OSError: pass\nprint(42)",
        "passed"),
    "killing its parent and PID 1": (
        "import os, signal\nfor pid in (os.getppid(), 1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n"
        "        pass\nprint(42)", "passed"),
    "kill(-1) then itself": ("import os, signal\nos.kill(-1, signal.SIGKILL)\nos.kill(0, signal.SIGKILL)", "runtime error"),
    "SIGSTOP to itself": ("import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\nprint(42)", "time limit"),
    "a daemon left behind": (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    while True: time.sleep(1)\nprint(42)", "passed"),
    # --- ordinary failures
    "sleeping forever": ("import time\ntime.sleep(10**6)", "time limit"),
    "network socket": ("import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=3)\nprint(42)", "runtime error"),
    "sys.exit(0) before printing": ("import sys\nsys.exit(0)\nprint(42)", "wrong answer"),
    "sys.exit with a message": ("import sys\nprint(42)\nsys.exit('bye')", "runtime error"),
    "os._exit with unflushed output": ("import os\nprint(42)\nos._exit(0)", "wrong answer"),
    "recursion bomb": ("def f(n): return f(n + 1)\nf(0)", "runtime error"),
    "syntax error": ("print(42", "runtime error"),
    "segfault": ("import ctypes\nctypes.string_at(0)", "runtime error"),
    # --- correct programs in unusual styles
    "main in a big-stack thread": (
        "import sys, threading\nsys.setrecursionlimit(10**6)\nthreading.stack_size(1 << 26)\n"
        "def f(n): return 0 if n == 0 else 1 + f(n - 1)\ndef main(): print(f(20000) * 0 + 2 * int(input()))\n"
        "threading.Thread(target=main).start()", "passed"),
    "output from atexit": ("import atexit\natexit.register(lambda: print(42))", "passed"),
    "reading stdin through /dev/stdin": ("print(2 * int(open('/dev/stdin').read()))", "passed"),
    "reading stdin as bytes": ("import sys\nprint(2 * int(sys.stdin.buffer.read()))", "passed"),
    "a subprocess": (
        "import subprocess, sys\nprint(subprocess.run([sys.executable, '-c', 'print(42)'], capture_output=True, text=True).stdout)",
        "passed"),
    "temporary files": (
        "import tempfile\nwith tempfile.TemporaryFile() as f:\n    f.write(b'42')\n    f.seek(0)\n    print(f.read().decode())",
        "passed"),
    "a pickled __main__ class through multiprocessing": (
        "import multiprocessing\ndef double(x): return 2 * x\nif __name__ == '__main__':\n"
        "    with multiprocessing.get_context('fork').Pool(2) as p: print(p.map(double, [int(input())])[0])", "passed"),
    # --- escapes and channels (print "safe" when blocked)
    "keyctl on the session keyring": (
        LIBC + "r = libc.syscall(248, b'user', b'monkeys', b'x', 1, -3)\nprint('safe' if r < 0 else r)", "passed"),
    "keyctl on the user keyring": (
        LIBC + "r = libc.syscall(248, b'user', b'monkeys', b'x', 1, -4)\nprint('safe' if r < 0 else r)", "passed"),
    "keyctl read of the inherited keyrings": (
        LIBC + "buf = ctypes.create_string_buffer(4096)\n"
        "ok = [libc.syscall(250, 11, k, buf, 4096) for k in (-3, -4, -5)]\nprint('safe' if max(ok) < 0 else ok)", "passed"),
    "a new user namespace": (LIBC + "print('safe' if libc.unshare(0x10000000) else 'unshared')", "passed"),
    "a new mount namespace": (LIBC + "print('safe' if libc.unshare(0x20000) else 'unshared')", "passed"),
    "clone with namespace flags": (
        LIBC + "r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)\nif r == 0: libc.syscall(60, 0)\nprint('safe' if r < 0 else r)",
        "passed"),
    "mounting a tmpfs": (LIBC + "print('safe' if libc.mount(b'x', b'/tmp', b'tmpfs', 0, None) else 'mounted')", "passed"),
    "mounting sysfs": (LIBC + "print('safe' if libc.mount(b'x', b'/tmp', b'sysfs', 0, None) else 'mounted')", "passed"),
    "remounting / writable": (
        LIBC + "print('safe' if libc.mount(None, b'/', None, 32 | 4096, None) else 'remounted')", "passed"),
    "chroot": (LIBC + "print('safe' if libc.chroot(b'/tmp') else 'chrooted')", "passed"),
    "ptrace PID 1": (LIBC + "print('safe' if libc.ptrace(16, 1, 0, 0) else 'attached')", "passed"),
    "process_vm_readv on PID 1": (LIBC + "print('safe' if libc.syscall(310, 1, 0, 0, 0, 0, 0) < 0 else 'read')", "passed"),
    "prlimit on PID 1": (
        "import resource\ntry:\n    resource.prlimit(1, resource.RLIMIT_NOFILE, (3, 3))\n    print('lowered')\n"
        "except OSError:\n    print('safe')", "passed"),
    "renicing every process of its uid": (
        "import os\ntry:\n    os.setpriority(os.PRIO_USER, 0, 19)\n    print('reniced')\nexcept OSError:\n    print('safe')",
        "passed"),
    "pinning PID 1 to one CPU": (
        "import os\ntry:\n    os.sched_setaffinity(1, {0})\n    print('pinned')\nexcept OSError:\n    print('safe')", "passed"),
    "setuid(0)": ("import os\ntry:\n    os.setuid(0)\n    print('root')\nexcept OSError:\n    print('safe')", "passed"),
    "capabilities": ("print('safe' if open('/proc/self/status').read().split('CapEff:')[1].split()[0] == '0' * 16 else 'caps')",
                     "passed"),
    "bpf": (LIBC + "print('safe' if libc.syscall(321, 0, 0, 0) < 0 else 'bpf')", "passed"),
    "io_uring": (LIBC + "p = ctypes.create_string_buffer(120)\nprint('safe' if libc.syscall(425, 8, p) < 0 else 'ring')", "passed"),
    "userfaultfd": (LIBC + "print('safe' if libc.syscall(323, 0) < 0 else 'uffd')", "passed"),
    "perf_event_open": (LIBC + "a = ctypes.create_string_buffer(128)\nprint('safe' if libc.syscall(298, a, 0, -1, -1, 0) < 0 else 'perf')",
                        "passed"),
    "kernel log through syslog(2)": (LIBC + "b = ctypes.create_string_buffer(4096)\nprint('safe' if libc.syscall(103, 3, b, 4096) <= 0 else 'log')",
                                     "passed"),
    "vsock to the VM's host": (
        "import socket\ntry:\n    socket.socket(40, socket.SOCK_STREAM).connect((2, 22))\n    print('connected')\n"
        "except OSError:\n    print('safe')", "passed"),
    "netlink": ("import socket\ntry:\n    socket.socket(16, socket.SOCK_RAW, 0)\n    print('netlink')\nexcept OSError:\n    print('safe')",
                "passed"),
    "host devices": (
        "import os\nopened = []\nfor d in ('kmsg', 'kvm', 'fuse', 'loop-control', 'loop0', 'mem', 'vda', 'sda', 'tty', 'ptmx', 'console', 'net/tun'):\n"
        "    try:\n        os.close(os.open('/dev/' + d, os.O_RDWR))\n        opened.append(d)\n    except OSError:\n        pass\n"
        "print(opened or 'safe')", "passed"),
    "unix sockets of the host": (
        "import os, socket\nfound = []\nfor top in ('/run', '/var/run', '/tmp', '/dev', '/root', '/home', '/var/lib', '/work'):\n"
        "    for root, dirs, files in os.walk(top):\n        for name in files:\n            p = os.path.join(root, name)\n"
        "            s = socket.socket(socket.AF_UNIX)\n            try:\n                s.connect(p)\n                found.append(p)\n"
        "            except OSError:\n                pass\n"
        "for name in ('/tmp/.X11-unix/X0', '/run/docker.sock', '/var/run/docker.sock', '/run/systemd/private', '/run/dbus/system_bus_socket'):\n"
        "    s = socket.socket(socket.AF_UNIX)\n    try:\n        s.connect(name)\n        found.append(name)\n    except OSError:\n        pass\n"
        "print(found or 'safe')", "passed"),
    "writing outside /tmp": (
        "bad = []\nfor p in ('/x', '/root/x', '/dev/x', '/.sandbox/x', '/proc/sys/kernel/hostname', '/etc/ld.so.cache', '/proc/sysrq-trigger'):\n"
        "    try:\n        open(p, 'w').write('x')\n        bad.append(p)\n    except OSError:\n        pass\nprint(bad or 'safe')", "passed"),
    "changing the hostname": (
        "import socket, ctypes\nlibc = ctypes.CDLL(None)\nprint('safe' if libc.sethostname(b'pwned', 5) else 'renamed')", "passed"),
    "the judge's environment": (
        "import os\nseen = [str(dict(os.environ))]\nfor pid in os.listdir('/proc'):\n    try:\n"
        "        seen.append(open(f'/proc/{pid}/environ').read())\n    except OSError:\n        pass\n"
        "seen = ' '.join(seen)\nprint('safe' if not any(v in seen for v in ('PATH=', 'HOME=', 'USER=', 'PYTEST')) else seen)", "passed"),
    "the server's open files": (
        "import os\ntry:\n    print(os.listdir('/proc/1/fd'))\nexcept OSError:\n    print('safe')", "passed"),
    "the server's memory": (
        "try:\n    open('/proc/1/mem', 'rb').read(1)\n    print('read')\nexcept OSError:\n    print('safe')", "passed"),
    "the host's filesystem": (
        "import os\nseen = set(os.listdir('/'))\nprint('safe' if seen <= {'tmp', 'proc', 'dev', 'etc', 'lib', 'lib64', 'usr', 'root', 'opt', 'home', '.sandbox'}"
        " and not os.path.exists('/etc/passwd') and not os.path.exists('/sys/fs') and not os.path.exists('/work') else sorted(seen))",
        "passed"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_program_gets_its_verdict_and_leaves_nothing(name):
    program, verdict = HOSTILE[name]
    slow = verdict == "time limit" or "sleep" in program
    start = time.monotonic()
    result = probe(program) if "'safe'" in program else run(program)
    assert result.reason == verdict, result
    assert time.monotonic() - start < LIMITS.wall_cap_s + 5
    if not slow:
        assert time.monotonic() - start < 10
    judge_is_fine()


@needs_cgroups
@pytest.mark.parametrize("program", [
    # memory in forked children, each under the per-process limit
    "import os, time\npids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n"
    "        x = bytearray(150 << 20)\n        for i in range(0, len(x), 4096): x[i] = 1\n        time.sleep(1)\n        os._exit(0)\n"
    "    pids.append(pid)\nfor pid in pids: os.waitpid(pid, 0)\nprint(42)",
    # memory in memfds, never mapped
    "import os\nfds = []\nfor _ in range(30):\n    fd = os.memfd_create('x')\n    os.write(fd, b'x' * (50 << 20))\n    fds.append(fd)\nprint(42)",
])
def test_memory_over_all_processes_and_memfds_is_limited(program):
    assert run(program).reason == "memory limit"
    judge_is_fine()


@needs_cgroups
def test_the_out_of_memory_killer_spares_the_sandbox():
    # Many processes smaller than the sandbox's server, each trying to look harmless to the OOM
    # killer: one of them is killed, never the server (the same sandbox judges the next program).
    worker = sandbox.SANDBOXES.get()
    program = (
        "import os, time\npids = []\nfor _ in range(60):\n    pid = os.fork()\n    if pid == 0:\n"
        "        try:\n            open('/proc/self/oom_score_adj', 'w').write('-1000')\n        except OSError:\n            pass\n"
        "        x = bytearray(8 << 20)\n        for i in range(0, len(x), 4096): x[i] = 1\n        time.sleep(2)\n        os._exit(0)\n"
        "    pids.append(pid)\nfor pid in pids: os.waitpid(pid, 0)\nprint(42)"
    )
    assert run(program, limits=Limits(cpu_s=2, memory_mb=256, processes=64)).reason == "memory limit"
    judge_is_fine()
    assert sandbox.SANDBOXES.get() is worker


def test_output_exactly_at_the_limit_passes():
    limits = Limits(cpu_s=2, output_mb=1)
    exact = "import sys\nsys.stdout.write('7' * ((1 << 20) - 1) + '\\n')"
    assert run_tests(exact, ["\n"], lambda i, out: len(out) == 1 << 20, limits).reason == "passed"
    over = "import sys\nsys.stdout.write('7' * (1 << 20) + '\\n')"
    assert run_tests(over, ["\n"], lambda i, out: True, limits).reason == "output limit"


def test_stderr_is_bounded_and_reported():
    result = run("raise ValueError('boom')")
    assert result.reason == "runtime error" and "ValueError: boom" in result.detail
    result = run("import sys\nsys.stderr.write('x' * 10**7)\nraise ValueError('end')")
    assert result.reason == "runtime error" and result.detail.endswith("ValueError: end\n") and len(result.detail) <= 400


def test_channels_between_consecutive_programs_are_closed():
    # Each writer leaves what it can (a file, System V IPC, a POSIX queue, a daemon, a key) and the
    # next program, on the same sandbox, looks for it.
    writer = (
        LIBC + "import os, sys\nopen('/tmp/left', 'w').write('x')\n"
        "shm = libc.shmget(4242, 4096, 0o1666)\nmq = libc.syscall(240, b'/left', 0o100 | 2, 0o666, None)\n"
        "libc.syscall(248, b'user', b'left', b'x', 1, -4)\n"
        "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(30)\nprint(42)"
    )
    reader = (
        LIBC + "import os\nleft = []\nif os.path.exists('/tmp/left'): left.append('file')\n"
        "if libc.shmget(4242, 0, 0) >= 0: left.append('shm')\nif libc.syscall(240, b'/left', 0, 0, None) >= 0: left.append('mq')\n"
        "if len([p for p in os.listdir('/proc') if p.isdigit()]) > 2: left.append('process')\n"
        "if libc.syscall(250, 10, b'user', b'left', 0) >= 0: left.append('key')\nprint(left or 'safe')"
    )
    for _ in range(3):
        assert run(writer).reason == "passed"
        assert probe(reader).reason == "passed"


def test_the_number_of_processes_is_capped():
    program = (
        "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    print(n)"
    )
    seen = []
    result = run_tests(program, ["\n"], lambda i, out: seen.append(int(out)) or True, LIMITS)
    assert result.reason == "passed" and seen[0] < LIMITS.processes
    judge_is_fine()
    assert run(program.replace("print(n)", "print(42)")).reason == "passed"  # and the next program can fork


def test_cpu_time_decides_not_the_wall_clock():
    # 1.5 s asleep: passes a 1 s CPU limit although the wall time exceeds it.
    result = run("import time\ntime.sleep(1.5)\nprint(42)")
    assert result.reason == "passed" and result.cpu_s < 0.5


def test_stops_at_the_first_failing_test():
    result = run(ECHO_DOUBLE, inputs=["1\n", "2\n", "3\n"], expected=["2", "5", "6"])
    assert (result.reason, result.tests_run) == ("wrong answer", 2)
    assert run(ECHO_DOUBLE, inputs=["1\n", "2\n"], expected=["2", "4"]).tests_run == 2


def test_exit_status_is_reported():
    assert run("import sys\nprint(42)\nsys.exit(3)").reason == "runtime error"


def test_a_broken_sandbox_is_replaced():
    worker = sandbox.SANDBOXES.get()
    os.kill(worker.process.pid, signal.SIGKILL)  # as if the machine killed it
    assert run(ECHO_DOUBLE).reason == "passed"
    assert sandbox.SANDBOXES.get() is not worker


def test_nothing_is_left_when_the_judge_exits():
    script = (
        "from monkeys.tasks.codecontests import sandbox\n"
        "for p in ['while True: pass', 'import os\\nif os.fork() == 0:\\n    while True: pass\\nprint(1)']:\n"
        "    print(sandbox.run_tests(p, ['\\n'], lambda i, out: True, sandbox.Limits(cpu_s=0.5)).reason)\n"
        "import os\nprint(os.getpid(), *[s.process.pid for s in sandbox.SANDBOXES.open_workers()])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    *reasons, pids = done.stdout.splitlines()
    judge, *pids = pids.split()
    assert reasons == ["time limit", "passed"] and pids
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), "a sandbox outlived its judge"
    if CGROUPS:
        leftovers = [p for c in ("memory", "pids") for p in sandbox._Cgroups.ROOT.joinpath(c).rglob("monkeys-sandbox-*")
                     if p.name.split("-")[2] == judge]
        assert leftovers == []


def test_without_bubblewrap_the_job_stops(monkeypatch):
    sandbox._environment.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, *args, **kwargs: None)
    try:
        assert "bubblewrap is not installed" in sandbox.sandbox_unavailable.__wrapped__()
        with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap"):
            sandbox._Sandbox()
    finally:
        monkeypatch.undo()
        sandbox._environment.cache_clear()
    from monkeys.tasks import codecontests, task_kind

    monkeypatch.setattr(sandbox, "sandbox_unavailable", lambda: "no bwrap")
    with pytest.raises(sandbox.SandboxUnavailable, match="no bwrap"):
        run(ECHO_DOUBLE)
    monkeypatch.setattr(codecontests, "sandbox_unavailable", lambda: "no bwrap")
    task = task_kind("codecontests")
    with pytest.raises(sandbox.VerifierUnavailable, match="no bwrap"):
        task.preflight(task.verifier_options())


@pytest.mark.skipif(os.geteuid() != 0, reason="as root only: programs then get another uid")
def test_a_program_that_cannot_be_confined_never_runs(monkeypatch):
    monkeypatch.setattr(sandbox, "PROGRAM_UID", 1 << 40)  # setresuid fails in the child's setup
    outcome = {}

    def judge():
        try:
            outcome["result"] = run("open('/proc/self/status').read()\nprint(42)")
        except sandbox.SandboxUnavailable as err:
            outcome["error"] = str(err)

    thread = threading.Thread(target=judge)  # a new thread: a new sandbox, with the bad uid
    thread.start()
    thread.join()
    assert "cannot confine programs" in outcome.get("error", ""), outcome
