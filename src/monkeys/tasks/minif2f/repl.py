"""Check whole Lean 4 proofs with the Lean REPL (leanprover-community/repl), one process per thread.

Why the REPL rather than lean-dojo: checking a complete proof needs only elaboration of one
command in an environment where Mathlib is already imported. The REPL keeps that environment
(`import Mathlib` once, ~10 s and several GB) and elaborates each candidate against it in well
under a second for typical MiniF2F proofs; lean-dojo is built for tactic-by-tactic interaction
and first traces the whole repository (hours for Mathlib).

Protocol: a JSON command, then a blank line; the answer is JSON followed by a blank line. A proof
that runs past its time limit costs the REPL process (it cannot be interrupted): it is killed and
the next proof starts a fresh one.

Where the toolchain lives: `$MONKEYS_LEAN_DIR` (default `~/.cache/monkeys/lean`), laid out by
`envs/setup-lean.sh`: `mathlib4/` (the pinned Mathlib checkout, built) and `repl/` (the REPL
built with the same Lean toolchain).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

from monkeys.errors import VerifierUnavailable
from monkeys.workers import PerThread, read_json

SETUP = "envs/setup-lean.sh"
# The axioms a proof may depend on: Lean's and Mathlib's standard ones. `sorryAx` (a sorry
# somewhere), `Lean.ofReduceBool` (native_decide) or any new axiom disqualify a proof.
STANDARD_AXIOMS = {"propext", "Classical.choice", "Quot.sound"}


class LeanUnavailable(VerifierUnavailable):
    pass


def lean_dir() -> Path:
    return Path(os.environ.get("MONKEYS_LEAN_DIR", Path.home() / ".cache" / "monkeys" / "lean"))


def lean_unavailable(mathlib_commit: str) -> str | None:
    """Why proofs cannot be checked here, or None."""
    root = lean_dir()
    mathlib, repl = root / "mathlib4", root / "repl" / ".lake" / "build" / "bin" / "repl"
    if shutil.which("lake") is None:
        return f"no Lean toolchain (`lake` is not on PATH); run `{SETUP}` (elan, Mathlib {mathlib_commit[:12]}, REPL)"
    if not repl.is_file() or not (mathlib / ".lake").is_dir():
        return f"no built Mathlib and REPL under {root} (set MONKEYS_LEAN_DIR or run `{SETUP} {root}`)"
    head = subprocess.run(["git", "-C", str(mathlib), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if head != mathlib_commit:
        return f"{mathlib} is at Mathlib {head[:12] or '?'}, the verifier is pinned to {mathlib_commit[:12]}; run `{SETUP} {root}`"
    return None


def repl_command() -> tuple[list[str], Path]:
    root = lean_dir()
    return ["lake", "env", str(root / "repl" / ".lake" / "build" / "bin" / "repl")], root / "mathlib4"


class Repl:
    """A Lean REPL process speaking JSON; `command` returns the response or None on timeout."""

    def __init__(self, argv: list[str], cwd: Path | str, memory_mb: int | None = None):
        limit = ["prlimit", f"--as={memory_mb << 20}", "--"] if memory_mb else []
        self.process = subprocess.Popen(
            [*limit, *argv], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.buffer = b""
        self.environments: dict[str, int] = {}  # header -> environment id

    def command(self, request: dict, timeout: float) -> dict | None:
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return None
        answer, self.buffer = read_json(self.process.stdout.fileno(), self.buffer, b"\n\n", timeout)
        return answer

    def environment(self, header: str, timeout: float) -> int | None:
        """The environment after `header` (imports), elaborated once per process."""
        if header not in self.environments:
            response = self.command({"cmd": header.rstrip()}, timeout)
            if response is None or errors(response):
                return None
            self.environments[header] = response["env"]
        return self.environments[header]

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def errors(response: dict) -> list[str]:
    return [m["data"] for m in response.get("messages", []) if m.get("severity") == "error"]


def judge_response(response: dict) -> str | None:
    """A failure reason from the REPL's answer to the candidate theorem, or None if it checked."""
    if "message" in response:  # the REPL's own error (e.g. unknown environment)
        return f"error: {response['message']}"
    if found := errors(response):
        return f"error: {first_line(found[0])}"
    if response.get("sorries") or any("declaration uses 'sorry'" in m.get("data", "") for m in response.get("messages", [])):
        return "rejected: sorry"
    return None


def first_line(message: str, width: int = 200) -> str:
    return message.strip().splitlines()[0][:width] if message.strip() else "(empty message)"


_AXIOMS = re.compile(r"depends on axioms: \[(.*?)\]", re.S)


def axioms_of(response: dict) -> set[str] | None:
    """Axioms listed by `#print axioms` (empty if none), or None if the answer has no such list."""
    for message in response.get("messages", []):
        text = message.get("data", "")
        if "does not depend on any axioms" in text:
            return set()
        if match := _AXIOMS.search(text):
            return {a.strip() for a in match.group(1).split(",") if a.strip()}
    return None


def _start_repl(memory_mb: int | None) -> Repl:
    argv, cwd = repl_command()
    return Repl(argv, cwd, memory_mb)


REPLS: PerThread[Repl] = PerThread(_start_repl)


def check(name: str, header: str, theorem: str, timeout: float, memory_mb: int | None, import_timeout: float = 600) -> str:
    """'proved', or why not: error (first message), timeout, rejected (sorry, axioms)."""
    repl = REPLS.get(memory_mb)
    env = repl.environment(header, import_timeout)
    if env is None:
        REPLS.discard()
        raise LeanUnavailable(f"the REPL could not elaborate the header (imports):\n{header}")
    response = repl.command({"cmd": theorem, "env": env}, timeout)
    if response is None:
        REPLS.discard()
        return "timeout"
    if failure := judge_response(response):
        return failure
    axioms = repl.command({"cmd": f"#print axioms {name}", "env": response["env"]}, timeout)
    used = axioms_of(axioms) if axioms else None
    if used is None:
        return "error: could not list the proof's axioms"
    if extra := sorted(used - STANDARD_AXIOMS):
        return f"rejected: axiom {', '.join(extra)}"
    return "proved"
