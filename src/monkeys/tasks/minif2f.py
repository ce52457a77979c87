"""MiniF2F (Zheng et al. 2022) in Lean 4: formal statements, proofs checked by the Lean kernel.

The paper's MiniF2F-MATH is the 130 test problems from MATH (`mathd_*`). Prompt: solved examples
(statement followed by its proof) from the valid split, then the problem's statement, which ends
in `:= by`; the completion is the proof body. The candidate checked by Lean is always the
problem's own header + statement + that body: the model never supplies the statement.

A proof is rejected before Lean runs when its code (comments and strings removed) uses an escape
hatch: `sorry`/`admit`, new declarations or axioms, commands (`#exit`, `set_option`, attributes,
notation, macros, elaborators), search tactics that only suggest a proof (`exact?`), unsafe or
implementation overrides, `native_decide` unless allowed, or characters outside a whitelist of
ASCII and Lean's mathematical symbols (which rules out look-alikes of `sorry` from other scripts).
After Lean accepts the proof, `#print axioms` must list only Lean's standard axioms.
"""

from __future__ import annotations

import json
import re
import unicodedata

from monkeys import lean

STOP = ["\ntheorem ", "\nlemma ", "\nexample ", "\n\n\n", "```", "\n/--"]
VERIFIER_VERSION = "1"
NO_ANSWER = "no proof"
# The Mathlib fork and commit the MiniF2F statements target (DeepSeek-Prover-V1.5's submodule).
MATHLIB_REPOSITORY = "https://github.com/xinhjBrant/mathlib4"
MATHLIB_COMMIT = "2f65ba7f1a9144b20c8e7358513548e317d26de1"
VERIFIER_DEFAULTS = {
    "mathlib_commit": MATHLIB_COMMIT, "proof_timeout_s": 150.0, "memory_mb": 16000, "allow_native_decide": False,
}

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


def normalize(row: dict) -> dict:
    statement = row["formal_statement"]
    gold = {"name": row["name"], "header": row["header"], "statement": statement}
    return {"question": statement, "gold": json.dumps(gold), "metadata": {"name": row["name"], "split": row["split"]}}


def shot(row: dict) -> dict:
    return {"question": row["formal_statement"], "answer": row["formal_proof"]}


def build_prompt(question: str, shots: list[dict]) -> str:
    parts = [f"{s['question'].rstrip()}\n{s['answer'].rstrip()}" for s in shots]
    return "\n\n".join([*parts, question.rstrip() + "\n"])


def parse_gold(gold: str) -> dict:
    return json.loads(gold)


def extract_answer(text: str) -> tuple[str, str] | None:
    """The proof body: the completion without trailing blank lines (STOP cut the rest)."""
    proof = text.rstrip()
    return (proof, proof) if proof.strip() else None


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


def unavailable(options: dict) -> str | None:
    return lean.lean_unavailable(options["mathlib_commit"])


def judge(proof: str, gold: dict, options: dict) -> tuple[bool, str]:
    if reason := rejection(proof, options["allow_native_decide"]):
        return False, f"rejected: {reason}"
    if why := unavailable(options):
        raise lean.LeanUnavailable(f"cannot check Lean proofs here: {why}")
    theorem = gold["statement"] + proof
    verdict = lean.check(gold["name"], gold["header"], theorem, options["proof_timeout_s"], options["memory_mb"])
    return verdict == "proved", verdict
