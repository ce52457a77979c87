"""The sandbox against hostile programs: each gets the right verdict, nothing escapes, nothing is
left running, and the next program runs normally."""

import os
import subprocess
import time
import uuid

import pytest

from monkeys.sandbox import Limits, run_tests, sandbox_unavailable

pytestmark = pytest.mark.skipif(bool(sandbox_unavailable()), reason=f"no sandbox here: {sandbox_unavailable()}")

LIMITS = Limits(cpu_s=1, memory_mb=256, output_mb=16, processes=32)
ECHO_DOUBLE = "print(2 * int(input()))"


def run(program, inputs=("21\n",), expected=("42",), limits=LIMITS):
    return run_tests(program, list(inputs), lambda i, out: out.split() == expected[i].split(), limits)


def sandbox_processes():
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if "sandbox_init" in line or "monkeys-sandbox" in line]


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
    assert run(f"open('inside', 'w').write('ok')\nprint(open('inside').read() and 42)").reason == "passed"


def test_killing_its_parent_does_not_kill_the_judge():
    program = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\nprint(42)"
    assert run(program).reason == "passed"
    assert run("import os, signal\nos.kill(-1, signal.SIGKILL)\nos.kill(0, signal.SIGKILL)").reason == "runtime error"


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
