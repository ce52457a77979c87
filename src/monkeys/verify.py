"""Judge every sample of a chunk with its task's verifier.

Each extraction and each equivalence check runs under a wall-clock alarm (symbolic equivalence
can hang on adversarial LaTeX). Identical completions are parsed once and identical extracted
answers to the same problem are checked once: with many samples per problem, most are repeats.

Tasks whose judging is expensive (running programs, checking proofs) define
`judge(answer, gold, options) -> (correct, reason)`, which enforces its own limits and raises
`VerifierUnavailable` when this machine lacks what judging needs (then the job stops with the
reason rather than record wrong verdicts). Their judgements run on `threads` workers and are
memoized on disk by (task, verifier options, gold, answer), so an answer seen in any chunk, or any
earlier run, is judged once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from monkeys.errors import VerifierUnavailable
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


def verify(
    samples: pd.DataFrame, problems: pd.DataFrame, verifier: dict, threads: int = 1, memo: str | None = None
) -> pd.DataFrame:
    """One verdict per sample: extracted answer, correct, and a reason.

    `verifier` is the verifier spec: `kind`, `timeout_s` and the task's judging options.
    """
    task = task_kind(verifier["kind"])
    no_answer = getattr(task, "NO_ANSWER", "no answer")
    extractions: dict[str, tuple] = {}
    gold_text = problems.set_index("problem_id")["gold"]
    pending: dict[tuple[str, str], object] = {}
    rows = []
    for pid, idx, text in zip(samples["problem_id"], samples["sample_idx"], samples["text"]):
        if text not in extractions:
            extractions[text] = _timed(verifier["timeout_s"], task.extract_answer, text)
        extracted, failure = extractions[text]
        if failure or extracted is None:
            rows.append((pid, idx, None, failure or no_answer))
            continue
        key, value = extracted
        pending.setdefault((pid, key), value)
        rows.append((pid, idx, key, None))
    judge = _judge_expensive if hasattr(task, "judge") else _judge_cheap
    checks = judge(task, pending, gold_text, verifier, threads, memo)
    verdicts = [
        (pid, idx, key, *(checks[pid, key] if reason is None else (False, reason))) for pid, idx, key, reason in rows
    ]
    return pd.DataFrame(verdicts, columns=VERDICT_COLUMNS)


def _judge_cheap(task, pending, gold_text, verifier, threads, memo) -> dict:
    golds, checks = {}, {}
    for (pid, key), value in pending.items():
        if pid not in golds:
            golds[pid] = task.parse_gold(gold_text[pid])
        correct, failure = _timed(verifier["timeout_s"], task.is_correct, value, golds[pid])
        checks[pid, key] = (bool(correct), failure or ("correct" if correct else "wrong"))
    return checks


def _judge_expensive(task, pending, gold_text, verifier, threads, memo) -> dict:
    cache = JudgementCache(memo, verifier) if memo else None
    checks = {pair: cache.get(gold_text[pair[0]], pair[1]) for pair in pending} if cache else {}
    todo = [pair for pair in pending if checks.get(pair) is None]
    options = {k: v for k, v in verifier.items() if k not in ("kind", "version")}
    golds = {pid: task.parse_gold(gold_text[pid]) for pid, _ in todo}

    def one(pair):
        pid, key = pair
        try:
            return task.judge(pending[pair], golds[pid], options)
        except VerifierUnavailable:
            raise
        except Exception as err:  # a judge bug on one answer must not sink the chunk (nor be memoized)
            return False, f"verifier error: {type(err).__name__}: {err}"

    with ThreadPoolExecutor(max(1, threads)) as pool:
        for pair, (correct, reason) in zip(todo, pool.map(one, todo)):
            checks[pair] = (bool(correct), reason)
            if cache and not reason.startswith("verifier error"):
                cache.put(gold_text[pair[0]], pair[1], checks[pair])
    return checks


class JudgementCache:
    """Judgements on disk, one small JSON file per (verifier, gold, answer) hash; safe to share."""

    def __init__(self, directory: str, verifier: dict):
        self.directory = Path(directory) / verifier["kind"]
        self.salt = json.dumps(verifier, sort_keys=True)

    def _path(self, gold: str, answer: str) -> Path:
        h = hashlib.sha256()
        for part in (self.salt, gold, answer):
            h.update(hashlib.sha256(part.encode()).digest())
        name = h.hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get(self, gold: str, answer: str) -> tuple[bool, str] | None:
        try:
            return tuple(json.loads(self._path(gold, answer).read_text()))
        except (OSError, ValueError):
            return None

    def put(self, gold: str, answer: str, judgement: tuple[bool, str]) -> None:
        path = self._path(gold, answer)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as f:
            json.dump(list(judgement), f)
        os.replace(f.name, path)
