import json

import pytest

from conftest import DATA
from monkeys.problems import DatasetUnavailable, download, hub_unreachable, load_rows

GSM8K = {
    "kind": "gsm8k",
    "source": {"hub": {"path": "openai/gsm8k", "name": "main", "split": "test"}, "local": str(DATA / "gsm8k/test.jsonl")},
    "subset": {"size": 8, "seed": 0, "where": {}},
    "few_shot": {"source": {"local": str(DATA / "gsm8k/train.jsonl")}, "num": 5, "seed": 0},
}
MATH = {
    "kind": "math",
    "source": {"local": str(DATA / "math/test.jsonl")},
    "subset": {"size": 8, "seed": 0, "where": {"level": ["Level 1"]}},
    "few_shot": {"source": {"builtin": "minerva_math_4shot"}, "num": 4, "seed": None},
}


def test_offline_hub_falls_back_to_the_local_snapshot(offline, caplog):
    problems = download(GSM8K)
    assert "HF_HUB_OFFLINE is set" in caplog.text and "local snapshot" in caplog.text
    assert len(problems) == 8 and problems["problem_id"].is_unique
    assert list(problems.columns) == ["problem_id", "prompt", "gold", "question", "metadata"]
    assert all(p.count("Question:") == 6 and p.endswith("Answer:") for p in problems["prompt"])
    assert download(GSM8K).equals(problems)  # deterministic subset and shots


def test_subset_seed_and_size_select_different_problems(offline):
    other = download({**GSM8K, "subset": {"size": 8, "seed": 1, "where": {}}})
    assert set(other["problem_id"]) != set(download(GSM8K)["problem_id"])


def test_math_level_filter_and_minerva_prompt(offline):
    problems = download(MATH)
    assert all(json.loads(m)["level"] == "Level 1" for m in problems["metadata"])
    assert all(p.count("I hope it is correct.") == 4 for p in problems["prompt"])


def test_missing_data_explains_how_to_point_at_a_local_file(offline, tmp_path):
    source = {"hub": {"path": "openai/gsm8k", "name": "main", "split": "test"}, "local": str(tmp_path / "nope.jsonl")}
    with pytest.raises(DatasetUnavailable) as err:
        load_rows(source)
    message = str(err.value)
    assert "HF_HUB_OFFLINE is set" in message and "nope.jsonl" in message and "local: PATH" in message


def test_unreachable_hub_is_detected_without_retries(monkeypatch):
    hub_unreachable.cache_clear()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://127.0.0.1:9")  # nothing listens on the discard port
    try:
        assert "unreachable" in hub_unreachable()
    finally:
        hub_unreachable.cache_clear()


def test_subset_larger_than_the_data_is_an_error(offline):
    with pytest.raises(ValueError, match="exceeds"):
        download({**MATH, "subset": {"size": 10_000, "seed": 0, "where": {"level": ["Level 1"]}}})
