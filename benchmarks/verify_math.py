"""Verified answers per second for MATH (math-verify under the pipeline's verifier).

Completions are the reference solutions of the first N test problems (every answer distinct:
the worst case, nothing de-duplicated), then the same N completions repeated R times, as a
chunk of R samples per problem with repeated answers looks to the verifier.

    python benchmarks/verify_math.py [--problems 1000] [--repeats 8]
"""

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from monkeys.tasks import competition_math
from monkeys.verdicts import verify

DATA = Path(__file__).resolve().parents[1] / "data" / "math" / "test.jsonl"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    with open(DATA) as f:
        rows = [json.loads(line) for line, _ in zip(f, range(args.problems))]
    problems = pd.DataFrame({"problem_id": [str(i) for i in range(len(rows))], "gold": [competition_math.normalize(r)["gold"] for r in rows]})
    distinct = pd.DataFrame({"problem_id": problems["problem_id"], "sample_idx": 0, "text": [r["solution"] for r in rows]})
    repeated = pd.concat([distinct.assign(sample_idx=i) for i in range(args.repeats)], ignore_index=True)
    for label, samples in [("distinct answers", distinct), (f"{args.repeats} samples per problem, repeated answers", repeated)]:
        start = time.perf_counter()
        verdicts = verify(samples, problems, {"kind": "math", "timeout_s": 5})
        elapsed = time.perf_counter() - start
        print(f"{label:45s} {len(samples)} samples in {elapsed:.1f} s = {len(samples) / elapsed:.0f} verified/s "
              f"(correct {verdicts.correct.mean():.3f})")


if __name__ == "__main__":
    main()
