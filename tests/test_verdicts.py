import time
from importlib import metadata

import pandas as pd
import pytest

from monkeys.errors import VerifierUnavailable
from monkeys.tasks import Judgement, competition_math, task_kind
from monkeys.verdicts import verify

gsm8k = task_kind("gsm8k")


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
    real = gsm8k.judge
    monkeypatch.setattr(gsm8k, "judge", lambda value, gold, options: calls.append(value) or real(value, gold, options))
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


def test_a_verifier_bug_on_one_answer_is_a_verdict_that_says_so(monkeypatch):
    monkeypatch.setattr(gsm8k, "judge", lambda value, gold, options: 1 / 0)
    verdicts = verify(chunk([("p1", 0, "#### 12")]), PROBLEMS, {"kind": "gsm8k", "timeout_s": 5})
    assert verdicts["reason"].tolist() == ["verifier error: ZeroDivisionError: division by zero"]
    assert not verdicts["correct"].any()


@pytest.mark.parametrize("installed", [None, "0.8.0"])
def test_math_verify_missing_or_at_another_version_stops_the_job(monkeypatch, installed):
    def version(name):
        if installed is None:
            raise metadata.PackageNotFoundError(name)
        return installed

    monkeypatch.setattr(competition_math.metadata, "version", version)
    competition_math._math_verify.cache_clear()
    try:
        with pytest.raises(VerifierUnavailable, match="pip install math-verify==0.9.0"):
            verify(chunk([("p1", 0, "$\\boxed{12}$")]), PROBLEMS, {"kind": "math", "timeout_s": 5})
    finally:
        competition_math._math_verify.cache_clear()


def test_preflight_runs_before_any_sample_even_an_empty_chunk(monkeypatch):
    def broken(options):
        raise VerifierUnavailable("no backend: run the setup script")

    monkeypatch.setattr(gsm8k, "preflight", broken)
    with pytest.raises(VerifierUnavailable, match="setup script"):
        verify(chunk([]), PROBLEMS, {"kind": "gsm8k", "timeout_s": 5})


def test_only_cacheable_judgements_are_memoized(monkeypatch, tmp_path):
    """An expensive kind's judgements are remembered across runs, except those marked uncacheable."""
    code = task_kind("codecontests")
    calls = []

    def judge(program, gold, options):
        calls.append(program)
        return Judgement(False, "verifier error: flaky backend", cacheable=False) if "flaky" in program \
            else Judgement(True, "passed")

    monkeypatch.setattr(code, "preflight", lambda options: None)
    monkeypatch.setattr(code, "judge", judge)
    problems = pd.DataFrame({"problem_id": ["p1"], "gold": ['{"inputs": [], "outputs": []}']})
    samples = chunk([("p1", 0, "print(1)"), ("p1", 1, "print('flaky')")])
    spec = {"kind": "codecontests", "version": code.verifier_version}
    for _ in range(2):
        verdicts = verify(samples, problems, spec, memo=str(tmp_path))
        assert verdicts["reason"].tolist() == ["passed", "verifier error: flaky backend"]
    assert calls == ["print(1)", "print('flaky')", "print('flaky')"]  # the clean judgement came from the memo
