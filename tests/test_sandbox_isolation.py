"""What a sandboxed program can see: no file of the host (secrets planted everywhere, the shipped
dataset, a memo directory, the judge's environment), nothing of a concurrent sandbox; verdicts
that do not change with load; and the same battery judged by an unprivileged user."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from test_sandbox import HOSTILE, judge_is_fine

from conftest import REPO
from monkeys.tasks.codecontests import sandbox
from monkeys.tasks.codecontests.sandbox import Limits, run_tests, sandbox_unavailable

pytestmark = pytest.mark.skipif(bool(sandbox_unavailable()), reason=f"no sandbox here: {sandbox_unavailable()}")

DATASET = REPO / "data" / "codecontests" / "problems.jsonl"
SEARCH = """
import os, stat, sys
secret = {secret!r}.encode()
planted = {planted!r}
found = []
examined = 0
def look(path):
    global examined
    examined += 1
    try:
        with open(path, 'rb') as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode) and not path.startswith('/proc/'):
                return
            tail = b''
            for _ in range(1024):
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                if secret in tail + chunk:
                    found.append(path)
                    break
                tail = chunk[-len(secret):]
    except OSError:
        pass
for path in planted:
    look(path)
for top in os.listdir('/'):
    if top in ('proc',):
        continue
    for root, dirs, files in os.walk('/' + top, followlinks=False):
        for name in files:
            look(os.path.join(root, name))
for pid in os.listdir('/proc'):
    for entry in ('cmdline', 'environ', 'root/tmp', 'cwd'):
        look(f'/proc/{{pid}}/{{entry}}')
    for base in (f'/proc/{{pid}}/root/tmp', f'/proc/{{pid}}/cwd'):
        for root, dirs, files in os.walk(base):
            for name in files:
                look(os.path.join(root, name))
if secret in str(dict(os.environ)).encode():
    found.append('environment')
print(found or f'safe {{examined}}')
"""


def in_a_fresh_thread(function, *args):
    """Run on a new thread, hence in a new sandbox (one per thread), started now."""
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("result", function(*args)))
    thread.start()
    thread.join()
    return out["result"]


@pytest.fixture
def planted(tmp_path, monkeypatch):
    """A secret in files all over the host, in a copy of the dataset, a memo directory, a 0600
    file, the interpreter's site-packages and the judge's environment."""
    secret = f"monkeys-secret-{uuid.uuid4().hex}"
    places = [
        tmp_path / "secret.txt", tmp_path / "cache" / "judgements" / "codecontests" / "judgement.json",
        Path("/tmp") / f"{secret}.txt", Path("/var/tmp") / f"{secret}.txt", Path("/dev/shm") / f"{secret}.txt",
        Path.home() / f".{secret}", REPO / f".{secret}", tmp_path / "private.txt",
    ]
    site_packages = Path(sandbox._environment().binds[1]) / "site-packages"
    if os.access(site_packages, os.W_OK):
        places.append(site_packages / f"{secret}.txt")
    made = []
    for path in places:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{secret}\n")
            made.append(path)
        except OSError:
            pass
    os.chmod(tmp_path / "private.txt", 0o600)
    dataset = tmp_path / "problems.jsonl"
    dataset.write_text(DATASET.read_text() + json.dumps({"tests": {"output": [secret]}}) + "\n")
    made.append(dataset)
    monkeypatch.setenv("MONKEYS_JUDGE_SECRET", secret)
    yield secret, [str(p) for p in made]
    for path in made:
        path.unlink(missing_ok=True)


def test_no_host_file_is_readable(planted):
    secret, paths = planted
    program = SEARCH.format(secret=secret, planted=paths)
    limits = Limits(cpu_s=20, memory_mb=512)
    examined = []

    def accept(i, out):
        examined.append(int(out.split()[1]) if out.startswith("safe ") else 0)
        return out.startswith("safe ")

    result = in_a_fresh_thread(run_tests, program, ["\n"], accept, limits)
    assert result.reason == "passed", result
    assert examined[0] > 1000, "the search looked at almost nothing"
    judge_is_fine()


def test_the_shipped_answers_cannot_be_found():
    """A program that knows the dataset's layout looks up its input there and prints the answer."""
    row = json.loads(DATASET.read_text().splitlines()[0])
    test_input, expected = row["tests"]["input"][0], row["tests"]["output"][0]
    program = f"""
import os, sys, json
text = sys.stdin.read()
def answer(path):
    try:
        for line in open(path):
            row = json.loads(line)
            tests = row.get('tests', row)
            if text in tests.get('input', []):
                print(tests['output'][tests['input'].index(text)])
                sys.exit(0)
    except (OSError, ValueError, AttributeError, TypeError):
        pass
for path in ['{DATASET}', '/work/main/data/codecontests/problems.jsonl', 'data/codecontests/problems.jsonl']:
    answer(path)
for root, dirs, files in os.walk('/'):
    if root.startswith(('/proc', '/sys')):
        dirs[:] = []
        continue
    for name in files:
        if name.endswith(('.jsonl', '.json', '.parquet', '.arrow')):
            answer(os.path.join(root, name))
try:
    print(open('/proc/1/cmdline').read())
except OSError:
    pass
"""
    # The hunt works where the dataset is visible: here, outside the sandbox.
    outside = subprocess.run([sys.executable, "-c", program], input=test_input, capture_output=True, text=True, timeout=60)
    assert outside.stdout.split() == expected.split()
    result = run_tests(program, [test_input], lambda i, out: out.split() == expected.split(), Limits(cpu_s=20))
    assert result.reason == "wrong answer", result


