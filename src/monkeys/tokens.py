"""What repeated sampling costs: inference FLOPs from token counts and model shape, and API dollars.

FLOPs per token follow the paper's approximation (after Kaplan et al. 2020):
    2 * (parameters + 2 * layers * context * d_model),
where `context` is the number of tokens the token attends to. Summed exactly over positions:
a prompt of P tokens prefilled once costs sum_{i=1..P}; G generated tokens after it cost
sum_{j=1..G} with context P + j. With prefix sharing (vLLM's n samples per prompt) the prompt is
counted once per problem; API prices charge input tokens on every sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOKEN_COLUMNS = ["problem_id", "num_samples", "num_prompt_tokens", "mean_output_tokens", "mean_squared_output_tokens"]


def flops_over_positions(num_tokens, first_context, parameters: int, layers: int, d_model: int):
    """FLOPs of `num_tokens` consecutive tokens whose contexts are first_context, first_context+1, ..."""
    t = np.asarray(num_tokens, dtype=float)
    c0 = np.asarray(first_context, dtype=float)
    return 2.0 * parameters * t + 4.0 * layers * d_model * (t * c0 + t * (t - 1) / 2)


def count_tokens(samples: pd.DataFrame) -> pd.DataFrame:
    """Per problem: samples, prompt length, and the first two moments of the generated length
    (enough for exact FLOPs, which are quadratic in the generated length)."""
    grouped = samples.assign(squared=samples["num_output_tokens"].astype(float) ** 2).groupby("problem_id", sort=True)
    return pd.DataFrame(
        {
            "num_samples": grouped.size(),
            "num_prompt_tokens": grouped["num_prompt_tokens"].first(),
            "mean_output_tokens": grouped["num_output_tokens"].mean(),
            "mean_squared_output_tokens": grouped["squared"].mean(),
        }
    ).reset_index()[TOKEN_COLUMNS]


def flops_at(usage: pd.DataFrame, ks, model: dict) -> np.ndarray:
    """Total FLOPs to draw k samples for every problem, each prompt prefilled once (prefix sharing)."""
    prefill, per_sample = _flops_parts(usage, model)
    return prefill + np.asarray(ks, dtype=float) * per_sample.sum()


def flops_drawn(usage: pd.DataFrame, model: dict) -> float:
    """FLOPs of the samples actually drawn (each problem its own number: adaptive allocation)."""
    prefill, per_sample = _flops_parts(usage, model)
    return float(prefill + (usage["num_samples"].to_numpy() * per_sample).sum())


def _flops_parts(usage: pd.DataFrame, model: dict) -> tuple[float, np.ndarray]:
    """FLOPs of prefilling every prompt once, and of one sample of each problem (in expectation)."""
    parameters, layers, d_model = model_shape(model)
    prompt = usage["num_prompt_tokens"].to_numpy(dtype=float)
    prefill = flops_over_positions(prompt, 1, parameters, layers, d_model).sum()
    g, g2 = usage["mean_output_tokens"].to_numpy(), usage["mean_squared_output_tokens"].to_numpy()
    # E over samples of flops_over_positions(G, P + 1): linear in E[G] and E[G^2].
    per_sample = 2.0 * parameters * g + 4.0 * layers * d_model * (g * (prompt + 1) + (g2 - g) / 2)
    return prefill, per_sample


def dollars_at(usage: pd.DataFrame, ks, price: dict) -> np.ndarray:
    """API cost of k samples for every problem (input tokens billed on every request)."""
    per_sample = (usage["num_prompt_tokens"] * price["input_per_mtok"] + usage["mean_output_tokens"] * price["output_per_mtok"]).sum() / 1e6
    return np.asarray(ks, dtype=float) * per_sample


def model_shape(model: dict) -> tuple[int, int, int]:
    missing = [key for key in ("parameters", "layers", "d_model") if key not in model]
    if missing:
        raise ValueError(f"model shape incomplete for FLOPs accounting: set {missing} in the model's config")
    return model["parameters"], model["layers"], model["d_model"]
