"""Compare a program's output with the expected output, as Codeforces' checkers do."""

from __future__ import annotations


def outputs_match(actual: str, expected: str, float_tolerance: float | None = None, any_case: bool = False) -> bool:
    got, want = actual.split(), expected.split()
    if len(got) != len(want):
        return False
    return all(_tokens_match(g, w, float_tolerance, any_case) for g, w in zip(got, want))


def _tokens_match(got: str, want: str, tolerance: float | None, any_case: bool) -> bool:
    if got == want or (any_case and got.lower() == want.lower()):
        return True
    if tolerance is None:
        return False
    try:
        g, w = float(got), float(want)
    except ValueError:
        return False
    return abs(g - w) <= tolerance * max(1.0, abs(w))
