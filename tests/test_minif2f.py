"""MiniF2F-MATH in Lean 4: data, prompt, proof extraction, the rules on the human proofs, the REPL
client and its trusted check (against `fake_lean_repl.py`, a stand-in that speaks the REPL's
protocol and models hostile proofs) and, where a toolchain exists, real Lean.

The hostile battery is `test_minif2f_battery.py`; the lexer's corpus is `test_minif2f_lexer.py`."""

import json
import sys
import time

import pandas as pd
import pytest

from conftest import REPO
from monkeys.errors import VerifierUnavailable
from monkeys.problems import download
from monkeys.tasks import Judgement, PromptOptions, task_kind
from monkeys.tasks.base import options_dict
from monkeys.tasks.minif2f import MATHLIB_COMMIT, MiniF2FOptions, repl
from monkeys.tasks.minif2f.rules import rejection
from monkeys.verdicts import verify

minif2f = task_kind("minif2f")
TEST = [json.loads(line) for line in (REPO / "data/minif2f/minif2f_math_test130.jsonl").read_text().splitlines()]
SHOTS = [json.loads(line) for line in (REPO / "data/minif2f/minif2f_valid_few_shot.jsonl").read_text().splitlines()]
OPTIONS = MiniF2FOptions()
GOLD = minif2f.parse_gold(minif2f.normalize(TEST[0])["gold"])
NAME = GOLD["name"]
FAKE = REPO / "tests/fake_lean_repl.py"


def spec(**options) -> dict:
    return {"kind": "minif2f", "version": minif2f.verifier_version, **options_dict(MiniF2FOptions(**options))}


def judge(proof: str, **options) -> Judgement:
    return minif2f.judge(proof, GOLD, MiniF2FOptions(**options))


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
    shots = [minif2f.shot(r) for r in SHOTS[:1]]
    assert minif2f.build_prompt("Q := by", {}, shots, PromptOptions()).endswith("Q := by\n")


def test_extraction():
    assert minif2f.extract_answer("  norm_num [h₀]\n\n") == ("  norm_num [h₀]", "  norm_num [h₀]")
    assert minif2f.extract_answer("\n  \n") is None


def test_all_human_written_proofs_pass_the_rules():
    assert len(SHOTS) == 67
    assert [(r["name"], rejection(r["formal_proof"])) for r in SHOTS if rejection(r["formal_proof"])] == []


def test_a_rejected_proof_never_reaches_lean(fake_repl):
    assert judge("  sorry") == Judgement(False, "rejected: sorry (sorry)")
    assert judge("  exact?") == Judgement(False, "rejected: search placeholder (exact?)")
    assert fake_repl() == []


