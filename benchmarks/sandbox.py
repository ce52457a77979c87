"""Sandboxed executions per second, and the time to verify one CodeContests chunk.

1. A trivial program (`print(input())`) run on T tests per program, P programs, on `--threads`
   workers: executions (one program on one test) per second, counting the sandbox start-up.
2. One chunk as the embedded default makes it: 8 shipped problems x 8 samples, each sample the
   problem's reference solution (all 10 tests run: the worst case for a passing program) with a
   distinct comment so that nothing is de-duplicated; judged by `monkeys.verdicts` without memo.

Prints the CPU model, the load average before and after, and how resources are accounted
(cgroups or rlimits), since all three change the numbers.

    python benchmarks/sandbox.py [--threads 2] [--programs 200]
"""

import argparse
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from monkeys.problems import download
from monkeys.tasks import task_kind
from monkeys.tasks.codecontests import sandbox
from monkeys.verdicts import verify

DATA = Path(__file__).resolve().parents[1] / "data" / "codecontests" / "problems.jsonl"


def cpu_model() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, {os.cpu_count()} CPUs"


def trivial(programs: int, tests: int, threads: int) -> float:
    inputs = [f"{i}\n" for i in range(tests)]

    def one(p):
        result = sandbox.run_tests(f"print(input())  # {p}", inputs, lambda i, out: out.strip() == str(i))
        assert result.reason == "passed", result

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(programs)))
    return programs * tests / (time.perf_counter() - start)


def chunk(threads: int) -> tuple[float, dict]:
    spec = {"kind": "codecontests", "source": {"local": str(DATA)}, "subset": {"size": 8, "seed": 0, "where": {"index": ["A"]}}}
    problems = download(spec)
    solutions = {json.loads(line)["name"]: json.loads(line)["solutions"]["solution"][0] for line in DATA.open()}
    names = [json.loads(m)["name"] for m in problems["metadata"]]
    samples = pd.DataFrame(
        [(pid, s, f"{solutions[name]}\n# sample {s}") for pid, name in zip(problems["problem_id"], names) for s in range(8)],
        columns=["problem_id", "sample_idx", "text"],
    )
    verifier = {"kind": "codecontests", "version": task_kind("codecontests").verifier_version}
    start = time.perf_counter()
    verdicts = verify(samples, problems, verifier, threads=threads)
    return time.perf_counter() - start, verdicts["reason"].value_counts().to_dict()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--programs", type=int, default=200)
    args = parser.parse_args()
    if why := sandbox.sandbox_unavailable():
        raise SystemExit(f"no sandbox: {why}")
    print(f"CPU: {cpu_model()}; load average {os.getloadavg()[0]:.2f}")
    print(f"accounting: {sandbox.accounting()}")
    for tests in (1, 10):
        rate = trivial(args.programs, tests, args.threads)
        print(f"trivial program, {tests:2d} test(s) per program, {args.threads} threads: {rate:.0f} executions/s")
    elapsed, reasons = chunk(args.threads)
    print(f"one chunk (8 problems x 8 samples, reference solutions, 10 tests each), {args.threads} threads: "
          f"{elapsed:.1f} s; verdicts {reasons}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
