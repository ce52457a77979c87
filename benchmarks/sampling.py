"""Sampling throughput: the pipeline's `sample` on one chunk vs the best engine configuration found
for the machine (goal: pipeline >= 0.9x the best).

Both sample the same problems with the same model and sampling parameters (temperature, top-p,
max_tokens, stop strings, log-probabilities); "best" may change what only moves throughput: dtype
(where the machine prefers another), sequences per `generate` call (n), and engine settings.
Each run is a fresh process (its own engine), runs alternate, and the 1-minute load average is
recorded with every run: on a shared machine only same-run comparisons mean anything.
Tokens per second count generated tokens over the `generate` call (the pipeline's includes
building its output table); engine start-up is reported apart.

    python benchmarks/sampling.py --spec SPEC.json --problems PROBLEMS.parquet [--model DIR] \\
        [--engine max_num_seqs=512] --best dtype=bfloat16,n=64,max_num_seqs=512 [--rounds 2]

SPEC.json: a samples spec as the pipeline writes it beside each chunk (model, sampling, stop;
`seed` optional), PROBLEMS.parquet: its problems table (cache/problems/). `--engine`: the model's
engine settings (ENGINE_FIELDS, not part of the spec) for the pipeline run. `--model`: the
prepared model directory (default: the embedded model, prepared into a temporary directory).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from engine import loadavg, prepared_model  # noqa: E402

ENGINE_KEYS = ("gpu_memory_utilization", "cpu_kvcache_gib", "max_num_seqs", "max_num_batched_tokens",
               "enable_chunked_prefill", "block_size", "top_p_candidates")


def parse(text: str) -> dict:
    out = {}
    for item in filter(None, (text or "").split(",")):
        key, value = item.split("=", 1)
        if key == "dtype":
            out[key] = value
        elif key in ("gpu_memory_utilization", "cpu_kvcache_gib"):
            out[key] = float(value)
        elif key == "enable_chunked_prefill":
            out[key] = bool(int(value))
        else:
            out[key] = int(value)
    return out


def measure(mode: str, spec: dict, problems_path: str, model: str, engine: dict, best: dict) -> dict:
    import pandas as pd

    from monkeys.samples import configure_cpu_engine, engine_arguments, sample, sampling_params, use_nucleus

    problems = pd.read_parquet(problems_path)
    seed = spec.get("seed", 0)
    load = loadavg()
    if mode == "pipeline":
        start = time.perf_counter()
        table = sample(problems, spec, 0, seed, model, engine)
        total = time.perf_counter() - start
        return {"tokens": int(table["num_output_tokens"].sum()), "sequences": len(table), "total_s": round(total, 1),
                "load_before": load, "load_after": loadavg()}
    from vllm import LLM
    from vllm.platforms import current_platform

    model_spec = {**spec["model"], **{k: v for k, v in best.items() if k == "dtype"}}
    settings = {k: v for k, v in best.items() if k in ENGINE_KEYS}
    if current_platform.is_cpu():
        configure_cpu_engine()
        use_nucleus(settings.get("top_p_candidates", 128))
    start = time.perf_counter()
    llm = LLM(**{**engine_arguments(model_spec, model, seed, settings), "disable_log_stats": True})
    started = time.perf_counter() - start
    params = sampling_params(spec)
    params.n = best.get("n", params.n)
    start = time.perf_counter()
    outputs = llm.generate(list(problems["prompt"]), params, use_tqdm=False)
    elapsed = time.perf_counter() - start
    tokens = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    return {"tokens": tokens, "sequences": sum(len(o.outputs) for o in outputs), "seconds": round(elapsed, 1),
            "tok_per_s": round(tokens / elapsed, 1), "start_s": round(started, 1), "load_before": load,
            "load_after": loadavg()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--problems", required=True)
    parser.add_argument("--model")
    parser.add_argument("--engine", default="", help="the pipeline run's engine settings: key=value,...")
    parser.add_argument("--best", default="", help="the best configuration: dtype, n, engine settings")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mode", choices=["best", "pipeline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = json.loads(Path(args.spec).read_text())
    engine, best = parse(args.engine), parse(args.best)
    if args.mode:
        result = measure(args.mode, spec, args.problems, args.model, engine, best)
        print("RESULT " + json.dumps(result), flush=True)
        return
    model = args.model or prepared_model()
    rates = {"pipeline": [], "best": []}
    env = {**os.environ, "VLLM_LOGGING_LEVEL": "WARNING"}
    for r in range(args.rounds):
        for mode in rates:
            out = subprocess.run([sys.executable, __file__, "--spec", args.spec, "--problems", args.problems,
                                  "--model", model, "--engine", args.engine, "--best", args.best, "--mode", mode],
                                 capture_output=True, text=True, env=env)
            results = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
            if out.returncode or not results:
                print(f"round {r + 1} {mode}: FAILED\n{out.stderr[-3000:]}", flush=True)
                continue
            result = json.loads(results[-1][len("RESULT "):])
            if mode == "pipeline":  # sample's own summary line: "chunk 0: S samples, T tokens in X s (R tok/s)"
                line = [x for x in out.stdout.splitlines() if x.startswith("chunk 0:") and "tok/s)" in x][-1]
                result["tok_per_s"] = float(line.rsplit("(", 1)[1].split()[0])
                result["summary"] = line
                result["engine_line"] = next((x for x in out.stdout.splitlines() if "engine ready" in x), "")
            rates[mode].append(result)
            print(f"round {r + 1} {mode:8s} {result}", flush=True)
    best_rate = {m: max((x["tok_per_s"] for x in runs), default=float("nan")) for m, runs in rates.items()}
    print(json.dumps({"tok_per_s": {m: [x["tok_per_s"] for x in runs] for m, runs in rates.items()},
                      "load": {m: [x["load_before"] for x in runs] for m, runs in rates.items()},
                      "ratio_of_best": round(best_rate["pipeline"] / best_rate["best"], 3)}))


if __name__ == "__main__":
    main()
