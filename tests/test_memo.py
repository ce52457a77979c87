"""The judgement memo: segment files that stay few, survive killed writers and compactors, serve
concurrent writers and readers, and take over the per-file memo of earlier versions."""

import hashlib
import json
import logging
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from monkeys import memo as memo_module
from monkeys.memo import FANOUT, JudgementMemo
from monkeys.tasks import Judgement

VERIFIER = {"kind": "codecontests", "version": 1, "timeout_s": 5.0}
REASONS = ["passed", "wrong answer", "time limit", "runtime error: ünïcode ✓", ""]
SRC = str(Path(__file__).resolve().parents[1] / "src")


def entry(i: int, tag: str = ""):
    reason = REASONS[i % len(REASONS)]
    return (f"gold {i % 13}", f"print({i}) # {tag}"), Judgement(reason == "passed", reason)


def batch(indices, tag: str = "") -> dict:
    return dict(entry(i, tag) for i in indices)


def segments(directory) -> list[str]:
    return sorted(p.name for p in (Path(directory) / VERIFIER["kind"]).iterdir() if p.name.startswith("seg-"))


def leftovers(directory) -> list[str]:
    """Anything in the memo that is not a committed segment or the compaction lock."""
    return sorted(
        p.name
        for p in (Path(directory) / VERIFIER["kind"]).iterdir()
        if not p.name.startswith("seg-") and p.name != ".compact.lock"
    )


def assert_holds(memo: JudgementMemo, expected: dict):
    found = memo.get_many(list(expected))
    missing = [k for k in expected if k not in found]
    wrong = [k for k in found if found[k] != expected[k]]
    assert not missing and not wrong, (len(missing), len(wrong))


def test_round_trip_keyed_by_the_whole_spec(tmp_path):
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    assert memo.get_many([("g", "a")]) == {}  # no directory yet: nothing, no error
    data = batch(range(500))
    memo.put_many(data)
    again = JudgementMemo(str(tmp_path), VERIFIER)  # a fresh process's view
    assert_holds(again, data)
    assert again.get_many([("gold 1", "never judged")]) == {}
    for changed in [{**VERIFIER, "version": 2}, {**VERIFIER, "timeout_s": 6.0}]:
        assert JudgementMemo(str(tmp_path), changed).get_many(list(data)) == {}
    # the same answer to another problem is another key
    (gold, answer), _ = entry(3)
    assert JudgementMemo(str(tmp_path), VERIFIER).get_many([("gold 4", answer)]) == {}


def test_files_stay_few_however_many_batches(tmp_path):
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    everything = {}
    for b in range(300):  # 300 verify jobs of 20 judgements
        data = batch(range(20 * b, 20 * (b + 1)))
        memo.put_many(data)
        everything.update(data)
        # at most FANOUT - 1 segments per size tier between compactions (tiers 1..4 here)
        assert len(segments(tmp_path)) <= (FANOUT - 1) * 4 + 1
    assert_holds(JudgementMemo(str(tmp_path), VERIFIER), everything)
    memo.compact(everything=True)
    assert len(segments(tmp_path)) == 1 and leftovers(tmp_path) == []
    assert_holds(JudgementMemo(str(tmp_path), VERIFIER), everything)


def test_same_key_from_two_writers_is_harmless(tmp_path):
    data = batch(range(100))
    JudgementMemo(str(tmp_path), VERIFIER).put_many(data)
    JudgementMemo(str(tmp_path), VERIFIER).put_many(data)
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    memo.compact(everything=True)
    assert_holds(memo, data)
    segment = memo_module.read_segment(tmp_path / "codecontests" / segments(tmp_path)[0])
    assert len(segment) == 100  # duplicates merged away


def legacy_put(directory, verifier, data):
    """The per-file memo of earlier versions, verbatim."""
    salt = json.dumps(verifier, sort_keys=True)
    for key, judgement in data.items():
        h = hashlib.sha256()
        for part in (salt, *key):
            h.update(hashlib.sha256(part.encode()).digest())
        name = h.hexdigest()
        path = Path(directory) / verifier["kind"] / name[:2] / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as f:
            json.dump([judgement.correct, judgement.reason], f)
        os.replace(f.name, path)


def test_per_file_memo_is_migrated_with_a_message(tmp_path, capsys):
    old_spec = {**VERIFIER, "version": 0}
    legacy_put(tmp_path, VERIFIER, batch(range(300)))
    legacy_put(tmp_path, old_spec, batch(range(300, 400)))
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    said = capsys.readouterr().out
    assert "migrating the per-file judgement memo" in said and "migrated 400 judgements" in said
    assert leftovers(tmp_path) == []  # every hash directory gone
    assert_holds(memo, batch(range(300)))
    assert_holds(JudgementMemo(str(tmp_path), old_spec), batch(range(300, 400)))  # other specs too
    assert JudgementMemo(str(tmp_path), VERIFIER).get_many(list(batch(range(300, 400)))) == {}
    JudgementMemo(str(tmp_path), VERIFIER)
    assert "migrating" not in capsys.readouterr().out  # once


