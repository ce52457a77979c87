import numpy as np
import pandas as pd
import pytest

from monkeys.scores import score

SAMPLES = pd.DataFrame(
    {
        "problem_id": ["p", "p", "q"],
        "sample_idx": [0, 1, 0],
        "text": ["the answer is 4", "maybe 5", "it is 7"],
        "num_output_tokens": [4, 2, 0],
        "cumulative_logprob": [-2.0, -3.0, 0.0],
    }
)
PROBLEMS = pd.DataFrame({"problem_id": ["p", "q"], "question": ["what is 2 + 2", "what is 3 + 4"]})


def test_mean_logprob():
    scores = score(SAMPLES, PROBLEMS, {"kind": "mean_logprob"})
    np.testing.assert_allclose(scores["score"], [-0.5, -1.5, 0.0])
    with pytest.raises(ValueError, match="logprobs: true"):
        score(SAMPLES.drop(columns="cumulative_logprob"), PROBLEMS, {"kind": "mean_logprob"})


@pytest.fixture(scope="module")
def tiny_reward_model(tmp_path_factory):
    """A randomly initialised sequence-classification model with a chat template: the real
    transformers code path, without weights from the hub."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForSequenceClassification, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("reward-model")
    words = sorted({w for t in [*SAMPLES["text"], *PROBLEMS["question"], "user", "assistant", ":"] for w in t.split()})
    vocab = {"[UNK]": 0, "[PAD]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]")
    tokenizer.chat_template = "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} {% endfor %}"
    tokenizer.save_pretrained(path)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, num_labels=1, pad_token_id=1)
    import torch

    torch.manual_seed(0)
    LlamaForSequenceClassification(config).save_pretrained(path)
    return str(path)


def test_reward_model_scores_each_sample_deterministically(tiny_reward_model):
    spec = {"kind": "reward_model", "model": tiny_reward_model, "batch_size": 2, "max_length": 64}
    first = score(SAMPLES, PROBLEMS, spec)
    assert first[["problem_id", "sample_idx"]].equals(SAMPLES[["problem_id", "sample_idx"]])
    assert np.isfinite(first["score"]).all() and first["score"].nunique() == 3
    np.testing.assert_allclose(score(SAMPLES, PROBLEMS, spec)["score"], first["score"], rtol=1e-5)
    # Padding in a batch must not change a sample's score.
    alone = score(SAMPLES.iloc[[1]], PROBLEMS, spec)["score"].iloc[0]
    assert alone == pytest.approx(first["score"].iloc[1], rel=1e-4)
