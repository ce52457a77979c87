"""MiniF2F-MATH in Lean 4: data, prompt, proof extraction, the rejection rules, the REPL client
(against a stand-in that speaks the REPL protocol) and, where a toolchain exists, real Lean."""

import json
import sys

import pandas as pd
import pytest

from conftest import REPO
from monkeys import lean
from monkeys.errors import VerifierUnavailable
from monkeys.problems import download
from monkeys.tasks import minif2f
from monkeys.verify import verify

TEST = [json.loads(line) for line in (REPO / "data/minif2f/minif2f_math_test130.jsonl").read_text().splitlines()]
SHOTS = [json.loads(line) for line in (REPO / "data/minif2f/minif2f_valid_few_shot.jsonl").read_text().splitlines()]
OPTIONS = minif2f.VERIFIER_DEFAULTS
GOLD = minif2f.parse_gold(minif2f.normalize(TEST[0])["gold"])


def test_the_paper_subset():
    assert len(TEST) == 130 and all(r["name"].startswith("mathd_") and r["split"] == "test" for r in TEST)
    assert len({r["header"] for r in TEST}) == 1 and TEST[0]["header"].startswith("import Mathlib")
    assert all(r["formal_statement"].rstrip().endswith(":= by") for r in TEST)


def test_prompt_is_statements_then_proofs_ending_in_the_open_statement():
    problems = download({
        "kind": "minif2f", "source": {"local": str(REPO / "data/minif2f/minif2f_math_test130.jsonl")},
        "subset": {"size": 2, "seed": 0},
        "few_shot": {"source": {"local": str(REPO / "data/minif2f/minif2f_valid_few_shot.jsonl")}, "num": 3, "seed": 0},
    })
    prompt, gold = problems["prompt"][0], minif2f.parse_gold(problems["gold"][0])
    assert prompt.endswith(gold["statement"].rstrip() + "\n") and prompt.count(":= by") == 4
    assert gold["header"] not in prompt  # the header is added by the checker, not written by the model


def test_extraction():
    assert minif2f.extract_answer("  norm_num [h₀]\n\n") == ("  norm_num [h₀]", "  norm_num [h₀]")
    assert minif2f.extract_answer("\n  \n") is None


def test_human_written_proofs_are_not_rejected():
    assert [r["name"] for r in SHOTS if minif2f.rejection(r["formal_proof"])] == []


@pytest.mark.parametrize(
    "proof, reason",
    [
        ("  sorry", "sorry (sorry)"),
        ("  nlinarith [sq_nonneg x]\n  all_goals sorry", "sorry (sorry)"),
        ("  admit", "admit (admit)"),
        ("  exact?", "search placeholder (exact?)"),
        ("  apply? using h₀", "search placeholder (apply?)"),
        ("  simp?", "search placeholder (simp?)"),
        ("  set_option maxRecDepth 100000 in\n  norm_num", "set_option (set_option)"),
        ("  norm_num\n\nset_option debug.skipKernelTC true", "set_option (set_option)"),
        ("  exact trivial\n#exit", "command (#exit)"),
        ("  exact my_ax\naxiom my_ax : False", "axiom (axiom)"),
        ("  sorry\ntheorem mathd_algebra_478 : True := by trivial", "sorry (sorry)"),
        ("  trivial\ntheorem mathd_algebra_478' : True := trivial", "new declaration (theorem)"),
        ("  exact h\nattribute [simp] foo", "command (attribute)"),
        ("  exact h\n@[simp] lemma x : True := trivial", "new declaration (lemma)"),
        ("  exact (by native_decide : 2 + 2 = 4)", "native_decide (native_decide)"),
        ("  decide +native", "native_decide (decide +native)"),
        ("  run_tac Lean.Elab.admitGoal", "elaborator (run_tac)"),
        ("  \u0455orry", "character U+0455 (CYRILLIC SMALL LETTER DZE)"),
        ("  s\u043erry", "character U+043E (CYRILLIC SMALL LETTER O)"),
        ("  \uff53\uff4f\uff52\uff52\uff59", "character U+FF53 (FULLWIDTH LATIN SMALL LETTER S)"),
        ("  so\u200brry", "character U+200B (ZERO WIDTH SPACE)"),
        ("  macro \"done!\" : tactic => `(tactic| sorry)", "macro (macro)"),
    ],
)
def test_rejection_rules(proof, reason):
    assert minif2f.rejection(proof) == reason
    assert minif2f.judge(proof, GOLD, OPTIONS) == (False, f"rejected: {reason}")


