"""Judge every sample of a chunk with its task's verifier.

Each extraction and each equivalence check runs under a wall-clock alarm (symbolic equivalence
can hang on adversarial LaTeX). Identical completions are parsed once and identical extracted
answers to the same problem are checked once: with many samples per problem, most are repeats.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pandas as pd

from monkeys.tasks import task_kind

VERDICT_COLUMNS = ["problem_id", "sample_idx", "extracted", "correct", "reason"]


class VerifierTimeout(BaseException):
    """Raised by the alarm; a BaseException so sympy's broad `except Exception` cannot swallow it."""


@contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise VerifierTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timed(seconds, fn, *args):
    """(result, None) or (None, reason) for a call under the time limit."""
    try:
        with time_limit(seconds):
            return fn(*args), None
    except VerifierTimeout:
        return None, "timeout"
    except Exception as err:  # a verifier bug on one sample must not sink the chunk
        return None, f"error: {type(err).__name__}"


def verify(samples: pd.DataFrame, problems: pd.DataFrame, kind: str, timeout_s: float) -> pd.DataFrame:
    """One verdict per sample: extracted answer, correct, and a reason."""
    task = task_kind(kind)
    golds = {}
    extractions: dict[str, tuple] = {}
    checks: dict[tuple[str, str], tuple[bool, str]] = {}
    gold_text = problems.set_index("problem_id")["gold"]
    rows = []
    for pid, idx, text in zip(samples["problem_id"], samples["sample_idx"], samples["text"]):
        if text not in extractions:
            extractions[text] = _timed(timeout_s, task.extract_answer, text)
        extracted, failure = extractions[text]
        if failure or extracted is None:
            rows.append((pid, idx, None, False, failure or "no answer"))
            continue
        key, value = extracted
        if (pid, key) not in checks:
            if pid not in golds:
                golds[pid] = task.parse_gold(gold_text[pid])
            correct, failure = _timed(timeout_s, task.is_correct, value, golds[pid])
            checks[pid, key] = (bool(correct), failure or ("correct" if correct else "wrong"))
        rows.append((pid, idx, key, *checks[pid, key]))
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)