@pytest.fixture
def fake_repl(tmp_path, monkeypatch):
    """The client against the stand-in; returns a function giving the requests it received."""
    log = tmp_path / "repl.log"
    monkeypatch.setenv("FAKE_REPL_LOG", str(log))
    monkeypatch.setattr(repl, "repl_command", lambda: ([sys.executable, str(FAKE)], tmp_path))
    monkeypatch.setattr(repl, "lean_unavailable", lambda commit: None)
    monkeypatch.setattr(repl, "CHECK_TIMEOUT_S", 3.0)
    repl.REPLS.close_all()
    yield lambda: [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    repl.REPLS.close_all()


def candidates(requests: list[dict]) -> list[dict]:
    return [r for r in requests if r["cmd"].startswith(GOLD["statement"]) and not r["cmd"].endswith(" sorry") and
            "run_cmd" not in r["cmd"]]


def test_judging_through_the_repl(fake_repl):
    assert judge("  norm_num [h₀]") == Judgement(True, "proved")
    assert judge("  nlinarith [needs_choice]") == Judgement(True, "proved")
    assert judge("  linarith [linarith_fail]") == Judgement(False, "error: linarith failed to find a contradiction")
    assert judge("  exact bogus_lemma") == Judgement(False, "error: unknown identifier 'bogus_lemma'")
    requests = fake_repl()
    # Mathlib imported once; the reference statement elaborated once, in the header environment
    assert [r["cmd"] for r in requests].count(GOLD["header"].rstrip()) == 1
    assert requests[1]["cmd"].startswith(GOLD["statement"].rstrip() + "\n  sorry\n\nrun_cmd") and requests[1]["env"] == 0
    # each candidate is the problem's own statement + the proof, in the header environment, then
    # the trusted check in the candidate's environment, then a sync
    assert requests[2] == {"cmd": GOLD["statement"] + "  norm_num [h₀]", "env": 0}
    assert requests[3]["cmd"].startswith("run_cmd") and f"`{NAME}" in requests[3]["cmd"] and requests[3]["env"] == 2
    assert requests[4]["cmd"].startswith('#check "monkeys-sync ')
    nonces = [r["cmd"].split("monkeys-check ")[1].split()[0] for r in requests if "monkeys-check" in r["cmd"]]
    assert len(set(nonces)) == len(nonces) == 5 and all(len(n) == 32 for n in nonces)  # fresh per request


def test_native_decide_is_judged_by_its_axiom(fake_repl, monkeypatch):
    assert judge("  native_decide") == Judgement(False, "rejected: native_decide (native_decide)")  # rules
    assert judge("  native_decide", allow_native_decide=True) == Judgement(True, "proved")
    # if the rules were bypassed, the check still refuses the compiler's axiom unless allowed
    monkeypatch.setattr("monkeys.tasks.minif2f.rejection", lambda proof, native: None)
    assert judge("  native_decide") == Judgement(False, "rejected: axiom Lean.ofReduceBool")


def test_messages_other_than_errors_and_the_sorry_warning_decide_nothing(fake_repl):
    # a trace that mentions sorry, the axioms phrase, or looks like an answer is an info message
    assert judge('  trace "declaration uses \'sorry\'"\n  norm_num') == Judgement(True, "proved")
    assert judge(f'  trace "\'{NAME}\' does not depend on any axioms"\n  norm_num') == Judgement(True, "proved")
    assert judge('  trace "{\\"env\\": 0}"\n  norm_num').reason.startswith("rejected: string with braces")


def test_a_proof_past_its_time_limit_costs_the_repl_not_the_run(fake_repl):
    start = time.monotonic()
    assert judge("  norm_num [slow_tactic]", proof_timeout_s=0.5) == Judgement(False, "timeout")
    assert time.monotonic() - start < 30
    assert judge("  norm_num") == Judgement(True, "proved")  # a fresh REPL, imports again
    assert [r["cmd"] for r in fake_repl()].count(GOLD["header"].rstrip()) == 2


def test_verify_memoizes_clean_verdicts_only(fake_repl, tmp_path, monkeypatch):
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [minif2f.normalize(TEST[0])["gold"]]})
    texts = ["  norm_num\n", "  norm_num", "  sorry", "  linarith [linarith_fail]", "  norm_num [slow_axioms]"]
    samples = pd.DataFrame({"problem_id": ["p"] * 5, "sample_idx": range(5), "text": texts})
    verdicts = verify(samples, problems, spec(), threads=1, memo=str(tmp_path / "memo"))
    assert verdicts["reason"].tolist() == [
        "proved", "proved", "rejected: sorry (sorry)", "error: linarith failed to find a contradiction",
        "verifier error: no answer within 3 s",  # the check hung: the REPL is discarded, nothing memoized
    ]
    assert len(candidates(fake_repl())) == 3  # two spellings of one proof are one proof; sorry never reached Lean
    again = verify(samples, problems, spec(), threads=1, memo=str(tmp_path / "memo"))
    assert again.equals(verdicts)
    assert len(candidates(fake_repl())) == 4  # only the unclean verdict was judged again


def test_without_a_toolchain_verification_stops_naming_the_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("MONKEYS_LEAN_DIR", str(tmp_path))
    why = repl.lean_unavailable(MATHLIB_COMMIT)
    assert why and "envs/setup-lean.sh" in why
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [minif2f.normalize(TEST[0])["gold"]]})
    samples = pd.DataFrame({"problem_id": ["p"], "sample_idx": [0], "text": ["  norm_num"]})
    with pytest.raises(VerifierUnavailable, match="setup-lean.sh"):
        verify(samples, problems, spec())


def test_a_header_that_does_not_import_stops_the_job(fake_repl):
    gold = {**GOLD, "header": "import Mathlib.fail_import\n"}
    with pytest.raises(VerifierUnavailable, match="could not elaborate the header"):
        minif2f.judge("  norm_num", gold, OPTIONS)


def test_the_check_program_names_only_what_it_is_given():
    program = repl.check_program("mathd_algebra_478", "ab" * 16)
    assert "`mathd_algebra_478" in program and f"monkeys-check {'ab' * 16} " in program
    assert program.startswith("run_cmd\n") and "Lean.collectAxioms" in program and "repr info.type" in program
    with pytest.raises(ValueError):
        repl.check_program("x\n#exit", "00")


requires_lean = pytest.mark.skipif(
    bool(repl.lean_unavailable(MATHLIB_COMMIT)),
    reason=f"real Lean: {repl.lean_unavailable(MATHLIB_COMMIT)}",
)


@requires_lean
def test_real_lean_accepts_a_known_proof_and_rejects_wrong_ones(monkeypatch):
    row = next(r for r in SHOTS if r["name"] == "mathd_algebra_182")
    gold = {"name": row["name"], "header": TEST[0]["header"], "statement": row["formal_statement"]}
    assert minif2f.judge(row["formal_proof"], gold, OPTIONS) == Judgement(True, "proved")
    assert minif2f.judge("  norm_num", gold, OPTIONS).reason.startswith("error")
    monkeypatch.setattr("monkeys.tasks.minif2f.rejection", lambda proof, native: None)  # the check alone
    assert minif2f.judge("  sorry", gold, OPTIONS).reason == "rejected: sorry"
    assert minif2f.judge("  exact absurd rfl (by native_decide : (1:ℕ) ≠ 1)", gold, OPTIONS).correct is False
