"""The sandbox against hostile programs: each gets the right verdict, nothing escapes, nothing is
left running, and the next program runs normally."""

import os
import subprocess
import sys
import time
import uuid

import pytest

from monkeys.sandbox import Limits, run_tests, sandbox_unavailable

pytestmark = pytest.mark.skipif(bool(sandbox_unavailable()), reason=f"no sandbox here: {sandbox_unavailable()}")

LIMITS = Limits(cpu_s=1, memory_mb=256, output_mb=16, processes=32)
ECHO_DOUBLE = "print(2 * int(input()))"


def run(program, inputs=("21\n",), expected=("42",), limits=LIMITS):
    return run_tests(program, list(inputs), lambda i, out: out.split() == expected[i].split(), limits)


def processes():
    ps = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    return [(int(pid), int(ppid), args) for pid, ppid, args in (line.split(None, 2) for line in ps.splitlines())]


def sandbox_processes():
    """Processes running inside a sandbox: children of a sandbox's first process (the child of
    `unshare`), which also inherits orphans. The sandboxes themselves wait for the next program."""
    table = processes()
    launchers = {pid for pid, _, args in table if args.startswith("unshare") and "sandbox_init.py" in args}
    inits = {pid for pid, ppid, _ in table if ppid in launchers}
    return [args for _, ppid, args in table if ppid in inits]


@pytest.fixture
def marker(tmp_path):
    """A file a hostile program will try to create, in places it must not write."""
    name = f"escaped-{uuid.uuid4().hex}"
    paths = [tmp_path / name, os.path.join("/tmp", name), os.path.join(os.path.expanduser("~"), name)]
    yield name, paths
    for path in paths:
        assert not os.path.exists(path), f"a sandboxed program wrote {path}"


HOSTILE = {
    "infinite loop": ("while True: pass", "time limit"),
    "busy reading stdin forever": ("import sys\nwhile True: sys.stdin.read()", "time limit"),
    "sleeping forever": ("import time\ntime.sleep(10**6)", "time limit"),
    "fork bomb": ("import os\nwhile True:\n    try: os.fork()\n    except OSError: pass", "time limit"),
    "memory hog": ("x = []\nwhile True: x.append(bytearray(10**6))", "memory limit"),
    "one huge allocation": ("x = bytearray(10**10)", "memory limit"),
    "1 GB of output": ("import sys\nfor _ in range(16384): sys.stdout.write('x' * 65536)", "output limit"),
    "network socket": ("import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=3)\nprint(42)", "runtime error"),
    "sys.exit(0) before printing": ("import sys\nsys.exit(0)\nprint(42)", "wrong answer"),
    "recursion bomb": ("def f(n): return f(n + 1)\nf(0)", "runtime error"),
    "syntax error": ("print(42", "runtime error"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_program_gets_its_verdict_and_leaves_nothing(name):
    program, verdict = HOSTILE[name]
    start = time.monotonic()
    result = run(program)
    assert result.reason == verdict, result
    assert time.monotonic() - start < LIMITS.wall_s + 8
    assert sandbox_processes() == []
    assert run(ECHO_DOUBLE).reason == "passed"  # the judge carries on


def test_writing_outside_the_temporary_directory_fails(marker):
    name, paths = marker
    for path in paths:
        result = run(f"open({str(path)!r}, 'w').write('x')\nprint(42)")
        assert result.reason == "runtime error" and "Read-only file system" in result.detail
    # writing inside its own directory is allowed
    assert run("open('inside', 'w').write('ok')\nprint(open('inside').read() and 42)").reason == "passed"


def test_the_program_cannot_regain_privileges():
    # root inside the user namespace could remount the filesystem writable, were it not stripped
    # of every capability before the program starts
    remount = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "for target in (b'/', b'/tmp'):\n"
        "    assert libc.mount(None, target, None, 32 | 4096, None) != 0, 'remount allowed'\n"
        "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])"
    )
    result = run_tests(remount, ["\n"], lambda i, out: out.strip() == "0000000000000000", LIMITS)
    assert result.reason == "passed", result


def test_killing_its_parent_does_not_kill_the_judge():
    program = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\nprint(42)"
    assert run(program).reason == "passed"
    assert run("import os, signal\nos.kill(-1, signal.SIGKILL)\nos.kill(0, signal.SIGKILL)").reason == "runtime error"


def test_the_number_of_processes_is_capped():
    # RLIMIT_NPROC for ordinary users; root ignores it, so the namespace's own pid_max (300 + limit)
    program = (
        "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    print(n)"
    )
    seen = []
    result = run_tests(program, ["\n"], lambda i, out: seen.append(int(out)) or True, LIMITS)
    assert result.reason == "passed" and seen[0] < 300 + LIMITS.processes
    assert sandbox_processes() == []
    assert run(program.replace("print(n)", "print(42)")).reason == "passed"  # and the next program can fork


def test_a_daemon_left_behind_is_killed():
    program = (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    open('daemon', 'w').write(str(os.getpid()))\n"
        "    while True: time.sleep(1)\nprint(42)"
    )
    assert run(program).reason == "passed"
    assert sandbox_processes() == []


def test_cpu_time_decides_not_the_wall_clock():
    # 1.5 s asleep: passes a 1 s CPU limit although the wall time exceeds it.
    program = "import time\ntime.sleep(1.5)\nprint(42)"
    result = run(program)
    assert result.reason == "passed" and result.cpu_s < 0.5


def test_stops_at_the_first_failing_test():
    result = run(ECHO_DOUBLE, inputs=["1\n", "2\n", "3\n"], expected=["2", "5", "6"])
    assert (result.reason, result.tests_run) == ("wrong answer", 2)
    assert run(ECHO_DOUBLE, inputs=["1\n", "2\n"], expected=["2", "4"]).tests_run == 2


def test_exit_status_and_stderr_are_reported():
    result = run("import sys\nprint(42)\nsys.exit(3)")
    assert result.reason == "runtime error"
    result = run("raise ValueError('boom')")
    assert result.reason == "runtime error" and "ValueError: boom" in result.detail


def test_verdicts_repeat_across_runs():
    programs = [ECHO_DOUBLE, "print(41)", "while True: pass", "x = bytearray(10**10)"]
    first = [run(p).reason for p in programs]
    assert first == [run(p).reason for p in programs] == ["passed", "wrong answer", "time limit", "memory limit"]


def test_nothing_is_left_when_the_judge_exits():
    script = (
        "from monkeys import sandbox\n"
        "for p in ['while True: pass', 'import os\\nif os.fork() == 0:\\n    while True: pass\\nprint(1)']:\n"
        "    print(sandbox.run_tests(p, ['\\n'], lambda i, out: True, sandbox.Limits(cpu_s=0.5)).reason)\n"
        "print(*[s.root for s in sandbox._open])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    *reasons, roots = done.stdout.splitlines()
    assert reasons == ["time limit", "passed"] and roots.startswith("/")
    assert not [args for _, _, args in processes() if any(root in args for root in roots.split())]
    assert not any(os.path.exists(root) for root in roots.split())
