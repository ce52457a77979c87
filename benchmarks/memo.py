"""The judgement memo at the paper's scale: N judgements written by W concurrent writer processes,
then read back, for the segment store (`monkeys.memo`) and the per-file memo it replaced.

Keys look like the CodeContests verifier's: 165 problems' golds (2 kB each) and distinct ~300-byte
programs; writers put batches as verify jobs do (one `put_many` per job). Reported: wall time of
the writes, files in the memo at the end and at most during the run (what inode quotas and the
metadata server see), entries lost or wrong on read-back (goal 0), and lookups per second in a
fresh process (segments loaded from disk included) and again warm, and the time of the first
`get_many` of a fresh process (what one verify job pays).

    python benchmarks/memo.py [--entries 1000000] [--writers 8] [--batch 5000] \
        [--perfile-entries 100000] [--dir /path/on/the/filesystem/to/test]
"""

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from monkeys.memo import JudgementMemo
from monkeys.tasks import Judgement

VERIFIER = {"kind": "codecontests", "version": 1, "timeout_s": 5.0, "test_memory_mb": 256}
REASONS = ["passed", "wrong answer", "time limit", "runtime error", "memory limit", "output limit"]
PROBLEMS = 165
GOLDS = [json.dumps({"problem": p, "tests": ["%d %d\n" % (p, t) * 20 for t in range(20)]}) for p in range(PROBLEMS)]


class PerFileMemo:
    """The memo this benchmark compares with: one JSON file per judgement (monkeys.memo before)."""

    def __init__(self, directory: str, verifier: dict):
        self.directory = Path(directory) / verifier["kind"]
        self.salt = json.dumps(verifier, sort_keys=True)

    def _path(self, key):
        h = hashlib.sha256()
        for part in (self.salt, *key):
            h.update(hashlib.sha256(part.encode()).digest())
        name = h.hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get_many(self, keys):
        found = {}
        for key in keys:
            try:
                correct, reason = json.loads(self._path(key).read_text())
            except (OSError, ValueError):
                continue
            found[key] = Judgement(bool(correct), reason)
        return found

    def put_many(self, judgements):
        for key, judgement in judgements.items():
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as f:
                json.dump([judgement.correct, judgement.reason], f)
            os.replace(f.name, path)


STORES = {"segments": JudgementMemo, "perfile": PerFileMemo}


def entry(i: int):
    program = f"# program {i}\nimport sys\n" + "".join(
        f"x{j} = int(sys.stdin.readline()) * {i % 97}\n" for j in range(9)
    )
    reason = REASONS[(i * 7919) % len(REASONS)]
    return (GOLDS[i % PROBLEMS], program), Judgement(reason == "passed", reason)


def writer(store: str, directory: str, w: int, writers: int, entries: int, batch: int):
    memo = STORES[store](directory, VERIFIER)
    mine = range(w, entries, writers)
    for start in range(0, len(mine), batch):
        memo.put_many(dict(entry(i) for i in mine[start : start + batch]))


def reader(store: str, directory: str, entries: int, batch: int, out):
    memo = STORES[store](directory, VERIFIER)
    passes = []
    for _ in range(2):
        lost = wrong = 0
        seconds = first = 0.0
        for start in range(0, entries, batch):
            items = [entry(i) for i in range(start, min(entries, start + batch))]
            t = time.perf_counter()
            found = memo.get_many([k for k, _ in items])
            seconds += time.perf_counter() - t
            first = first or time.perf_counter() - t
            for k, j in items:
                if k not in found:
                    lost += 1
                elif found[k] != j:
                    wrong += 1
        passes.append({"seconds": seconds, "first": first, "lost": lost, "wrong": wrong})
    out.put(passes)


def count_files(directory: str) -> int:
    return sum(len(files) for _, _, files in os.walk(directory))


def run(store: str, entries: int, writers: int, batch: int, read_batch: int, root: str) -> dict:
    directory = tempfile.mkdtemp(prefix=f"memo-{store}-", dir=root)
    ctx = mp.get_context("fork")
    peak = [0]
    done = threading.Event()

    def watch():  # files in the directory, sampled: the most the filesystem had to hold
        while not done.wait(0.5):
            peak[0] = max(peak[0], count_files(directory))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    procs = [ctx.Process(target=writer, args=(store, directory, w, writers, entries, batch)) for w in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    write_s = time.perf_counter() - start
    done.set()
    watcher.join()
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    files = count_files(directory)
    out = ctx.Queue()
    p = ctx.Process(target=reader, args=(store, directory, entries, read_batch, out))
    p.start()
    cold, warm = out.get()
    p.join()
    shutil.rmtree(directory)
    return {
        "store": store,
        "entries": entries,
        "writers": writers,
        "batch": batch,
        "write_s": round(write_s, 1),
        "writes_per_s": round(entries / write_s),
        "files_end": files,
        "files_peak": max(peak[0], files),
        "lost": cold["lost"],
        "wrong": cold["wrong"],
        "read_cold_s": round(cold["seconds"], 2),
        "lookups_per_s_cold": round(entries / cold["seconds"]),
        "read_warm_s": round(warm["seconds"], 2),
        "lookups_per_s_warm": round(entries / warm["seconds"]),
        "us_per_hit_cold": round(1e6 * cold["seconds"] / entries, 2),
        # a verify job: one get_many of read_batch keys in a fresh process, loading the memo included
        "first_get_many_s": round(cold["first"], 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=5000, help="judgements per put_many (one verify job)")
    parser.add_argument("--read-batch", type=int, default=100_000, help="keys per get_many")
    parser.add_argument("--perfile-entries", type=int, default=100_000, help="0 skips the per-file memo")
    parser.add_argument("--dir", default=None, help="where to build the memos (default: the temp directory)")
    args = parser.parse_args()
    root = args.dir or tempfile.gettempdir()
    runs = [("segments", args.entries)]
    if args.perfile_entries:
        runs.append(("perfile", args.perfile_entries))
    for store, entries in runs:
        print(json.dumps(run(store, entries, args.writers, args.batch, args.read_batch, root)), flush=True)


if __name__ == "__main__":
    main()
