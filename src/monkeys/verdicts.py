"""Judge every sample of a chunk with its task's verifier.

The task's `preflight` runs first: a verifier that cannot run correctly here stops the job with
the reason, before any sample is judged. Identical completions are parsed once and identical
extracted answers to the same problem are judged once: with many samples per problem, most are
repeats.

Cheap judging (`Task.expensive` false) runs inline, each extraction and each check under a
wall-clock alarm (symbolic equivalence can hang on adversarial LaTeX). Expensive judging (running
programs, checking proofs) enforces its own limits, runs on `threads` workers and is memoized on
disk by (verifier spec, gold, answer) in `monkeys.memo`, so an answer seen in any chunk, or any
earlier run, is judged once. A judgement the verifier could not make (it raised) is a verdict
`verifier error: ...` that is never memoized; `VerifierUnavailable` always stops the job.
"""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pandas as pd

from monkeys.errors import VerifierUnavailable
from monkeys.memo import JudgementMemo
from monkeys.tasks import Judgement, Task, task_kind
from monkeys.tasks.base import options_from

VERDICT_COLUMNS = ["problem_id", "sample_idx", "extracted", "correct", "reason"]
SPEC_KEYS = ("kind", "version")  # the verifier spec's keys that are not options


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


def _guarded(fn, *args, seconds: float | None = None):
    """(result, None) or (None, Judgement) for a call that timed out or raised."""
    try:
        if seconds is None:
            return fn(*args), None
        with time_limit(seconds):
            return fn(*args), None
    except VerifierUnavailable:
        raise
    except VerifierTimeout:
        return None, Judgement(False, "timeout")
    except Exception as err:  # a verifier bug on one answer must not sink the chunk, nor be memoized
        return None, Judgement(False, f"verifier error: {type(err).__name__}: {str(err)[:200]}", cacheable=False)


def verifier_options(verifier: dict):
    """The typed options of a verifier spec."""
    task = task_kind(verifier["kind"])
    values = {k: v for k, v in verifier.items() if k not in SPEC_KEYS}
    return options_from(task.verifier_options, values, f"verifier {verifier['kind']!r}")


def verify(
    samples: pd.DataFrame, problems: pd.DataFrame, verifier: dict, threads: int = 1, memo: str | None = None
) -> pd.DataFrame:
    """One verdict per sample: extracted answer, correct, and a reason.

    `verifier` is the verifier spec: `kind`, `version` and the kind's options.
    """
    task = task_kind(verifier["kind"])
    options = verifier_options(verifier)
    task.preflight(options)
    extractions: dict[str, tuple] = {}
    gold_text = problems.set_index("problem_id")["gold"]
    pending: dict[tuple[str, str], object] = {}
    rows = []
    for pid, idx, text in zip(samples["problem_id"], samples["sample_idx"], samples["text"]):
        if text not in extractions:
            extractions[text] = _guarded(task.extract_answer, text, seconds=options.timeout_s)
        extracted, failure = extractions[text]
        if failure or extracted is None:
            rows.append((pid, idx, None, failure or Judgement(False, task.no_answer)))
            continue
        key, value = extracted
        pending.setdefault((pid, key), value)
        rows.append((pid, idx, key, None))
    if task.expensive:
        judgements = _judge_on_threads(task, pending, gold_text, options, verifier, threads, memo)
    else:
        judgements = _judge_inline(task, pending, gold_text, options)
    verdicts = [
        (pid, idx, key, j.correct, j.reason)
        for pid, idx, key, failure in rows
        for j in [failure or judgements[pid, key]]
    ]
    return pd.DataFrame(verdicts, columns=VERDICT_COLUMNS)


def _judge_inline(task: Task, pending, gold_text, options) -> dict[tuple[str, str], Judgement]:
    golds, judgements = {}, {}
    for (pid, key), value in pending.items():
        if pid not in golds:
            golds[pid] = task.parse_gold(gold_text[pid])
        judgement, failure = _guarded(task.judge, value, golds[pid], options, seconds=options.timeout_s)
        judgements[pid, key] = failure or judgement
    return judgements


def _judge_on_threads(task: Task, pending, gold_text, options, verifier, threads, memo) -> dict:
    store = JudgementMemo(memo, verifier) if memo else None
    keys = {pair: (gold_text[pair[0]], pair[1]) for pair in pending}
    remembered = store.get_many(list(keys.values())) if store else {}
    judgements = {pair: remembered[keys[pair]] for pair in pending if keys[pair] in remembered}
    todo = [pair for pair in pending if pair not in judgements]
    golds = {pid: task.parse_gold(gold_text[pid]) for pid, _ in todo}

    def one(pair):
        judgement, failure = _guarded(task.judge, pending[pair], golds[pair[0]], options)
        return failure or judgement

    fresh = {}
    with ThreadPoolExecutor(max(1, threads)) as pool:
        for pair, judgement in zip(todo, pool.map(one, todo)):
            judgements[pair] = judgement
            if judgement.cacheable:
                fresh[keys[pair]] = judgement
    if store and fresh:
        store.put_many(fresh)
    return judgements
