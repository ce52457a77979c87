"""DAG size and build time at paper scale, and what a config change schedules.

A paper-scale config (5 tasks x 6 models x 10,000 samples x 128 problems, chunks of 1,000) is
planned with `snakemake -n` in a scratch directory (goal: < 30 s). Then, with every output of a
smaller run present (created empty and marked done with `--touch`, so Snakemake has its metadata),
it counts the jobs scheduled after (a) a plot-only change, (b) n_samples 100 -> 1000,
(c) a verifier change.

    python benchmarks/dag.py [--workdir /tmp/monkeys-dag]

The five tasks are GSM8K and MATH with different subset seeds: the task kinds of the other
benchmarks change nothing about the DAG's shape.
"""

import argparse
import copy
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
MODELS = ["llama-3-8b-instruct", "llama-3-70b-instruct", "gemma-2b", "pythia-1b", "pythia-2.8b", "pythia-12b"]


def paper_scale(n_samples: int, chunk_size: int) -> dict:
    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    tasks = {}
    for i in range(5):
        base = copy.deepcopy(paper["tasks"]["gsm8k" if i % 2 == 0 else "math"])
        base["subset"]["seed"] = i
        tasks[f"task{i}"] = base
    sampling = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 512, "n_samples": n_samples, "chunk_size": chunk_size}
    experiments = {f"{t}-{m}": {"task": t, "model": m, "sampling": dict(sampling)} for t in tasks for m in MODELS}
    figures = {t: {"experiments": [f"{t}-{m}" for m in MODELS], "title": t} for t in tasks}
    models = {m: paper["models"][m] for m in MODELS}
    return {"tasks": tasks, "models": models, "experiments": experiments, "figures": figures,
            "resources": paper["resources"]}


def snakemake(workdir: Path, *args: str) -> str:
    command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def job_counts(output: str) -> dict:
    if "Job stats:" not in output:
        return {}
    table = output.split("Job stats:")[1].split("\n\n")[0]
    return {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M)}


def write_config(workdir: Path, config: dict) -> None:
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def mark_everything_done(workdir: Path) -> None:
    """Create every output of the DAG empty, then let Snakemake record them as done."""
    summary = snakemake(workdir, "--summary")
    for line in summary.splitlines()[1:]:
        path = workdir / line.split("\t")[0]
        if line.split("\t")[0].startswith("cache/models/") and not path.suffix:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    snakemake(workdir, "--touch")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/monkeys-dag"))
    args = parser.parse_args()
    workdir = args.workdir
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / "data").symlink_to(REPO / "data")

    write_config(workdir, paper_scale(10_000, 1_000))
    start = time.perf_counter()
    counts = job_counts(snakemake(workdir, "-n"))
    print(f"paper scale, 10,000 samples in chunks of 1,000: snakemake -n {time.perf_counter() - start:.1f} s, "
          f"{counts['total']} jobs: {counts}")

    base = paper_scale(100, 100)
    write_config(workdir, base)
    mark_everything_done(workdir)
    print(f"after a complete run with n_samples=100: {job_counts(snakemake(workdir, '-n')) or 'nothing to do'}")

    plot_only = copy.deepcopy(base)
    plot_only["figures"]["task0"]["title"] = "new title"
    more_samples = copy.deepcopy(base)
    for e in more_samples["experiments"].values():
        e["sampling"]["n_samples"] = 1000
    verifier = copy.deepcopy(base)
    for e in verifier["experiments"].values():
        e["verifier"] = {"timeout_s": 10}
    for label, config in [("(a) plot-only change", plot_only), ("(b) n_samples 100 -> 1000", more_samples),
                          ("(c) verifier change", verifier)]:
        write_config(workdir, config)
        start = time.perf_counter()
        counts = job_counts(snakemake(workdir, "-n"))
        print(f"{label}: {time.perf_counter() - start:.1f} s, {counts}")


if __name__ == "__main__":
    main()