def test_the_program_sees_only_what_it_needs():
    env = sandbox._environment()
    program = """
import os, json
seen = []
for top in os.listdir('/'):
    if top == 'proc':
        continue
    path = '/' + top
    seen.append(path)
    for root, dirs, files in os.walk(path):
        seen += [os.path.join(root, d) for d in dirs] + [os.path.join(root, f) for f in files]
print(json.dumps(seen))
"""
    seen = []
    run_tests(program, ["\n"], lambda i, out: seen.extend(json.loads(out)) or True, Limits(cpu_s=10))
    allowed = [*env.binds, *env.masks, sandbox.INIT_INSIDE, "/tmp",
               *(f"/dev/{d}" for d in ("null", "zero", "random", "urandom", "fd", "stdin", "stdout", "stderr", "shm"))]
    parents = {str(p) for a in allowed for p in Path(a).parents}
    outside = [p for p in seen if p not in parents and not any(p == a or p.startswith(a + "/") for a in allowed)]
    assert seen and outside == []
    assert not [p for p in seen if "site-packages/" in p], "site-packages is masked"


def test_a_concurrent_sandbox_is_invisible():
    secret = f"monkeys-secret-{uuid.uuid4().hex}"
    hider = f"open('/tmp/hidden', 'w').write({secret!r})\nimport time\ntime.sleep(4)\nprint(42)"
    seeker = "import time\ntime.sleep(1)\n" + SEARCH.format(secret=secret, planted=[])
    results = {}

    def judge(name, program, expected):
        results[name] = run_tests(program, ["\n"], lambda i, out: out.split()[:1] == [expected], Limits(cpu_s=10, wall_factor=2))

    threads = [threading.Thread(target=judge, args=a) for a in (("hider", hider, "42"), ("seeker", seeker, "safe"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["hider"].reason == "passed" and results["seeker"].reason == "passed", results


def calibrated(cpu_s: float) -> str:
    """A program that uses about `cpu_s` seconds of CPU here when the machine is quiet (the fastest
    of a few measurements: CPU time inflates when other work shares the cores). Timed as the
    sandbox runs it: module-level code, where the loop variable is a global."""
    n, per_iteration = 500_000, float("inf")
    code = compile(f"for _ in range({n}): pass", "calibration", "exec")
    for _ in range(20):
        start = time.process_time()
        exec(code, {})
        per_iteration = min(per_iteration, (time.process_time() - start) / n)
    return f"for _ in range({int(cpu_s / per_iteration)}): pass\nprint(42)"


@pytest.mark.slow
def test_borderline_verdicts_do_not_flip_under_load():
    """20 judgements each, on 2 concurrent judges (on this 2-core machine shared with other work),
    of a program at 70% of its CPU limit, one at 250% and one that sleeps most of its wall-clock
    allowance: one verdict per program."""
    limits = Limits(cpu_s=0.5)
    programs = {"borderline": calibrated(0.35), "too slow": calibrated(1.5),
                "sleeps, then computes": "import time\ntime.sleep(1.4)\n" + calibrated(0.15)}
    verdicts = {name: [] for name in programs}
    lock = threading.Lock()

    def judge(name):
        for _ in range(10):
            reason = run_tests(programs[name], ["\n"], lambda i, out: out.split() == ["42"], limits).reason
            with lock:
                verdicts[name].append(reason)

    for name in programs:
        threads = [threading.Thread(target=judge, args=(name,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert {name: set(v) for name, v in verdicts.items()} == {
        "borderline": {"passed"}, "too slow": {"time limit"}, "sleeps, then computes": {"passed"}}
    assert all(len(v) == 20 for v in verdicts.values())


ROOTLESS = """
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("cc_sandbox", sys.argv[2])
sandbox = importlib.util.module_from_spec(spec)
sys.modules["cc_sandbox"] = sandbox
spec.loader.exec_module(sandbox)
if why := sandbox.sandbox_unavailable():
    print(json.dumps({"unavailable": why}))
    sys.exit(0)
limits = sandbox.Limits(cpu_s=1, memory_mb=256, output_mb=16, processes=32)
verdicts = {}
for name, program in json.load(sys.stdin).items():
    expected = ["safe"] if "'safe'" in program else ["42"]
    verdicts[name] = sandbox.run_tests(program, ["21\\n"], lambda i, out: out.split() == expected, limits).reason
print(json.dumps({"verdicts": verdicts, "accounting": sandbox.accounting()}))
"""


@pytest.mark.slow
def test_an_unprivileged_judge_gives_the_same_verdicts():
    """The whole hostile battery again, judged by uid 65534 with the system Python: bwrap then
    makes a user namespace, and there are no cgroups."""
    python, setpriv = shutil.which("python3", path="/usr/bin"), shutil.which("setpriv")
    if os.geteuid() != 0 or not python or not setpriv:
        pytest.skip("needs root, setpriv and /usr/bin/python3 to become an unprivileged judge")
    src = REPO / "src"
    done = subprocess.run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", ROOTLESS, str(src),
         str(src / "monkeys/tasks/codecontests/sandbox.py")],
        input=json.dumps({name: program for name, (program, _) in HOSTILE.items()}), capture_output=True, text=True,
        timeout=600, cwd="/",
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    if "unavailable" in answer:
        why = answer["unavailable"]
        if "user namespaces may be disabled" in why or "did not start" in why:
            pytest.skip(f"an unprivileged user cannot make a sandbox here: {why}")
        pytest.fail(f"the sandbox fails for an unprivileged judge: {why}")
    assert answer["accounting"].startswith("rlimits only")
    wrong = {name: (got, HOSTILE[name][1]) for name, got in answer["verdicts"].items() if got != HOSTILE[name][1]}
    assert wrong == {}
