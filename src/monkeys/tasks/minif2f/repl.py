"""Check whole Lean 4 proofs with the Lean REPL (leanprover-community/repl), one process per thread.

Why the REPL rather than lean-dojo: checking a complete proof needs only elaboration of one
command in an environment where Mathlib is already imported. The REPL keeps that environment
(`import Mathlib` once, ~10 s and several GB) and elaborates each candidate against it; lean-dojo
is built for tactic-by-tactic interaction and first traces the whole repository.

Protocol (REPL v4.9): a JSON request on one line, then a blank line; the answer is JSON (pretty
printed over several lines, never containing a blank line) followed by a blank line. Each answer
to a `cmd` carries `env`, the index of the new environment snapshot, which counts up from 0.

What makes a verdict trustworthy — the answer channel is the REPL's stdout, which is also the
stdout of any code the proof manages to run, so nothing the proof could print is believed:

1. Candidate: `statement + proof` is elaborated in the header environment (a snapshot taken after
   `import Mathlib…`, never modified: every candidate starts from the same immutable `Environment`,
   so no declaration, instance, notation or option of one proof reaches another).
2. Trusted check: after the candidate's answer arrived, a fresh random nonce is drawn (the proof
   ran before it existed, so it cannot know it) and a second command, our own `run_cmd` program,
   reports on the constant of the problem's name in the candidate's environment: whether it exists,
   whether it is a theorem, its universe parameters, its type (the structural `repr` of the `Expr`)
   and `collectAxioms`. The report is one info message that starts with the nonce. The same program
   run once per REPL in the header environment on `statement + sorry` gives the reference type: the
   problem's statement as Lean elaborates it where no candidate ever ran. Proved means: the
   candidate's answer has no error and no "declaration uses 'sorry'" warning, and the report says a
   theorem of that name exists whose type and universe parameters are exactly the reference's and
   whose axioms are among `propext`, `Classical.choice`, `Quot.sound` (and `Lean.ofReduceBool` when
   `allow_native_decide`). Other warnings (linters, deprecations) do not decide anything: the
   report is about the kernel-checked constant itself. Info messages (`trace`) are never read.
3. Sync: a third command whose answer echoes a second nonce must be the very next answer; bytes
   printed by the proof before an answer shift every later answer, so they surface as a missing or
   wrong nonce, an environment index out of sequence, JSON that does not parse, or output between
   requests.
4. Any such anomaly, an answer of the wrong shape, a REPL that exits, or a check that times out
   discards the REPL (the next proof starts a fresh one) and gives a verdict with
   `cacheable=False`: it says nothing about the proof and is never memoized. A candidate that runs
   past `proof_timeout_s` also costs the REPL (it cannot be interrupted); its "timeout" is a verdict
   about the proof under that limit and is memoized, like a program's time limit.

What this cannot do by itself: code that the proof runs inside the REPL process could tamper with
that process (its environment, its later commands). That is why the rules (`rules.py`) admit no
syntax that runs user code, and why a REPL is recycled after `PROOFS_PER_REPL` proofs.

Where the toolchain lives: `$MONKEYS_LEAN_DIR` (default `~/.cache/monkeys/lean`), laid out by
`envs/setup-lean.sh`: `mathlib4/` (the pinned Mathlib checkout, built) and `repl/` (the REPL built
with the same Lean toolchain).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from monkeys.errors import VerifierUnavailable
from monkeys.tasks.base import Judgement
from monkeys.workers import PerThread

SETUP = "envs/setup-lean.sh"
# The axioms a proof may depend on: Lean's and Mathlib's standard ones. `sorryAx` (a sorry
# somewhere), `Lean.ofReduceBool` (native_decide, unless allowed) or any new axiom disqualify it.
STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
NATIVE_AXIOMS = frozenset({"Lean.ofReduceBool"})
IMPORT_TIMEOUT_S = 600.0  # `import Mathlib` in a fresh REPL
CHECK_TIMEOUT_S = 120.0  # the trusted check and the sync (compiling the check takes well under a second)
PROOFS_PER_REPL = 100  # a REPL keeps every snapshot it made: recycle it to bound memory and exposure
ANSWER_LIMIT = 64 << 20  # bytes of one answer
TAG = "monkeys-check"
SYNC = "monkeys-sync"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_']*(\.[A-Za-z_][A-Za-z0-9_']*)*")

# Our own program: runs in the candidate's environment after the candidate finished. Every name is
# fully qualified so that the header's `open`s (`Nat` has a `repr`) cannot change what it means.
# The type is reported as the structural `repr` of its `Expr` (constants, universe levels, binder
# names and kinds, literals): equal reports mean the same type, not just the same pretty-printing.
CHECK_PROGRAM = """run_cmd
  let env ← Lean.getEnv
  let decl : Lean.Name := `NAME
  let report : Lean.Json ← match env.find? decl with
    | none => Pure.pure (Lean.Json.mkObj [("found", Lean.Json.bool false)])
    | some info => do
      let axs ← Lean.collectAxioms decl
      let kind : String := match info with
        | .thmInfo _ => "theorem"
        | .axiomInfo _ => "axiom"
        | .defnInfo _ => "definition"
        | .opaqueInfo _ => "opaque"
        | _ => "other"
      Pure.pure (Lean.Json.mkObj [("found", Lean.Json.bool true), ("kind", Lean.Json.str kind),
        ("levels", Lean.toJson (info.levelParams.map ToString.toString)),
        ("type", Lean.Json.str (Std.Format.pretty (_root_.repr info.type))),
        ("axioms", Lean.toJson (axs.toList.map ToString.toString))])
  Lean.logInfo (Lean.MessageData.ofFormat (Std.Format.text ("TAG NONCE " ++ report.compress)))"""


class LeanUnavailable(VerifierUnavailable):
    pass


class Untrusted(Exception):
    """The REPL's answers can no longer be trusted (or it died): discard it, memoize nothing."""


class CandidateTimeout(Exception):
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


@dataclass(frozen=True)
class Message:
    severity: str
    line: int
    column: int
    data: str


@dataclass(frozen=True)
class Answer:
    env: int
    messages: tuple[Message, ...]
    sorries: int

    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == "error"]


@dataclass(frozen=True)
class Report:
    """What the trusted check says about the constant of the problem's name."""

    found: bool
    kind: str = ""
    levels: tuple[str, ...] = ()
    type: str = ""
    axioms: frozenset[str] = frozenset()


def check_program(name: str, nonce: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain Lean name: {name!r}")
    if not re.fullmatch(r"[0-9a-f]+", nonce):
        raise ValueError(f"not a nonce: {nonce!r}")
    return CHECK_PROGRAM.replace("TAG", TAG).replace("NONCE", nonce).replace("NAME", name)  # the name last


class Repl:
    """A Lean REPL process speaking JSON, read strictly: one answer per request, nothing else."""

    def __init__(self, argv: list[str], cwd: Path | str, memory_mb: int | None = None):
        limit = ["prlimit", f"--as={memory_mb << 20}", "--"] if memory_mb else []
        self.process = subprocess.Popen(
            [*limit, *argv], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.fd = self.process.stdout.fileno()
        self.buffer = b""
        self.next_env = 0  # the REPL numbers its snapshots 0, 1, 2, …
        self.headers: dict[str, int] = {}  # header -> environment after it
        self.references: dict[tuple[str, str], Report] = {}  # (name, statement) -> the statement's report
        self.proofs = 0

    # -- the wire ----------------------------------------------------------------------------
    def _quiet(self) -> None:
        """Nothing may arrive between an answer and the next request."""
        if self.buffer.strip():
            raise Untrusted("unexpected output after an answer")
        if select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, 1 << 16)
            raise Untrusted("unexpected output between requests" if chunk else "the REPL exited")

    def quiet(self) -> bool:
        """Whether the REPL said nothing since its last answer (and is alive)."""
        try:
            self._quiet()
        except Untrusted:
            return False
        return self.alive()

    def request(self, request: dict, timeout: float, on_timeout: type[Exception] = Untrusted) -> Answer:
        self._quiet()
        try:
            self.process.stdin.write(json.dumps(request, ensure_ascii=False).encode() + b"\n\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Untrusted("the REPL exited") from None
        return self._parse(self._read(timeout, on_timeout))

    def _read(self, timeout: float, on_timeout: type[Exception]) -> bytes:
        deadline = time.monotonic() + timeout
        while b"\n\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise on_timeout(f"no answer within {timeout:g} s")
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise Untrusted("the REPL exited")
            self.buffer += chunk
            if len(self.buffer) > ANSWER_LIMIT:
                raise Untrusted("an answer over the size limit")
        message, self.buffer = self.buffer.split(b"\n\n", 1)
        return message

    def _parse(self, raw: bytes) -> Answer:
        try:
            answer = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Untrusted(f"an answer that is not JSON: {raw[:80]!r}") from None
        if not isinstance(answer, dict):
            raise Untrusted("an answer that is not a JSON object")
        if set(answer) == {"message"}:
            raise Untrusted(f"the REPL refused the request: {str(answer['message'])[:200]}")
        if not set(answer) <= {"env", "messages", "sorries", "tactics", "infotree"}:
            raise Untrusted(f"an answer with unknown fields {sorted(set(answer))}")
        if answer.get("env") != self.next_env or type(answer.get("env")) is not int:
            raise Untrusted(f"environment {answer.get('env')!r} out of sequence (expected {self.next_env})")
        self.next_env += 1
        messages = answer.get("messages", [])
        sorries = answer.get("sorries", [])
        if not isinstance(messages, list) or not isinstance(sorries, list):
            raise Untrusted("an answer of the wrong shape")
        return Answer(answer["env"], tuple(_message(m) for m in messages), len(sorries))

    # -- environments ------------------------------------------------------------------------
    def header_env(self, header: str) -> int:
        """The environment after `header` (imports), elaborated once per process."""
        if header not in self.headers:
            try:
                answer = self.request({"cmd": header.rstrip()}, IMPORT_TIMEOUT_S)
            except Untrusted as err:
                raise LeanUnavailable(f"the REPL could not import the header ({err}):\n{header}") from None
            if errors := answer.errors():
                raise LeanUnavailable(f"the REPL could not elaborate the header: {first_line(errors[0].data)}\n{header}")
            self.headers[header] = answer.env
        return self.headers[header]

    def report(self, name: str, env: int, prefix: str = "") -> tuple[Answer, Report]:
        """Run the trusted check on `name` in `env` (after `prefix`, our own text, when given)."""
        nonce = secrets.token_hex(16)
        answer = self.request({"cmd": prefix + check_program(name, nonce), "env": env}, CHECK_TIMEOUT_S)
        return answer, _report(answer, nonce, skip_lines=prefix.count("\n"))

    def reference(self, name: str, header: str, statement: str) -> Report:
        """The problem's statement as elaborated where no candidate ran (cached per process)."""
        key = (name, statement)
        if key not in self.references:
            header_env = self.header_env(header)
            prefix = statement.rstrip() + "\n  sorry\n\n"
            answer, report = self.report(name, header_env, prefix=prefix)
            if errors := [m for m in answer.errors() if m.line <= prefix.count("\n")]:
                raise StatementError(first_line(errors[0].data))
            if not report.found or report.kind != "theorem":
                raise StatementError(f"no theorem {name}")
            self.references[key] = report
        return self.references[key]

    def sync(self, env: int) -> None:
        """A request whose answer must come next and echo a fresh nonce."""
        nonce = secrets.token_hex(16)
        answer = self.request({"cmd": f'#check "{SYNC} {nonce}"', "env": env}, CHECK_TIMEOUT_S)
        echoes = [m for m in answer.messages if f"{SYNC} {nonce}" in m.data]
        if answer.errors() or len(echoes) != 1 or echoes[0].severity != "info":
            raise Untrusted("the sync answer is not the one asked for")

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


class StatementError(Exception):
    """The problem's own statement does not elaborate (a data or version problem, not the proof's)."""


def _message(m) -> Message:
    if not isinstance(m, dict) or not set(m) <= {"severity", "pos", "endPos", "data"}:
        raise Untrusted("a message of the wrong shape")
    severity, data, pos = m.get("severity"), m.get("data"), m.get("pos") or {}
    if severity not in ("info", "warning", "error", "trace") or not isinstance(data, str) or not isinstance(pos, dict):
        raise Untrusted("a message of the wrong shape")
    line, column = pos.get("line", 0), pos.get("column", 0)
    if type(line) is not int or type(column) is not int:
        raise Untrusted("a message of the wrong shape")
    return Message(severity, line, column, data)


def _report(answer: Answer, nonce: str, skip_lines: int = 0) -> Report:
    """The check's report: exactly one info message that starts with this request's nonce, and no
    error from our program (lines up to `skip_lines` hold our prefix: the reference statement).
    Other messages (a linter's warning about the command) are ignored."""
    if errors := [m for m in answer.messages if m.severity == "error" and m.line > skip_lines]:
        raise Untrusted(f"the trusted check failed: {first_line(errors[0].data)}")
    start = f"{TAG} {nonce} "
    reports = [m for m in answer.messages if start in m.data]
    if len(reports) != 1 or reports[0].severity != "info" or not reports[0].data.startswith(start):
        raise Untrusted("the trusted check's report is missing or not the one asked for")
    try:
        payload = json.loads(reports[0].data[len(start):])
        if not payload["found"]:
            return Report(False)
        return Report(True, str(payload["kind"]), tuple(payload["levels"]), str(payload["type"]),
                      frozenset(payload["axioms"]))
    except (json.JSONDecodeError, KeyError, TypeError):
        raise Untrusted("the trusted check's report does not parse") from None


def first_line(message: str, width: int = 200) -> str:
    return message.strip().splitlines()[0][:width] if message.strip() else "(empty message)"


def verdict(name: str, candidate: Answer, report: Report, reference: Report, allowed: frozenset[str]) -> str:
    """'proved' or why not, from clean answers."""
    if errors := candidate.errors():
        return f"error: {first_line(errors[0].data)}"
    if candidate.sorries or any(m.severity == "warning" and m.data.strip() == "declaration uses 'sorry'"
                                for m in candidate.messages):
        return "rejected: sorry"
    if not report.found:
        return f"rejected: no theorem {name} was added"
    if report.kind != "theorem":
        return f"rejected: {name} is a{'n' if report.kind[:1] in 'aeio' else ''} {report.kind}, not a theorem"
    if report.type != reference.type or report.levels != reference.levels:
        return f"rejected: {name} does not have the problem's statement"
    if extra := sorted(report.axioms - allowed):
        return f"rejected: axiom {', '.join(extra)}"
    return "proved"


def _start_repl(memory_mb: int | None) -> Repl:
    argv, cwd = repl_command()
    return Repl(argv, cwd, memory_mb)


REPLS: PerThread[Repl] = PerThread(_start_repl)


def check(name: str, header: str, statement: str, proof: str, timeout: float, memory_mb: int | None,
          allow_native_decide: bool = False) -> Judgement:
    """Judge `statement + proof` (the problem's own statement, the model's proof body)."""
    allowed = STANDARD_AXIOMS | NATIVE_AXIOMS if allow_native_decide else STANDARD_AXIOMS
    repl = REPLS.get(memory_mb)
    if not repl.quiet():  # output after its last answer: an earlier proof left something running
        REPLS.discard()
        repl = REPLS.get(memory_mb)
    try:
        reference = repl.reference(name, header, statement)
        candidate = repl.request({"cmd": statement + proof, "env": repl.header_env(header)}, timeout, CandidateTimeout)
        _, report = repl.report(name, candidate.env)
        repl.sync(repl.header_env(header))
    except CandidateTimeout:
        REPLS.discard()
        return Judgement(False, "timeout")
    except StatementError as err:
        REPLS.discard()
        return Judgement(False, f"verifier error: the problem's statement does not elaborate: {err}", cacheable=False)
    except (Untrusted, LeanUnavailable) as err:
        REPLS.discard()
        if isinstance(err, LeanUnavailable):
            raise
        return Judgement(False, f"verifier error: {err}", cacheable=False)
    repl.proofs += 1
    if repl.proofs >= PROOFS_PER_REPL:
        REPLS.discard()
    reason = verdict(name, candidate, report, reference, allowed)
    return Judgement(reason == "proved", reason)
