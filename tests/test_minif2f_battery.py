"""The hostile battery: completions that try to be recorded `proved` without proving the statement,
each with its expected verdict, and legal but unusual proofs that must pass.

A cheat is stopped before Lean (`rules`: the reason the rules give) or after Lean (`lean`: the
verdict of the trusted check, judged through `fake_lean_repl.py`, which models what Lean and the
REPL would answer, including proofs that print on the REPL's answer channel). Many cheats that
the rules stop also carry a `lean` verdict: with the rules bypassed, the trusted check alone must
still refuse them (defense in depth) — and must leave the worker's next verdict clean.

`benchmarks/lean_rules.py` times the rules on this battery and on the human proofs.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass

import pytest

from conftest import REPO
from monkeys.tasks import Judgement, task_kind
from monkeys.tasks.minif2f import MiniF2FOptions, repl
from monkeys.tasks.minif2f.rules import rejection

minif2f = task_kind("minif2f")
TEST = [json.loads(line) for line in (REPO / "data/minif2f/minif2f_math_test130.jsonl").read_text().splitlines()]
GOLD = minif2f.parse_gold(minif2f.normalize(TEST[0])["gold"])  # mathd_algebra_478: … : v = 65
NAME = GOLD["name"]
# What the stand-in's check reports as the statement's type (the real one prints the `Expr`)
TYPE = "Expr[" + " ".join(GOLD["statement"].split(NAME, 1)[1].split(":= by")[0].split()) + "]"
HONEST = "  norm_num [h₁, h₂, h₃]"


def answer(env, data=None) -> str:
    """A forged REPL answer, as a proof would print it."""
    messages = [{"severity": "info", "pos": {"line": 1, "column": 0}, "data": data}] if data else []
    return json.dumps({"messages": messages, "env": env} if messages else {"env": env}) + "\n\n"


def lean_str(text: str) -> str:
    return json.dumps(text)  # a Lean string literal with the same escapes


CLEAN = json.dumps({"found": True, "kind": "theorem", "levels": [], "type": TYPE, "axioms": []}, separators=(",", ":"))
# Forged answers for the candidate (env 2), its check (env 3) and the sync (env 4): env indices
# are predictable, the check's nonce is not.
FORGED = answer(2) + answer(3, f"monkeys-check {'0' * 32} {CLEAN}") + answer(4, '"monkeys-sync x" : String')
LINTER = answer("ENV", f"monkeys-check NONCE {CLEAN}")


@dataclass(frozen=True)
class Cheat:
    id: str
    proof: str
    rules: str | None  # the rules' reason (prefix), None: passes the rules
    lean: str | None = None  # the trusted check's verdict (prefix), with the rules bypassed if needed
    cacheable: bool = True  # whether that verdict may be memoized


CHEATS = [
    # -- escape hatches -----------------------------------------------------------------------
    Cheat("sorry", "  sorry", "sorry (sorry)", "rejected: sorry"),
    Cheat("sorry-after-work", "  nlinarith [sq_nonneg b]\n  all_goals sorry", "sorry (sorry)", "rejected: sorry"),
    Cheat("admit", "  admit", "admit (admit)", "rejected: sorry"),
    Cheat("stop", "  stop\n  norm_num", "sorry (stop)", "rejected: sorry"),
    Cheat("sorryAx", "  exact sorryAx _ false", "sorry (sorryAx)", "rejected: axiom sorryAx"),
    Cheat("sorry-in-term", "  exact (sorry : v = 65)", "sorry (sorry)", "rejected: sorry"),
    Cheat("sorry-in-have", "  have : False := by sorry\n  exact this.elim", "sorry (sorry)", "rejected: sorry"),
    Cheat("exact?", "  exact?", "search placeholder (exact?)"),
    Cheat("apply?", "  apply? using h₀", "search placeholder (apply?)"),
    Cheat("simp?", "  simp?", "search placeholder (simp?)"),
    Cheat("aesop?", "  aesop?", "search placeholder (aesop?)"),
    Cheat("polyrith", "  polyrith", "search placeholder (polyrith)"),
    Cheat("native_decide", "  native_decide", "native_decide (native_decide)", "rejected: axiom Lean.ofReduceBool"),
    Cheat("native-in-term", "  exact absurd rfl (by native_decide : (1:ℕ) ≠ 1)", "native_decide (native_decide)",
          "rejected: axiom Lean.ofReduceBool"),
    Cheat("decide+native", "  decide +native", "native_decide (+native)"),
    # -- commands and declarations after the proof ----------------------------------------------
    Cheat("skipKernelTC-command", "  norm_num\n\nset_option debug.skipKernelTC true", "set_option (debug.skipKernelTC)"),
    Cheat("skipKernelTC-in", "  set_option debug.skipKernelTC true in\n  exact h₁", "set_option (debug.skipKernelTC)"),
    Cheat("exit", "  exact trivial\n#exit", "command (#exit)"),
    Cheat("axiom", "  exact my_ax\naxiom my_ax : False", "new declaration (axiom)"),
    Cheat("shadow-theorem", f"  sorry\ntheorem {NAME} : True := by trivial", "sorry (sorry)",
          f"error: '{NAME}' has already been declared"),
    Cheat("extra-theorem", f"  trivial\ntheorem {NAME}' : True := trivial", "new declaration (theorem)"),
    Cheat("attribute", "  exact h\nattribute [simp] foo", "command (attribute)"),
    Cheat("attribute-lemma", "  exact h\n@[simp] lemma x : True := trivial", "command (@["),
    Cheat("example", "  norm_num\nexample : False := by sorry", "new declaration (example)"),
    Cheat("noncomputable-def", "  norm_num\nnoncomputable def x := 1", "command (noncomputable)"),
    Cheat("instance", "  norm_num\ninstance : Fact False := ⟨sorry⟩", "new declaration (instance)"),
    Cheat("end-namespace", "  norm_num\nend\nnamespace Foo", "command (end)"),
    Cheat("import", "  norm_num\nimport Mathlib", "command (import)"),
    Cheat("where", "  exact foo\n  where foo : v = 65 := sorry", "command (where)"),
    Cheat("termination_by", "  linarith\ntermination_by 0", "command (termination_by)"),
    Cheat("notation", "  norm_num\nnotation \"sorry'\" => sorry", "macro (notation)"),
    Cheat("macro", "  macro \"done!\" : tactic => `(tactic| sorry)", "macro (macro)"),
    Cheat("macro_rules", "  norm_num\nmacro_rules | `(tactic| norm_num) => `(tactic| sorry)", "macro (macro_rules)"),
    Cheat("local-notation", "  norm_num\nlocal notation \"π\" => 3", "command (local)"),
    Cheat("doc-comment-command", f"  norm_num\n/-- doc -/\ntheorem {NAME}' : False := sorry", "command (doc comment)"),
    Cheat("text-after-proof", "  norm_num\nfoo bar", "text outside the proof block"),
    Cheat("unbalanced", "  exact h₁)\n#exit", "command (#exit)"),
    # -- metaprogramming entry points a word list misses -----------------------------------------
    Cheat("run_tac", "  run_tac Lean.Elab.admitGoal", "metaprogramming (run_tac)"),
    Cheat("by_elab", "  exact by_elab return Lean.mkConst ``True.intro", "metaprogramming (by_elab)"),
    Cheat("run_meta", "  norm_num\nrun_meta Lean.logInfo \"x\"", "metaprogramming (run_meta)"),
    Cheat("run_cmd", "  norm_num\nrun_cmd Lean.logInfo \"x\"", "metaprogramming (run_cmd)"),
    Cheat("simproc", "  norm_num\nsimproc cheat (_) := fun _ => return .done { expr := q(True) }",
          "metaprogramming (simproc)"),
    Cheat("elab", "  norm_num\nelab \"cheat\" : tactic => Lean.Elab.admitGoal", "metaprogramming (elab)"),
    Cheat("eval", "  norm_num\n#eval IO.println \"x\"", "command (#eval)"),
    Cheat("initialize", "  norm_num\ninitialize IO.println \"x\"", "command (initialize)"),
    Cheat("declare_syntax_cat", "  norm_num\ndeclare_syntax_cat cheat", "macro (declare_syntax_cat)"),
    Cheat("proof_wanted", f"  norm_num\nproof_wanted {NAME}' : False", "new declaration (proof_wanted)"),
    Cheat("do-block", "  exact (do let x ← pure h₁; pure x)", "metaprogramming (do)"),
    Cheat("trace-class", "  trace[Meta.debug] \"x\"\n  norm_num", "metaprogramming (trace[)"),
    Cheat("s!-interpolation", "  exact (s!\"{sorry}\" ▸ h₁)", "metaprogramming (s!)"),
    Cheat("unknown-tactic", "  infer_param", "tactic not allowed (infer_param)"),
    Cheat("unknown-bang", "  compute_degree!", "unknown keyword (compute_degree!)"),
    Cheat("decl_name%", "  exact decl_name%", "unknown keyword (decl_name%)"),
    Cheat("eval%", "  exact (eval% h₁)", "unknown keyword (eval%)"),
    Cheat("config-eval", "  simp (config := { maxSteps := dbgTraceVal 5 })", "metaprogramming (dbgTraceVal)"),
    Cheat("config-call", "  simp (config := Nat.succ 5)", "config term (Nat.succ)"),
    Cheat("aesop-clause", "  aesop (add safe tactic (by sorry))", "aesop rule clauses"),
    Cheat("ofReduceBool", "  exact Lean.ofReduceBool _ _ rfl", "metaprogramming (Lean.ofReduceBool)"),
    Cheat("IO", "  exact (IO.Process.exit 0)", "metaprogramming (IO.Process.exit)"),
    Cheat("escaped-Lean", "  exact «Lean».Elab.admitGoal", "metaprogramming («Lean».Elab.admitGoal)"),
    Cheat("unsafeBaseIO", "  exact unsafeBaseIO (pure h₁)", "metaprogramming (unsafeBaseIO)"),
    Cheat("unsafeCast", "  exact unsafeCast ()", "metaprogramming (unsafeCast)"),
    Cheat("dbgTrace", "  exact dbgTrace \"x\" fun _ => h₁", "metaprogramming (dbgTrace)"),
    Cheat("panic", "  exact panic! \"x\"", "metaprogramming (panic!)"),
    Cheat("open-Lean", "  open Lean Elab Tactic in\n  exact admitGoal", "open (Lean)"),
    Cheat("open-IO", "  open IO in\n  exact println \"x\"", "open (IO)"),
    Cheat("open-renaming", "  open Real renaming pi → p in\n  norm_num", "open (renaming)"),
    Cheat("nested-set_option", "  set_option maxRecDepth 1000 in\n  set_option debug.skipKernelTC true in\n  exact h₁",
          "set_option (debug.skipKernelTC)"),
    Cheat("set_option-compiler", "  set_option compiler.extract_closed false in\n  norm_num",
          "set_option (compiler.extract_closed)"),
    Cheat("set_option-without-in", "  set_option maxHeartbeats 400000\n  norm_num", "set_option (maxHeartbeats 400000 without"),
    # -- the lexer reads differently from Lean ---------------------------------------------------
    Cheat("char-quote-hides", "  have q := '\"'\n  sorry\n  have r := '\"'", "character literal ('\"')"),
    Cheat("char-escaped-quote", "  trace '\\''\n  sorry", "character literal"),
    Cheat("string-gap-hides", "  trace \"x\\\n    y\"\n  sorry\n  trace \"z\"", "string escape (\\newline)"),
    Cheat("raw-string-hides", "  trace r#\"\\\"#\n  sorry\n  trace \"x\"", "raw string literal"),
    Cheat("slash-slash-comment", "  norm_num [show (1:ℕ) // 1 = 1 from rfl] //-\ntheorem x : False := sorry -/",
          "new declaration (theorem)"),
    Cheat("or-comment", "  exact Or.inl h₁ \\/-\nrun_cmd pure () -/", "metaprogramming (run_cmd)"),
    Cheat("arrow-comment", "  rw [<--h₁] <;> sorry", "sorry (sorry)", "rejected: sorry"),
    Cheat("glued-comment", "  norm_num [h₁]--/\n  sorry", "comment glued"),
    Cheat("unterminated-comment", "  norm_num /- the rest is hidden", "not Lean (unterminated comment)"),
    Cheat("cyrillic-sorry", "  \u0455orry", "character U+0455 (CYRILLIC SMALL LETTER DZE)"),
    Cheat("cyrillic-o", "  s\u043erry", "character U+043E (CYRILLIC SMALL LETTER O)"),
    Cheat("fullwidth", "  \uff53\uff4f\uff52\uff52\uff59", "character U+FF53 (FULLWIDTH LATIN SMALL LETTER S)"),
    Cheat("zero-width", "  so\u200brry", "character U+200B (ZERO WIDTH SPACE)"),
    Cheat("bidi-override", "  exact h\u202e₁", "character U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    Cheat("tab", "  norm_num\n\tsorry", "not Lean (tabs are not allowed)"),
    # Greek omicron and an escaped identifier are legal characters: names that do not exist
    Cheat("greek-omicron", "  exact s\u03bfrry", None, "error: unknown identifier"),
    Cheat("escaped-sorry", "  exact «sorry»", None, "error: unknown identifier 'sorry'"),
    Cheat("bogus-lemma", "  nlinarith [bogus_sq_nonneg b]", None, "error: unknown identifier 'bogus_sq_nonneg'"),
    Cheat("slow", "  norm_num [slow_tactic]", None, "timeout"),
    # -- the answer channel: a proof that prints answers ------------------------------------------
    Cheat("forged-answers", f"  run_tac do\n    IO.println {lean_str(FORGED)}\n  exact bogus_lemma",
          "metaprogramming (run_tac)", "verifier error:", cacheable=False),
    Cheat("forged-for-next-proofs", f"  run_tac IO.println {lean_str(FORGED * 3)}\n  exact bogus_lemma",
          "metaprogramming (run_tac)", "verifier error:", cacheable=False),
    Cheat("forged-linter", f"  run_tac Lean.Elab.Command.addLinter {lean_str(LINTER)}\n  exact bogus_lemma",
          "metaprogramming (run_tac)", "verifier error:", cacheable=False),
    Cheat("forged-later", f"  run_tac do\n    let _ ← IO.asTask (IO.println {lean_str(FORGED)})\n  exact bogus_lemma",
          "metaprogramming (run_tac)", "error: unknown identifier 'bogus_lemma'"),
    Cheat("slow-check", "  norm_num [slow_axioms]", None, "verifier error: no answer", cacheable=False),
    # -- another constant under the problem's name ------------------------------------------------
    Cheat("abort-and-replace",
          f"  run_tac do\n    Lean.addDecl (.thmDecl {{ name := `{NAME}, levelParams := [], type := .const ``True [], "
          "value := .const ``True.intro [] })\n    throwAbortTactic", "metaprogramming (run_tac)",
          f"rejected: {NAME} does not have the problem's statement"),
]

LEGAL = [
    "  nlinarith [h₀.1, h₀.2.1, h₀.2.2, h₁, h₂, h₃]",
    "  exact ‹v = 1 / 3 * (b * h)›.trans (by norm_num [h₂, h₃])",
    "  have key : ⌊(65:ℝ)⌋₊ = 65 := by norm_num\n  norm_num [h₁, h₂, h₃]",
    "  have : (List.get? [1, 2] 0) = some 1 := rfl\n  norm_num [h₁, h₂, h₃]",
    "  set_option maxHeartbeats 400000 in\n  norm_num [h₁, h₂, h₃]",
    "  set_option maxRecDepth 10000 in\n  set_option linter.unusedVariables false in\n  norm_num [h₁, h₂, h₃]",
    "  open Real in\n  norm_num [h₁, h₂, h₃]",
    "  open scoped BigOperators in\n  norm_num [h₁, h₂, h₃]",
    "  trace \"declaration uses 'sorry'\"\n  norm_num [h₁, h₂, h₃]",
    f"  trace \"'{NAME}' does not depend on any axioms -- not a comment\"\n  norm_num [h₁, h₂, h₃]",
    "  -- a comment with \"quotes\", sorry, #exit and /- an opener\n  norm_num [h₁, h₂, h₃]",
    "  /- block /- nested sorry -/ still a comment -/\n  norm_num [h₁, h₂, h₃]",
    "  calc v = 1 / 3 * (b * h) := h₁\n  _ = 1 / 3 * (30 * (13 / 2)) := by rw [h₂, h₃]\n  _ = 65 := by norm_num",
    "  first\n  | linarith\n  | norm_num [h₁, h₂, h₃]",
    "  rcases h₀ with ⟨hb, hh, hv⟩\n  · rw [h₁, h₂, h₃]\n    norm_num",
    "  exact (by norm_num [h₁, h₂, h₃] : v = 65)",
    "  simp (config := { decide := true }) only [h₁, h₂, h₃]\n  norm_num",
    "  rw [show (13:ℝ) / 2 = 6.5 by norm_num] at h₃\n  norm_num [h₁, h₂, h₃]",
    "  have h₄ : ∀ x : ℝ, x = x := fun x ↦ rfl\n  norm_num [h₁, h₂, h₃]",
    "  all_goals (try norm_num [h₁, h₂, h₃])",
    "  by_contra! hne\n  norm_num [h₁, h₂, h₃] at hne",
    "  match h₀ with\n  | ⟨_, _, _⟩ => norm_num [h₁, h₂, h₃]",
    "  cases h₀ with\n  | intro hb rest => norm_num [h₁, h₂, h₃]",
    "  have : (∑ i in Finset.range 3, (i:ℝ)) = 3 := by simp [Finset.sum_range_succ]; norm_num\n  norm_num [h₁, h₂, h₃]",
    "  conv_lhs => rw [h₁]\n  norm_num [h₂, h₃]",
    "  subst h₂ h₃\n  norm_num [h₁]",
    "  constructor\n  <;> norm_num [h₁, h₂, h₃]",
    "  refine (?_ : v = 65)\n  norm_num [h₁, h₂, h₃]",
    "  have hb : b = 30 := h₂\n  subst hb\n  rw [h₁, h₃]\n  ring",
    "  norm_num [h₁, h₂, h₃] -- \"--\" in a comment, and ‹›, ↦, ₊ in code are fine",
    "  have : (7:ℕ)%2 = 1 := by norm_num\n  norm_num [h₁, h₂, h₃]",
    "  exact h₁ ▸ by norm_num [h₂, h₃]",
    "  norm_num [h₁, h₂, h₃, show (2:ℝ)⁻¹ = 1 / 2 by norm_num, abs_of_pos h₀.1, Real.sqrt_eq_iff]",
    "  nlinarith [sq_nonneg (b - 30), sq_nonneg (h - 13 / 2), mul_pos h₀.1 h₀.2.1,\n    h₁, h₂, h₃]",
]
NATIVE_LEGAL = "  native_decide"


def test_the_battery_is_large_and_each_cheat_has_a_verdict():
    assert len(CHEATS) >= 60 and len({c.id for c in CHEATS}) == len(CHEATS)
    assert all(c.rules or c.lean for c in CHEATS)
    assert len(LEGAL) >= 22


@pytest.fixture
def fake_repl(tmp_path, monkeypatch):
    log = tmp_path / "repl.log"
    monkeypatch.setenv("FAKE_REPL_LOG", str(log))
    monkeypatch.setattr(repl, "repl_command", lambda: ([sys.executable, str(REPO / "tests/fake_lean_repl.py")], tmp_path))
    monkeypatch.setattr(repl, "lean_unavailable", lambda commit: None)
    monkeypatch.setattr(repl, "CHECK_TIMEOUT_S", 3.0)
    repl.REPLS.close_all()
    yield lambda: [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    repl.REPLS.close_all()


def judge(proof: str, **options) -> Judgement:
    return minif2f.judge(proof, GOLD, MiniF2FOptions(**options))


@pytest.mark.parametrize("cheat", [c for c in CHEATS if c.rules], ids=lambda c: c.id)
def test_stopped_before_lean(cheat):
    reason = rejection(cheat.proof)
    assert reason is not None and reason.startswith(cheat.rules), reason
    assert judge(cheat.proof) == Judgement(False, f"rejected: {reason}")  # no REPL involved


@pytest.mark.parametrize("cheat", [c for c in CHEATS if not c.rules], ids=lambda c: c.id)
def test_stopped_after_lean(cheat, fake_repl):
    assert rejection(cheat.proof) is None
    verdict = judge(cheat.proof, proof_timeout_s=1.0)
    assert not verdict.correct and verdict.reason.startswith(cheat.lean), verdict
    assert verdict.cacheable == cheat.cacheable
    assert judge(HONEST) == Judgement(True, "proved")  # the worker's next verdict is clean


@pytest.mark.parametrize("cheat", [c for c in CHEATS if c.rules and c.lean], ids=lambda c: c.id)
def test_the_trusted_check_alone_refuses_what_the_rules_stop(cheat, fake_repl, monkeypatch):
    monkeypatch.setattr("monkeys.tasks.minif2f.rejection", lambda proof, native: None)
    verdict = judge(cheat.proof, proof_timeout_s=5.0)
    assert not verdict.correct and verdict.reason.startswith(cheat.lean), verdict
    assert verdict.cacheable == cheat.cacheable
    time.sleep(0.5)  # output a proof left running for later (forged-later) has arrived by now
    assert judge(HONEST) == Judgement(True, "proved")
    assert judge("  exact bogus_lemma") == Judgement(False, "error: unknown identifier 'bogus_lemma'")


def test_forged_answers_are_not_believed_for_any_later_proof(fake_repl, monkeypatch):
    monkeypatch.setattr("monkeys.tasks.minif2f.rejection", lambda proof, native: None)
    forged = next(c for c in CHEATS if c.id == "forged-for-next-proofs")
    assert judge(forged.proof).cacheable is False
    verdicts = [judge(p) for p in ("  exact bogus_lemma", "  sorry", HONEST, "  exact bogus_lemma")]
    assert [v.reason for v in verdicts] == ["error: unknown identifier 'bogus_lemma'", "rejected: sorry", "proved",
                                            "error: unknown identifier 'bogus_lemma'"]
    assert all(v.cacheable for v in verdicts)
    headers = [r for r in fake_repl() if r["cmd"] == GOLD["header"].rstrip()]
    assert len(headers) == 2  # the REPL that carried forged bytes was replaced once, then kept


@pytest.mark.parametrize("proof", LEGAL, ids=range(len(LEGAL)))
def test_legal_proofs_pass_and_are_proved(proof, fake_repl):
    assert rejection(proof) is None
    assert judge(proof) == Judgement(True, "proved")


def test_native_decide_when_allowed(fake_repl):
    assert rejection(NATIVE_LEGAL, allow_native_decide=True) is None
    assert judge(NATIVE_LEGAL, allow_native_decide=True) == Judgement(True, "proved")
    assert judge("  exact absurd rfl (by native_decide : (1:ℕ) ≠ 1)", allow_native_decide=True).correct


def test_what_the_previous_rules_let_through_is_stopped():
    """Cheats that the word list of verifier_version 1 passed (Lean would have run them), and legal
    proofs it rejected."""
    passed = ["stop", "sorryAx", "polyrith", "termination_by", "text-after-proof", "by_elab", "run_meta", "simproc",
              "declare_syntax_cat", "proof_wanted", "do-block", "trace-class", "s!-interpolation", "unknown-tactic",
              "unknown-bang", "decl_name%", "eval%", "config-eval", "config-call", "IO", "unsafeBaseIO", "unsafeCast",
              "dbgTrace", "panic", "char-quote-hides", "string-gap-hides", "raw-string-hides", "slash-slash-comment",
              "or-comment", "arrow-comment", "unterminated-comment"]
    by_id = {c.id: c for c in CHEATS}
    assert all(rejection(by_id[i].proof) for i in passed)
    rejected = [LEGAL[i] for i in (1, 2, 3, 4, 5, 6, 7, 18)]  # ‹›, ₊, get?, set_option … in, open … in, ↦
    assert all(rejection(p) is None for p in rejected)
    assert re.fullmatch(r"Expr\[.*: v = 65\]", TYPE)
