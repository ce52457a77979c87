"""Time coverage(k) for k = 1..10,000 over 128 problems x 10,000 samples (goal: < 1 s).

    python benchmarks/pass_at_k.py [--repeats 5]
"""

import argparse
import time

import numpy as np
import pandas as pd

from monkeys.coverage import coverage_curve, pass_at_k


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=128)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    # Per-problem success rates spread over orders of magnitude, as in the paper's curves.
    correct = rng.binomial(args.samples, 10 ** rng.uniform(-5, 0, args.problems))
    counts = pd.DataFrame({"problem_id": range(args.problems), "num_samples": args.samples, "num_correct": correct})
    ks = np.arange(1, args.samples + 1)
    for label, run in [
        ("pass@k matrix (all k)", lambda: pass_at_k(counts.num_samples, counts.num_correct, ks)),
        ("coverage curve, no bootstrap", lambda: coverage_curve(counts, n_bootstrap=0)),
        ("coverage curve + 1000 bootstrap resamples", lambda: coverage_curve(counts, n_bootstrap=1000)),
    ]:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        print(f"{label:45s} best {min(times):.3f} s, median {np.median(times):.3f} s ({args.problems} x {args.samples})")


if __name__ == "__main__":
    main()
