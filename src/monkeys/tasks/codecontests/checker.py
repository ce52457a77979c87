"""Compare a program's output with the expected output, as Codeforces' checkers do.

Token by token, tokens separated by runs of the four characters testlib counts as blanks (space,
tab, CR, LF): Python's `str.split()` would also split on Unicode spaces (U+00A0, U+2003, U+0085,
...) and control characters (\\x1c-\\x1f), accepting outputs a real judge rejects. With a float
tolerance, a token is a number only in plain ASCII decimal notation (no `nan`, `inf`, digit
underscores or non-ASCII digits, which `float()` would take).
"""

from __future__ import annotations

import math
import re

_BLANKS = re.compile(r"[ \t\r\n]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def tokens(text: str) -> list[str]:
    return [t for t in _BLANKS.split(text) if t]


def outputs_match(actual: str, expected: str, float_tolerance: float | None = None, any_case: bool = False) -> bool:
    got, want = tokens(actual), tokens(expected)
    if len(got) != len(want):
        return False
    return all(_tokens_match(g, w, float_tolerance, any_case) for g, w in zip(got, want))


def _tokens_match(got: str, want: str, tolerance: float | None, any_case: bool) -> bool:
    if got == want or (any_case and got.isascii() and want.isascii() and got.lower() == want.lower()):
        return True
    if tolerance is None or not (_NUMBER.fullmatch(got) and _NUMBER.fullmatch(want)):
        return False
    g, w = float(got), float(want)
    if not (math.isfinite(g) and math.isfinite(w)):
        return False
    return abs(g - w) <= tolerance * max(1.0, abs(w))
