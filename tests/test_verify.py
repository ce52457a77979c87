import time

import pandas as pd

from monkeys.tasks import gsm8k
from monkeys.verify import verify


def chunk(rows):
    return pd.DataFrame(rows, columns=["problem_id", "sample_idx", "text"])


PROBLEMS = pd.DataFrame({"problem_id": ["p1", "p2"], "gold": ["12", "7"]})


def test_verdicts_and_reasons():
    samples = chunk(
        [
            ("p1", 0, "3*4=12\n#### 12"),
            ("p1", 1, "#### 13"),
            ("p1", 2, "I do not know"),
            ("p2", 0, "#### 7"),
        ]
    )
    verdicts = verify(samples, PROBLEMS, {"kind": "gsm8k", "timeout_s": 5})
    assert verdicts["correct"].tolist() == [True, False, False, True]
    assert verdicts["reason"].tolist() == ["correct", "wrong", "no answer", "correct"]
    assert verdicts["extracted"].fillna("-").tolist() == ["12", "13", "-", "7"]
    assert verdicts[["problem_id", "sample_idx"]].equals(samples[["problem_id", "sample_idx"]])


def test_identical_answers_are_checked_once(monkeypatch):
    calls = []
    real = gsm8k.is_correct
    monkeypatch.setattr(gsm8k, "is_correct", lambda value, gold: calls.append(value) or real(value, gold))
    samples = chunk([("p1", i, f"step {i}\n#### 12") for i in range(5)] + [("p2", 0, "#### 12")])
    verdicts = verify(samples, PROBLEMS, {"kind": "gsm8k", "timeout_s": 5})
    assert verdicts["correct"].tolist() == [True] * 5 + [False]
    assert len(calls) == 2  # (p1, "12") and (p2, "12")


def test_a_hanging_check_times_out_and_the_chunk_goes_on(monkeypatch):
    original = gsm8k.extract_answer
    monkeypatch.setattr(gsm8k, "extract_answer", lambda text: time.sleep(30) if "slow" in text else original(text))
    samples = chunk([("p1", 0, "slow #### 12"), ("p1", 1, "#### 12")])
    start = time.perf_counter()
    verdicts = verify(samples, PROBLEMS, {"kind": "gsm8k", "timeout_s": 0.2})
    assert time.perf_counter() - start < 5
    assert verdicts["reason"].tolist() == ["timeout", "correct"]


def test_a_verifier_error_is_a_verdict_not_a_crash(monkeypatch):
    monkeypatch.setattr(gsm8k, "is_correct", lambda value, gold: 1 / 0)
    verdicts = verify(chunk([("p1", 0, "#### 12")]), PROBLEMS, {"kind": "gsm8k", "timeout_s": 5})
    assert verdicts["reason"].tolist() == ["error: ZeroDivisionError"] and not verdicts["correct"].any()
