"""Rejection rules: what a proof body may not contain, decided before Lean runs.

A proof is rejected when its code (comments and strings removed) uses an escape hatch: `sorry`/`admit`,
new declarations or axioms, commands (`#exit`, `set_option`, attributes, notation, macros,
elaborators), search tactics that only suggest a proof (`exact?`), unsafe or implementation
overrides, `native_decide` unless allowed, or characters outside a whitelist of ASCII and Lean's
mathematical symbols (which rules out look-alikes of `sorry` from other scripts).
"""

from __future__ import annotations

import re
import unicodedata

# Words that end or bypass a proof, or change the environment around it (checked as whole words).
FORBIDDEN_WORDS = {
    "sorry": "sorry", "admit": "admit", "axiom": "axiom", "theorem": "new declaration", "lemma": "new declaration",
    "def": "new declaration", "abbrev": "new declaration", "instance": "new declaration", "example": "new declaration",
    "opaque": "new declaration", "structure": "new declaration", "inductive": "new declaration",
    "class": "new declaration", "namespace": "new declaration", "section": "new declaration", "end": "command",
    "import": "command", "open": "command", "set_option": "set_option", "attribute": "command", "macro": "macro",
    "macro_rules": "macro", "syntax": "macro", "notation": "macro", "infix": "macro", "infixl": "macro",
    "infixr": "macro", "prefix": "macro", "postfix": "macro", "elab": "elaborator", "elab_rules": "elaborator",
    "run_tac": "elaborator", "run_cmd": "elaborator", "run_elab": "elaborator", "implemented_by": "unsafe",
    "extern": "unsafe", "unsafe": "unsafe", "partial": "unsafe", "local": "command", "scoped": "command",
    "variable": "command", "universe": "command", "mutual": "new declaration", "deriving": "command",
    "initialize": "command", "builtin_initialize": "command", "private": "new declaration",
    "protected": "new declaration", "noncomputable": "new declaration",
}
FORBIDDEN_PATTERNS = [
    (re.compile(r"#\w+"), "command"),  # #exit, #eval, #print, ...
    (re.compile(r"@\["), "command"),  # attributes
    (re.compile(r"\b\w+\?"), "search placeholder"),  # exact?, apply?, simp?, rw?, aesop?, hint-style
    (re.compile(r"\bdbg_\w+|\bdebug\.\w+"), "debug option"),
]
NATIVE = re.compile(r"\bnative_decide\b|\bdecide\s*\+\s*native\b|\bLean\.ofReduceBool\b|\bofReduceBool\b")
# Characters a proof may contain outside comments: printable ASCII and Lean's mathematical
# notation as Mathlib writes it. Anything else (Cyrillic, full-width, zero-width...) is rejected.
MATH_SYMBOLS = set(
    "→←↔↑↓⇑≤≥≠≈≡∀∃∄∧∨¬∈∉⊆⊂⊇⊃∩∪∅∑∏∫√∣∤·•∘×⁻¹²³⁰⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₕₖₗₘₙₚₛₜ⟨⟩⟪⟫⌊⌋⌈⌉‖ℕℤℚℝℂπ∞∂∆∇▸⊢⊤⊥≪≫∑ᶜ"
    "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩϕ𝓝"
)
_COMMENTS_AND_STRINGS = re.compile(r'--[^\n]*|"(?:\\.|[^"\\])*"')


def code_of(proof: str) -> str:
    """The proof without comments and string literals (block comments nest in Lean)."""
    out, depth, i = [], 0, 0
    while i < len(proof):
        if proof.startswith("/-", i):
            depth, i = depth + 1, i + 2
        elif depth and proof.startswith("-/", i):
            depth, i = depth - 1, i + 2
        elif depth:
            i += 1
        else:
            match = _COMMENTS_AND_STRINGS.match(proof, i)
            if match:
                out.append(" ")
                i = match.end()
            else:
                out.append(proof[i])
                i += 1
    return "".join(out)


def rejection(proof: str, allow_native_decide: bool = False) -> str | None:
    """Why the proof must not be sent to Lean, or None."""
    code = code_of(proof)
    for char in code:
        if not (char.isascii() and (char.isprintable() or char in "\n\t")) and char not in MATH_SYMBOLS:
            return f"character U+{ord(char):04X} ({unicodedata.name(char, 'unnamed')})"
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_']*", code):
        if word in FORBIDDEN_WORDS:
            return f"{FORBIDDEN_WORDS[word]} ({word})"
    for pattern, reason in FORBIDDEN_PATTERNS:
        if match := pattern.search(code):
            return f"{reason} ({match.group(0)})"
    if not allow_native_decide and (match := NATIVE.search(code)):
        return f"native_decide ({match.group(0)})"
    return None
