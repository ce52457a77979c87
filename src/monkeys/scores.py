"""Scorers rank samples without knowing the answer (for best-of-k selection).

A scorer maps a chunk of samples (and their problems) to one number per sample, higher is better.
- `mean_logprob`: the sampling model's mean token log-probability, recorded while sampling
  (`sampling.logprobs: true`); free, runs anywhere.
- `reward_model`: a sequence-classification reward model from the hub or a local directory
  (e.g. Skywork/Skywork-Reward-Llama-3.1-8B), scored with transformers on a GPU when there is one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def mean_logprob(samples: pd.DataFrame, problems: pd.DataFrame, spec: dict) -> np.ndarray:
    if "cumulative_logprob" not in samples:
        raise ValueError("the mean_logprob scorer needs log-probabilities: set `logprobs: true` in the experiment's sampling")
    return (samples["cumulative_logprob"] / samples["num_output_tokens"].clip(lower=1)).to_numpy()


def reward_model(samples: pd.DataFrame, problems: pd.DataFrame, spec: dict) -> np.ndarray:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(spec["model"])
    model = AutoModelForSequenceClassification.from_pretrained(spec["model"], dtype=torch.bfloat16 if device == "cuda" else torch.float32)
    model.to(device).eval()
    questions = problems.set_index("problem_id")["question"]
    texts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": questions[pid]}, {"role": "assistant", "content": text}], tokenize=False
        )
        for pid, text in zip(samples["problem_id"], samples["text"])
    ]
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    scores = []
    with torch.inference_mode():
        for start in range(0, len(texts), spec["batch_size"]):
            batch = tokenizer(texts[start : start + spec["batch_size"]], return_tensors="pt", padding=True,
                              truncation=True, max_length=spec["max_length"]).to(device)
            scores.append(model(**batch).logits[:, 0].float().cpu().numpy())
    return np.concatenate(scores) if scores else np.zeros(0)


SCORERS = {"mean_logprob": mean_logprob, "reward_model": reward_model}


def score(samples: pd.DataFrame, problems: pd.DataFrame, spec: dict) -> pd.DataFrame:
    values = SCORERS[spec["kind"]](samples, problems, spec)
    return pd.DataFrame({"problem_id": samples["problem_id"], "sample_idx": samples["sample_idx"], "score": values})