def test_comments_and_strings_do_not_trigger_rules():
    proof = "  /- we do not need sorry here; /- nested -/ exact? -/\n  -- admit nothing\n  norm_num -- not sorry"
    assert minif2f.rejection(proof) is None
    assert minif2f.rejection("  norm_num /- unterminated sorry") is None  # all comment: Lean rejects it
    assert minif2f.rejection("  /- -/ sorry") == "sorry (sorry)"
    assert minif2f.rejection("  native_decide", allow_native_decide=True) is None


@pytest.fixture
def fake_repl(tmp_path, monkeypatch):
    log = tmp_path / "repl.log"
    monkeypatch.setenv("FAKE_REPL_LOG", str(log))
    monkeypatch.setattr(lean, "repl_command", lambda: ([sys.executable, str(REPO / "tests/fake_lean_repl.py")], tmp_path))
    monkeypatch.setattr(minif2f, "unavailable", lambda options: None)
    yield lambda: [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    lean.close_all()
    lean._local.repl = None


def test_judging_through_the_repl(fake_repl):
    judge = lambda proof, **kw: minif2f.judge(proof, GOLD, {**OPTIONS, **kw})  # noqa: E731
    assert judge("  norm_num [h₀]") == (True, "proved")
    assert judge("  nlinarith [needs_choice]") == (True, "proved")
    assert judge("  linarith [linarith_fail]") == (False, "error: linarith failed to find a contradiction")
    assert judge("  simp [hidden_sorry]") == (False, "rejected: sorry")
    assert judge("  exact fake_axiom") == (False, "rejected: axiom my_axiom")
    commands = fake_repl()
    # Mathlib imported once; the candidate is the problem's own header + statement + proof
    assert [c["cmd"] for c in commands].count(GOLD["header"].rstrip()) == 1
    assert commands[1] == {"cmd": GOLD["statement"] + "  norm_num [h₀]", "env": 0}
    assert commands[2] == {"cmd": f"#print axioms {GOLD['name']}", "env": 1}


def test_a_proof_past_its_time_limit_costs_the_repl_not_the_run(fake_repl):
    assert minif2f.judge("  slow_tactic", GOLD, {**OPTIONS, "proof_timeout_s": 0.5}) == (False, "timeout")
    assert minif2f.judge("  norm_num", GOLD, OPTIONS) == (True, "proved")  # a fresh REPL, imports again
    assert [c["cmd"] for c in fake_repl()].count(GOLD["header"].rstrip()) == 2


def test_verify_memoizes_by_statement_and_proof(fake_repl, tmp_path):
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [minif2f.normalize(TEST[0])["gold"]]})
    samples = pd.DataFrame({"problem_id": ["p"] * 4, "sample_idx": range(4),
                            "text": ["  norm_num\n", "  norm_num", "  sorry", "  linarith [linarith_fail]"]})
    verifier = {"kind": "minif2f", "version": minif2f.VERIFIER_VERSION, "timeout_s": 5, **OPTIONS}
    verdicts = verify(samples, problems, verifier, threads=1, memo=str(tmp_path / "memo"))
    assert verdicts["reason"].tolist() == ["proved", "proved", "rejected: sorry (sorry)", "error: linarith failed to find a contradiction"]
    theorems = [c for c in fake_repl() if c["cmd"].startswith("theorem")]
    assert len(theorems) == 2  # the two spellings of one proof are one proof; sorry never reached Lean
    again = verify(samples, problems, verifier, threads=1, memo=str(tmp_path / "memo"))
    assert again.equals(verdicts) and len([c for c in fake_repl() if c["cmd"].startswith("theorem")]) == 2


def test_without_a_toolchain_verification_stops_naming_the_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("MONKEYS_LEAN_DIR", str(tmp_path))
    why = minif2f.unavailable(OPTIONS)
    assert why and "envs/setup-lean.sh" in why
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [minif2f.normalize(TEST[0])["gold"]]})
    samples = pd.DataFrame({"problem_id": ["p"], "sample_idx": [0], "text": ["  norm_num"]})
    verifier = {"kind": "minif2f", "version": minif2f.VERIFIER_VERSION, "timeout_s": 5, **OPTIONS}
    with pytest.raises(VerifierUnavailable, match="setup-lean.sh"):
        verify(samples, problems, verifier)


requires_lean = pytest.mark.skipif(
    bool(lean.lean_unavailable(minif2f.MATHLIB_COMMIT)), reason=f"{lean.lean_unavailable(minif2f.MATHLIB_COMMIT)}"
)


@requires_lean
def test_real_lean_accepts_a_known_proof_and_rejects_a_wrong_one():
    row = next(r for r in SHOTS if r["name"] == "mathd_algebra_182")
    gold = {"name": row["name"], "header": TEST[0]["header"], "statement": row["formal_statement"]}
    assert minif2f.judge(row["formal_proof"], gold, OPTIONS) == (True, "proved")
    assert minif2f.judge("  norm_num", gold, OPTIONS)[1].startswith("error")
