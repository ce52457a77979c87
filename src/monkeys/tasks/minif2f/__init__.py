"""MiniF2F (Zheng et al. 2022) in Lean 4: formal statements, proofs checked by the Lean kernel.

The paper's MiniF2F-MATH is the 130 test problems from MATH (`mathd_*`). Prompt: solved examples
(statement followed by its proof) from the valid split, then the problem's statement, which ends
in `:= by`; the completion is the proof body. The candidate checked by Lean is always the
problem's own header + statement + that body: the model never supplies the statement.

A proof first passes `rules` (an allow-list of tactic and term syntax over Lean's own tokens, from
`lexer`: no metaprogramming, no commands, no `Lean.`/`IO.` code), then the Lean REPL (`repl`)
elaborates it and a trusted check of ours, answering under a nonce the proof cannot know, must find
a theorem of the problem's name whose type is exactly the problem's statement and whose axioms are
Lean's standard ones. Both layers are needed: the rules keep any code of the proof's from running
inside the REPL (where it could tamper with the check), the check decides what was proved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from monkeys.tasks.base import Judgement, PromptOptions, Task, VerifierOptions, register
from monkeys.tasks.minif2f import repl
from monkeys.tasks.minif2f.rules import rejection

# The Mathlib fork and commit the MiniF2F statements target (DeepSeek-Prover-V1.5's submodule).
MATHLIB_REPOSITORY = "https://github.com/xinhjBrant/mathlib4"
MATHLIB_COMMIT = "2f65ba7f1a9144b20c8e7358513548e317d26de1"


@dataclass(frozen=True)
class MiniF2FOptions(VerifierOptions):
    mathlib_commit: str = MATHLIB_COMMIT  # the Mathlib proofs are checked against
    proof_timeout_s: float = 150.0  # wall clock per proof (the MiniF2F header lifts heartbeats)
    repl_memory_mb: int = 16000  # address-space limit of the Lean REPL process
    allow_native_decide: bool = False  # accept proofs that trust the compiler


@register("minif2f")
class MiniF2F(Task):
    stop = ("\ntheorem ", "\nlemma ", "\nexample ", "\n\n\n", "```", "\n/--")
    # 2: allow-list rules over an exact Lean lexer; trusted check of name, type and axioms under a
    # nonce; anomalies are never memoized.
    verifier_version = "2"
    verifier_options = MiniF2FOptions
    no_answer = "no proof"
    expensive = True

    def normalize(self, row: dict) -> dict:
        statement = row["formal_statement"]
        gold = {"name": row["name"], "header": row["header"], "statement": statement}
        return {"question": statement, "gold": json.dumps(gold), "metadata": {"name": row["name"], "split": row["split"]}}

    def shot(self, row: dict) -> dict:
        return {"question": row["formal_statement"], "answer": row["formal_proof"]}

    def build_prompt(self, question: str, metadata: dict, shots: list[dict], options: PromptOptions) -> str:
        parts = [f"{s['question'].rstrip()}\n{s['answer'].rstrip()}" for s in shots]
        return "\n\n".join([*parts, question.rstrip() + "\n"])

    def parse_gold(self, gold: str) -> dict:
        return json.loads(gold)

    def extract_answer(self, text: str) -> tuple[str, str] | None:
        """The proof body: the completion without trailing blank lines (STOP cut the rest)."""
        proof = text.rstrip()
        return (proof, proof) if proof.strip() else None

    def preflight(self, options: MiniF2FOptions) -> None:
        if why := repl.lean_unavailable(options.mathlib_commit):
            raise repl.LeanUnavailable(f"cannot check Lean proofs here: {why}")

    def judge(self, proof: str, gold: dict, options: MiniF2FOptions) -> Judgement:
        if reason := rejection(proof, options.allow_native_decide):
            return Judgement(False, f"rejected: {reason}")
        statement = gold["statement"] if gold["statement"].endswith("\n") else gold["statement"] + "\n"
        return repl.check(gold["name"], gold["header"], statement, proof, options.proof_timeout_s,
                          options.repl_memory_mb, options.allow_native_decide)