def test_per_file_memo_that_cannot_be_migrated_is_still_read(tmp_path, monkeypatch):
    legacy_put(tmp_path, VERIFIER, batch(range(50)))

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(memo_module, "write_segment", read_only)
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    assert_holds(memo, batch(range(50)))
    assert len(list((tmp_path / "codecontests").glob("*/*.json"))) == 50  # nothing deleted


def test_damaged_segment_is_reported_and_never_read(tmp_path, caplog):
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    memo.put_many(batch(range(100)))
    memo.put_many(batch(range(100, 200)))
    first, second = segments(tmp_path)
    path = tmp_path / "codecontests" / first
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped bit pattern in the middle
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING, logger="monkeys.memo"):
        fresh = JudgementMemo(str(tmp_path), VERIFIER)
        found = fresh.get_many(list(batch(range(200))))
    assert "checksum mismatch" in caplog.text
    intact = batch(range(100, 200)) if found.keys() >= batch(range(100, 200)).keys() else batch(range(100))
    assert len(found) == 100 and all(found[k] == v for k, v in intact.items())
    fresh.compact(everything=True)  # set aside for inspection, out of the way
    assert leftovers(tmp_path) == [f"damaged-{first}"]
    (tmp_path / "codecontests" / second).write_bytes(b"MKYMEMO1 truncated")
    assert JudgementMemo(str(tmp_path), VERIFIER).get_many(list(batch(range(200)))) == {}


def test_temporary_files_of_dead_writers_are_ignored_then_cleared(tmp_path):
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    memo.put_many(batch(range(10)))
    (tmp_path / "codecontests" / ".tmp-deadhost-1-abcd.seg").write_bytes(b"half a segm")
    assert_holds(JudgementMemo(str(tmp_path), VERIFIER), batch(range(10)))
    memo.compact()  # young: might be a live writer's
    assert leftovers(tmp_path) == [".tmp-deadhost-1-abcd.seg"]
    memo.compact(tmp_max_age_s=0)
    assert leftovers(tmp_path) == []


def run_child(directory: str, code: str, env: dict | None = None, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", code, directory],
        env={**os.environ, "PYTHONPATH": SRC, **(env or {})},
        **kwargs,
    )


CHILD_PUT = f"""
import sys
sys.path.insert(0, {os.path.dirname(__file__)!r})
from test_memo import VERIFIER, batch
from monkeys.memo import JudgementMemo
JudgementMemo(sys.argv[1], VERIFIER).put_many(batch(range(1000, 1010)))
"""


@pytest.mark.parametrize(
    "point",
    ["segment-written", "segment-committed", "compact-written", "compact-committed", "compact-half-deleted"],
)
def test_killed_at_every_step_of_a_write_and_its_compaction(tmp_path, point):
    """SIGKILL a writer at each step: the committed entries all stay readable, nothing damaged is
    read, and the next writer tidies up. The child's put_many fills a tier, so it compacts."""
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    committed = {}
    for b in range(FANOUT - 1):
        data = batch(range(10 * b, 10 * b + 10))
        memo.put_many(data)
        committed.update(data)
    assert len(segments(tmp_path)) == FANOUT - 1
    child = run_child(str(tmp_path), CHILD_PUT, {"MONKEYS_MEMO_CRASH_AT": point})
    assert child.wait(60) == -signal.SIGKILL
    fresh = JudgementMemo(str(tmp_path), VERIFIER)
    assert_holds(fresh, committed)
    new = batch(range(1000, 1010))
    found = fresh.get_many(list(new))
    assert all(found[k] == new[k] for k in found)  # whatever is there is right
    assert len(found) == (0 if point == "segment-written" else 10)  # committed with its rename
    if point == "compact-committed":
        assert len(segments(tmp_path)) == FANOUT + 1  # merged + its inputs: duplicates, harmless
    fresh.put_many(batch(range(2000, 2010)))
    fresh.compact(everything=True, tmp_max_age_s=0)
    assert len(segments(tmp_path)) == 1 and leftovers(tmp_path) == []
    assert_holds(JudgementMemo(str(tmp_path), VERIFIER), {**committed, **found, **batch(range(2000, 2010))})


CHILD_LOOP = f"""
import os, sys
sys.path.insert(0, {os.path.dirname(__file__)!r})
from test_memo import VERIFIER, batch
from monkeys.memo import JudgementMemo
memo = JudgementMemo(sys.argv[1], VERIFIER)
first = int(sys.argv[2])
with open(sys.argv[3], "a") as log:
    for b in range(first, first + 10_000):
        memo.put_many(batch(range(500 * b, 500 * (b + 1)), "kill"))
        log.write(f"{{b}}\\n"); log.flush(); os.fsync(log.fileno())
"""


