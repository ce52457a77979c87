"""The sampling engine without running a model: dtype resolution, engine settings reaching
`vllm.LLM` (mocked), the hashed/unhashed split of model fields, and the top-p shortcut."""

from types import SimpleNamespace

import pandas as pd
import pytest

from monkeys import samples

INTEL_AMX = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
AMD_ZEN4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n"
AMD_ZEN2 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu sse avx2 fma\n"
ARM_BF16 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n"


@pytest.mark.parametrize("cpuinfo, expected", [
    (INTEL_AMX, "bfloat16"), (AMD_ZEN4, "bfloat16"), (ARM_BF16, "bfloat16"), (AMD_ZEN2, "float32"),
])
def test_auto_dtype_on_cpu_follows_native_bf16(tmp_path, cpuinfo, expected):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    assert samples.resolve_dtype("auto", gpu=False, cpuinfo=str(path)) == expected


def test_auto_dtype_on_gpu_is_left_to_vllm(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(AMD_ZEN2)  # the submitting node's CPU says nothing about the GPU
    assert samples.resolve_dtype("auto", gpu=True, cpuinfo=str(path)) == "auto"


def test_explicit_dtype_and_unreadable_cpuinfo(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(AMD_ZEN2)
    assert samples.resolve_dtype("bfloat16", gpu=False, cpuinfo=str(path)) == "bfloat16"
    assert samples.resolve_dtype("float16", gpu=True) == "float16"
    assert samples.resolve_dtype("auto", gpu=False, cpuinfo=str(tmp_path / "missing")) == "float32"


def test_field_lists_are_disjoint_and_throughput_knobs_unhashed():
    lists = [set(samples.SAMPLE_FIELDS), set(samples.ENGINE_FIELDS), set(samples.COST_FIELDS)]
    assert sum(map(len, lists)) == len(set().union(*lists))
    assert {"dtype", "max_model_len", "enforce_eager", "tensor_parallel_size", "source"} <= lists[0]
    assert {"max_num_seqs", "max_num_batched_tokens", "gpu_memory_utilization", "cpu_kvcache_gib",
            "top_p_candidates"} <= lists[1]


MODEL = {
    "source": {"hub": "org/model", "revision": "abc"}, "dtype": "bfloat16", "max_model_len": 2048,
    "enforce_eager": True, "tensor_parallel_size": 1,
}
ENGINE = {"gpu_memory_utilization": 0.5, "cpu_kvcache_gib": 2.5, "max_num_seqs": 512, "max_num_batched_tokens": 8192,
          "enable_chunked_prefill": True, "block_size": 128, "top_p_candidates": 128}


def test_engine_arguments_carry_engine_knobs(monkeypatch):
    monkeypatch.setattr(samples, "_on_cpu", lambda: True)
    args = samples.engine_arguments(MODEL, "/m", seed=7, engine=ENGINE)
    assert args["max_num_seqs"] == 512 and args["max_num_batched_tokens"] == 8192
    assert args["enable_chunked_prefill"] is True and args["block_size"] == 128
    assert args["gpu_memory_utilization"] == 0.5
    assert args["kv_cache_memory_bytes"] == int(2.5 * 2**30)  # fractional GiB: the env variable takes whole GiB only
    assert args["seed"] == 7 and args["dtype"] == "bfloat16" and args["revision"] == "abc"
    assert "top_p_candidates" not in args and "cpu_kvcache_gib" not in args  # not vLLM arguments


def test_unset_knobs_leave_vllm_defaults(monkeypatch):
    monkeypatch.setattr(samples, "_on_cpu", lambda: False)
    args = samples.engine_arguments({**MODEL, "dtype": "auto"}, "/m", seed=0, engine={"max_num_seqs": None})
    assert "max_num_seqs" not in args and "kv_cache_memory_bytes" not in args
    assert args["dtype"] == "auto"  # GPU: vLLM picks the checkpoint's dtype


def test_auto_dtype_resolved_on_cpu_when_the_plan_did_not(monkeypatch):
    monkeypatch.setattr(samples, "_on_cpu", lambda: True)
    monkeypatch.setattr(samples, "resolve_dtype", lambda requested, gpu: "float32")
    assert samples.engine_arguments({**MODEL, "dtype": "auto"}, "/m", seed=0)["dtype"] == "float32"


def test_engine_settings_picks_engine_fields_only():
    config = {**MODEL, **ENGINE, "parameters": 1, "price": {}}
    assert samples.engine_settings(config) == ENGINE


class FakeLLM:
    """Stands in for vllm.LLM: records its arguments, returns n completions per prompt."""

    created = []

    def __init__(self, **kwargs):
        FakeLLM.created.append(kwargs)
        scheduler = SimpleNamespace(max_num_seqs=kwargs.get("max_num_seqs", 256),
                                    max_num_batched_tokens=kwargs.get("max_num_batched_tokens", 4096))
        self.llm_engine = SimpleNamespace(model_config=SimpleNamespace(dtype="torch.bfloat16"),
                                          vllm_config=SimpleNamespace(scheduler_config=scheduler))

    def get_metrics(self):
        return []

    def generate(self, prompts, params, use_tqdm):
        def completion(i):
            return SimpleNamespace(index=i, text=f"answer {i}", token_ids=[1] * (i + 1), finish_reason="stop",
                                   cumulative_logprob=-1.0 * i)

        return [SimpleNamespace(prompt_token_ids=[0, 0, 0], outputs=[completion(i) for i in reversed(range(params.n))])
                for _ in prompts]


def test_sample_passes_engine_settings_to_vllm(monkeypatch, capsys):
    vllm = pytest.importorskip("vllm")
    monkeypatch.setattr(vllm, "LLM", FakeLLM)
    monkeypatch.setattr(samples, "_on_cpu", lambda: False)
    FakeLLM.created.clear()
    spec = {"model": MODEL, "stop": ["Question:"],
            "sampling": {"chunk_size": 4, "temperature": 0.6, "top_p": 0.95, "max_tokens": 16, "logprobs": True}}
    problems = pd.DataFrame({"problem_id": ["p1", "p2"], "prompt": ["a", "b"]})
    table = samples.sample(problems, spec, chunk=2, seed=11, model_path="/m", engine=ENGINE)
    (args,) = FakeLLM.created
    assert args["max_num_seqs"] == 512 and args["max_num_batched_tokens"] == 8192 and args["seed"] == 11
    assert list(table["sample_idx"]) == [8, 9, 10, 11] * 2  # chunk 2 of 4 samples, in completion order
    assert list(table["num_output_tokens"]) == [1, 2, 3, 4] * 2
    assert "cumulative_logprob" in table
    out = capsys.readouterr().out
    assert "dtype bfloat16" in out and "max_num_seqs 512" in out
    assert "chunk 2: 8 samples, 20 tokens" in out


def test_progress_line_from_vllm_counters(monkeypatch):
    lines = []
    monkeypatch.setattr(samples, "say", lines.append)
    counter = SimpleNamespace(name="vllm:generation_tokens", value=0.0)
    finished = SimpleNamespace(name="vllm:request_generation_tokens", count=0, sum=0.0)
    llm = SimpleNamespace(get_metrics=lambda: [counter, finished])
    progress = samples.Progress(llm, "chunk 0", samples=64, max_tokens=256, every=0.05)
    counter.value, finished.count, finished.sum = 1000.0, 4, 400.0
    with progress:
        import time

        time.sleep(0.2)
    assert lines and "chunk 0: 4/64 samples, 1000 tokens" in lines[-1] and "about" in lines[-1] and "left" in lines[-1]


def test_nucleus_keeps_exactly_vllms_top_p_set():
    torch = pytest.importorskip("torch")
    ops = pytest.importorskip("vllm.v1.sample.ops.topk_topp_sampler")
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(64, 5000, generator=generator) * 2
    logits[:32, :20] += 8  # peaked rows: decided among the candidates
    p = torch.full((64,), 0.95)
    p[5] = 1.0  # top-p 1 keeps everything
    p[6] = 0.5
    expected = ops.apply_top_k_top_p_pytorch(logits.clone(), None, p, allow_cpu_sync=True)
    got = samples.nucleus(logits.clone(), p, candidates=64)  # flat rows fall back to the sort
    assert torch.equal(torch.isinf(expected), torch.isinf(got))
    kept = ~torch.isinf(got)
    assert torch.equal(got[kept], logits[kept])


def test_use_nucleus_patches_and_restores_vllms_sampler():
    ops = pytest.importorskip("vllm.v1.sample.ops.topk_topp_sampler")
    original = ops.apply_top_k_top_p
    try:
        assert samples.use_nucleus(128)
        assert ops.apply_top_k_top_p is not original
        assert samples.use_nucleus(256)  # re-patching wraps vLLM's function, not the previous patch
        assert ops._monkeys_original_top_k_top_p is original
    finally:
        assert not samples.use_nucleus(0)
    assert ops.apply_top_k_top_p is original


def test_cpu_block_size_default(monkeypatch):
    """Small KV blocks on CPU: each of a prompt's n samples recomputes the prompt's partial last block."""
    monkeypatch.setattr(samples, "_on_cpu", lambda: True)
    assert samples.engine_arguments(MODEL, "/m", seed=0)["block_size"] == samples.CPU_BLOCK_SIZE == 32
    assert samples.engine_arguments(MODEL, "/m", seed=0, engine={"block_size": 128})["block_size"] == 128
    monkeypatch.setattr(samples, "_on_cpu", lambda: False)
    assert "block_size" not in samples.engine_arguments(MODEL, "/m", seed=0)  # GPUs: vLLM's 16
