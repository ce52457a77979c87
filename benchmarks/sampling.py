"""Sampling throughput through the pipeline's `sample` vs calling vLLM directly (goal >= 0.97x).

Both run the same model, engine arguments and SamplingParams on the same prompts, each in a fresh
process, alternating, and count generated tokens per second after engine start-up (the pipeline's
figure includes building its output table).

    python benchmarks/sampling.py --config config/config.yaml --experiment gsm8k-smollm2 [--rounds 2]

Needs the experiment's problems and model in cache/ (run the pipeline once first).
"""

import argparse
import json
import subprocess
import sys
import time

import pandas as pd
import yaml
from snakemake.utils import validate

from monkeys.plan import Plan
from monkeys.sampling import configure_cpu_engine, engine_arguments, model_location, sample, sampling_params


def measure(mode: str, plan: Plan, experiment: str) -> None:
    """Sample chunk 0 of the experiment once; prints `chunk 0: ... (R tok/s)`."""
    e = plan.experiments[experiment]
    spec = plan.samples[e.samples]
    problems = pd.read_parquet(plan.problems_path(e.problems))
    model_dir = plan.model_path(spec["model"]["prepared"]) if "prepared" in spec["model"] else None
    path, seed = model_location(spec["model"], model_dir), plan.chunk_seed(e.samples, 0)
    if mode == "pipeline":
        sample(problems, spec, 0, seed, path)
        return
    from vllm import LLM
    from vllm.platforms import current_platform

    if current_platform.is_cpu():
        configure_cpu_engine(spec["model"]["cpu_kvcache_gib"])
    llm = LLM(**engine_arguments(spec["model"], path, seed))
    params = sampling_params(spec)
    start = time.perf_counter()
    outputs = llm.generate(list(problems["prompt"]), params, use_tqdm=False)
    elapsed = time.perf_counter() - start
    tokens = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    print(f"chunk 0: direct, {tokens} tokens in {elapsed:.1f} s ({tokens / elapsed:.1f} tok/s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--experiment", default="gsm8k-smollm2")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mode", choices=["direct", "pipeline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    config = yaml.safe_load(open(args.config))
    validate(config, "config/schema.yaml")
    plan = Plan(config)
    if args.mode:
        measure(args.mode, plan, args.experiment)
        return
    rates = {"direct": [], "pipeline": []}
    for _ in range(args.rounds):
        for mode in rates:
            out = subprocess.run([sys.executable, __file__, "--config", args.config, "--experiment", args.experiment, "--mode", mode],
                                 capture_output=True, text=True, check=True).stdout
            line = [l for l in out.splitlines() if l.startswith("chunk 0:")][-1]
            rate = float(line.rsplit("(", 1)[1].split()[0])
            rates[mode].append(rate)
            print(f"{mode:8s} {line}")
    best = {m: max(r) for m, r in rates.items()}
    print(json.dumps({"tok_per_s": rates, "ratio_of_best": round(best["pipeline"] / best["direct"], 3)}))


if __name__ == "__main__":
    main()