@pytest.mark.slow
def test_writer_sigkilled_mid_batch_leaves_the_store_intact(tmp_path, caplog):
    """Kill a busy writer at random moments (mid-serialization, mid-write, mid-compaction), five
    times: every batch it reported committed is whole, and no damaged segment is ever met."""
    log_path = tmp_path / "committed.txt"
    rng = random.Random(7)
    first = 0
    for round_ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD_LOOP, str(tmp_path), str(first), str(log_path)],
            env={**os.environ, "PYTHONPATH": SRC},
        )
        before = len(log_path.read_text().split()) if log_path.exists() else 0
        deadline = time.monotonic() + 120
        while (len(log_path.read_text().split()) if log_path.exists() else 0) <= before:
            assert time.monotonic() < deadline and child.poll() is None, "the writer never got going"
            time.sleep(0.02)  # until it has committed a batch in this round: it is busy now
        time.sleep(rng.random() * 0.6)  # then anywhere in a later batch or its compaction
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
        done = [int(x) for x in log_path.read_text().split()] if log_path.exists() else []
        first = (max(done) + 2) if done else first + 10_000  # skip the batch it was killed in
    assert done, "the writer never committed a batch: give it longer"
    with caplog.at_level(logging.WARNING, logger="monkeys.memo"):
        memo = JudgementMemo(str(tmp_path), VERIFIER)
        assert_holds(memo, dict(kv for b in done for kv in batch(range(500 * b, 500 * (b + 1)), "kill").items()))
        probe = dict(kv for b in range(first) for kv in batch(range(500 * b, 500 * (b + 1)), "kill").items())
        found = memo.get_many(list(probe))
    assert all(found[k] == probe[k] for k in found)
    assert "damaged" not in caplog.text and "checksum" not in caplog.text
    assert len(segments(tmp_path)) <= (FANOUT - 1) * 5 + 2  # tiers stayed bounded through the kills


OWN = 10**6  # a writer's own keys, apart from the shared ones


def concurrent_writer(directory: str, w: int, rounds: int, log_dir: str):
    memo = JudgementMemo(directory, VERIFIER)
    for r in range(rounds):
        # its own keys plus keys every writer writes (the same answer judged in two jobs at once)
        memo.put_many(
            {
                **batch(range(OWN + 1000 * (100 * w + r), OWN + 1000 * (100 * w + r) + 50)),
                **batch(range(r * 10, r * 10 + 10)),
            }
        )
        with open(Path(log_dir) / f"w{w}", "a") as f:
            f.write(f"{r}\n")


def expected_of(log_dir: Path) -> dict:
    expected = {}
    for f in log_dir.glob("w*"):
        w = int(f.name[1:])
        for r in map(int, f.read_text().split()):
            expected.update(
                {
                    **batch(range(OWN + 1000 * (100 * w + r), OWN + 1000 * (100 * w + r) + 50)),
                    **batch(range(r * 10, r * 10 + 10)),
                }
            )
    return expected


def concurrent_reader(directory: str, log_dir: str, stop, failures):
    memo = JudgementMemo(directory, VERIFIER)  # one long-lived reader: its segment cache must keep up
    checks = 0
    while not stop.is_set() or checks < 3:
        expected = expected_of(Path(log_dir))  # committed before we look them up
        for reader_memo in (memo, JudgementMemo(directory, VERIFIER)):
            found = reader_memo.get_many(list(expected))
            bad = [k for k in expected if found.get(k) != expected[k]]
            if bad:
                failures.put(f"{len(bad)} of {len(expected)} committed entries missing or wrong")
        checks += 1
    failures.put(f"checks {checks}")


ROUNDS = 80


@pytest.mark.slow
def test_concurrent_writers_and_readers(tmp_path, monkeypatch):
    """Six writer processes, overlapping keys, compaction at every second segment (FANOUT 2), and
    two readers checking all the while that every committed entry is readable."""
    monkeypatch.setattr(memo_module, "FANOUT", 2)  # inherited by the forked processes
    ctx = mp.get_context("fork")
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    stop, failures = ctx.Event(), ctx.Queue()
    readers = [
        ctx.Process(target=concurrent_reader, args=(str(tmp_path), str(log_dir), stop, failures)) for _ in range(2)
    ]
    writers = [ctx.Process(target=concurrent_writer, args=(str(tmp_path), w, ROUNDS, str(log_dir))) for w in range(6)]
    for p in readers + writers:
        p.start()
    for p in writers:
        p.join(300)
    stop.set()
    for p in readers:
        p.join(300)
    assert [p.exitcode for p in writers + readers] == [0] * 8
    messages = [failures.get() for _ in range(2)]
    while not failures.empty():
        messages.append(failures.get())
    assert all(m.startswith("checks") for m in messages), messages
    print(messages)
    expected = expected_of(log_dir)
    assert len(expected) == 6 * ROUNDS * 50 + ROUNDS * 10
    memo = JudgementMemo(str(tmp_path), VERIFIER)
    assert_holds(memo, expected)
    assert len(segments(tmp_path)) <= 16  # 24,800 entries: at most one segment per tier of 2
