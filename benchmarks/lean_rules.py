"""Cost of the MiniF2F rejection rules (lexer + allow-list, before Lean) per proof, in µs.

Proof sets: the 67 human-written MiniF2F proofs shipped in data/minif2f (most carry a long LaTeX
comment), the hostile battery's cheat completions and its legal-but-unusual proofs
(tests/test_minif2f_battery.py). Each set is judged `--rounds` times; the best round is reported
(per-proof mean and median over that round), with the CPU model.

    python benchmarks/lean_rules.py [--rounds 20]
"""

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from monkeys.tasks.minif2f.rules import rejection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_minif2f_battery import CHEATS, LEGAL  # noqa: E402  (the battery is test data)


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def per_proof_us(proofs: list[str], rounds: int) -> tuple[float, float, int]:
    """(mean, median) µs per proof in the fastest round, and how many were rejected."""
    best = None
    for _ in range(rounds):
        times = []
        for proof in proofs:
            start = time.perf_counter_ns()
            rejection(proof)
            times.append((time.perf_counter_ns() - start) / 1000)
        if best is None or sum(times) < sum(best):
            best = times
    return statistics.mean(best), statistics.median(best), sum(rejection(p) is not None for p in proofs)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    shots = [json.loads(line)["formal_proof"] for line in (ROOT / "data/minif2f/minif2f_valid_few_shot.jsonl").open()]
    sets = [("human proofs", shots), ("battery: cheats", [c.proof for c in CHEATS]), ("battery: legal", LEGAL)]
    print(f"CPU: {cpu_model()}; Python {platform.python_version()}")
    print(f"{'set':18s} {'proofs':>6s} {'chars':>7s} {'rejected':>8s} {'mean µs':>8s} {'median µs':>9s}")
    for label, proofs in sets:
        mean, median, rejected = per_proof_us(proofs, args.rounds)
        chars = statistics.mean(len(p) for p in proofs)
        print(f"{label:18s} {len(proofs):6d} {chars:7.0f} {rejected:8d} {mean:8.1f} {median:9.1f}")


if __name__ == "__main__":
    main()
