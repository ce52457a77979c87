"""Check the installed Lean verifier end to end: `python -m monkeys.tasks.minif2f.selfcheck`.

Why: the trusted check (`repl.CHECK_PROGRAM`) is Lean code that only a real Lean can compile, and
the REPL's answers are only modelled in the tests. This judges a known MiniF2F proof, a wrong one,
and — past the rules, to exercise the check alone — a `sorry` and a `native_decide` through the real
REPL, and exits non-zero unless every verdict is the expected one. `envs/setup-lean.sh` runs it last.
"""

from __future__ import annotations

import sys

from monkeys.tasks.minif2f import MATHLIB_COMMIT, repl

HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat\n\n"
STATEMENT = "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := by\n"
CASES = [
    ("  ring", "proved"),
    ("  norm_num", "error"),
    ("  sorry", "rejected: sorry"),
    ("  exact absurd rfl (by native_decide : (1:ℕ) ≠ 1)", "error"),
    ("  have : (2:ℕ) + 2 = 4 := by native_decide\n  ring", "rejected: axiom Lean.ofReduceBool"),
]


def main() -> int:
    if why := repl.lean_unavailable(MATHLIB_COMMIT):
        print(f"no Lean here: {why}")
        return 2
    failures = 0
    for proof, expected in CASES:
        verdict = repl.check("mathd_algebra_182", HEADER, STATEMENT, proof, 300.0, None)
        ok = verdict.reason.startswith(expected) and verdict.cacheable
        failures += not ok
        print(f"{'ok ' if ok else 'BAD'} {proof.strip()[:50]!r}: {verdict.reason} (expected {expected})")
    repl.REPLS.close_all()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
