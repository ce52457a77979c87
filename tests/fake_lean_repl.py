"""A stand-in for the Lean REPL (leanprover-community/repl v4.9) for testing the client without Lean.

The protocol is the REPL's: a JSON request and a blank line in; the answer pretty-printed over
several lines (as the REPL's `Json.pretty` does) and a blank line out; every `cmd` answer carries
`env`, the index of the new snapshot (0, 1, 2, … in the order commands ran); a request naming an
unknown `env` gets `{"message": "Unknown environment."}`. Every request is appended to
$FAKE_REPL_LOG.

What Lean would do is modelled from the command's text. A command is split into top-level
commands at lines that start in column 0 (the statement's continuation lines and the proof are
indented, as in MiniF2F):

- `import …` (a request without `env`): the header environment (`fail_import` in it: an error).
- `theorem NAME … := proof` adds the theorem NAME; its type is the statement between the name and
  `:=`, whitespace collapsed (standing in for the `Expr` the real check prints with `repr`).
  What the proof does, by what it contains:
  * `sorry` (`admit`, `stop`) as a word: warning "declaration uses 'sorry'" at the name, a `sorries` entry, axiom
    `sorryAx`; `sorryAx` named: that axiom.
  * `linarith_fail`: error "linarith failed…"; an identifier `bogus_…` or `«…»`, or one spelled
    with a Greek omicron: error "unknown identifier"; `slow_tactic`: never answers. A proof with an
    error is still added, with `sorryAx` (Lean's error recovery).
  * `native_decide`: axiom `Lean.ofReduceBool`; a tactic that works with classical logic
    (`nlinarith`, `norm_num`, …) or `needs_choice`: the three standard axioms; the name of an axiom
    declared earlier: that axiom.
  * `trace "s"`: an info message s.
  The hostile behaviours, which in real Lean need code run by `run_tac`, `elab`, `#eval`, …:
  * `IO.println "s"` / `IO.print "s"`: writes s on stdout right away (the proof printing on the
    REPL's answer channel).
  * `Lean.addDecl` … `` `N `` … `True` … `throwAbort`: adds `N : True` as a theorem with no axioms
    and aborts silently: the real theorem is not added.
  * `addLinter` … "s": registers a process-wide linter that prints s after every later command,
    with `NONCE` replaced by the nonce in that command's text and `ENV` by its env index (a linter
    reads the command it runs on).
  * `IO.asTask` … "s": prints s 0.3 s later from a background thread.
  * `slow_axioms`: the trusted check on this theorem never answers.
- `axiom NAME : T` adds an axiom; `#print axioms NAME` answers as Lean does; `#exit` ends the
  command; `#check "s"` answers `"s" : String`.
- `run_cmd` with the client's check program: the report its Lean program logs (found, kind,
  universe parameters, type, axioms), one info message `monkeys-check NONCE {json}`.
- Anything else in column 0: a parse error.
"""

import json
import os
import re
import sys
import threading
import time

from monkeys.tasks.minif2f.lexer import LexError, lex  # Lean's tokenizer, checked against Lean's in its own tests

environments: dict[int, dict] = {}  # env index -> {name: constant}
linters: list[str] = []
write_lock = threading.Lock()
CLASSICAL = ("nlinarith", "linarith", "norm_num", "field_simp", "positivity", "needs_choice", "simp", "ring")


def emit(text: str) -> None:
    with write_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def lean_string(literal: str) -> str:
    return json.loads(literal)  # the models' literals use JSON-compatible escapes


def message(severity, line, column, data):
    return {"severity": severity, "pos": {"line": line, "column": column},
            "endPos": {"line": line, "column": column + 1}, "data": data}


def split_commands(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each top-level command."""
    commands, current, start = [], [], 1
    for number, line in enumerate(text.split("\n"), 1):
        if line[:1].strip() and current and any(c.strip() for c in current):
            commands.append((start, "\n".join(current)))
            current, start = [], number
        current.append(line)
    if any(c.strip() for c in current):
        commands.append((start, "\n".join(current)))
    return commands


def words(text: str) -> set[str] | None:
    """The identifiers Lean reads in `text` (None: Lean cannot tokenize it)."""
    try:
        return {t.text for t in lex(text).tokens if t.kind == "ident"}
    except LexError:
        return None


def theorem(line: int, text: str, env: dict, out: dict) -> None:
    match = re.match(r"(?:theorem|lemma)\s+(\S+)(.*?):=(.*)", text, re.S)
    if not match:
        out["messages"].append(message("error", line, 0, "unexpected token; expected ':='"))
        return
    name, statement, proof = match.group(1), match.group(2), match.group(3)
    kind_type = " ".join(statement.split())
    found = words(proof)
    if found is None:
        out["messages"].append(message("error", line + 1, 2, "unexpected token"))
        env[name] = {"kind": "theorem", "type": kind_type, "axioms": ["sorryAx"], "proof": proof}
        return
    if "IO.asTask" in proof:
        for literal in re.findall(r'"(?:\\.|[^"\\])*"', proof):
            threading.Timer(0.3, emit, [lean_string(literal)]).start()
    elif "addLinter" in proof:
        linters.extend(lean_string(s) for s in re.findall(r'"(?:\\.|[^"\\])*"', proof))
    else:
        for call, literal in re.findall(r'IO\.print(ln)?\s+("(?:\\.|[^"\\])*")', proof):
            emit(lean_string(literal) + ("\n" if call else ""))
    if "slow_tactic" in found:
        time.sleep(3600)
    if "Lean.addDecl" in proof and "throwAbort" in proof:
        forged = re.search(r"`([A-Za-z_][\w.']*)", proof).group(1)
        env[forged] = {"kind": "theorem", "type": "True", "axioms": [], "proof": proof}
        return
    if name in env:
        out["messages"].append(message("error", line, 8, f"'{name}' has already been declared"))
        return
    axioms = set()
    if any(w in found for w in CLASSICAL):
        axioms |= {"propext", "Classical.choice", "Quot.sound"}
    if "native_decide" in found:
        axioms.add("Lean.ofReduceBool")
    axioms |= {w for w in found if env.get(w, {}).get("kind") == "axiom"}
    for number, proof_line in enumerate(text.split("\n")):
        for literal in re.findall(r'\btrace\s+("(?:\\.|[^"\\])*")', proof_line):
            out["messages"].append(message("info", line + number, 2, lean_string(literal)))
    errors = []
    if "linarith_fail" in found:
        errors.append("linarith failed to find a contradiction\ncase a\n⊢ False")
    for word in sorted(found):
        if word.startswith("bogus_") or word.startswith("«") or "ο" in word:
            errors.append(f"unknown identifier '{word.strip('«»')}'")
    for error in errors:
        out["messages"].append(message("error", line + 1, 2, error))
    if errors:
        axioms.add("sorryAx")
    if "sorryAx" in found:
        axioms.add("sorryAx")
    if found & {"sorry", "admit", "stop"}:
        out["messages"].append(message("warning", line, 8, "declaration uses 'sorry'"))
        out["sorries"].append({"pos": {"line": line + 1, "column": 2}, "goal": "⊢ False", "proofState": 0})
        axioms.add("sorryAx")
    env[name] = {"kind": "theorem", "type": kind_type, "axioms": sorted(axioms), "proof": proof}


def check(line: int, text: str, env: dict, out: dict) -> None:
    nonce = re.search(r"monkeys-check ([0-9a-f]+)", text).group(1)
    name = re.search(r"Lean\.Name := `(\S+)", text).group(1)
    constant = env.get(name)
    if constant is None:
        report = {"found": False}
    else:
        if "slow_axioms" in constant.get("proof", ""):
            time.sleep(3600)
        report = {"found": True, "kind": constant["kind"], "levels": [], "type": f"Expr[{constant['type']}]",
                  "axioms": constant["axioms"]}
    out["messages"].append(message("info", line, 0, f"monkeys-check {nonce} {json.dumps(report, separators=(',', ':'))}"))


def elaborate(text: str, env: dict, out: dict) -> None:
    for line, command in split_commands(text):
        head = command.split(None, 1)[0] if command.strip() else ""
        if head in ("theorem", "lemma"):
            theorem(line, command, env, out)
        elif head == "axiom":
            name, kind_type = re.match(r"axiom\s+(\S+)\s*:(.*)", command, re.S).groups()
            env[name] = {"kind": "axiom", "type": " ".join(kind_type.split()), "axioms": [name]}
        elif head == "run_cmd" and "monkeys-check" in command:
            check(line, command, env, out)
        elif head in ("run_cmd", "#eval"):
            for literal in re.findall(r'IO\.print(?:ln)?\s+("(?:\\.|[^"\\])*")', command):
                emit(lean_string(literal))
        elif head == "#print" and "axioms" in command:
            name = command.split()[-1]
            axioms = env.get(name, {}).get("axioms", [])
            data = f"'{name}' depends on axioms: [{', '.join(axioms)}]" if axioms else f"'{name}' does not depend on any axioms"
            out["messages"].append(message("info", line, 0, data))
        elif head == "#check":
            literal = re.match(r'#check\s+("(?:\\.|[^"\\])*")', command).group(1)
            out["messages"].append(message("info", line, 0, f"{literal} : String"))
        elif head == "#exit":
            return
        elif head in ("import", "set_option", "open"):
            pass
        else:
            out["messages"].append(message("error", line, 0, f"unexpected token '{head}'; expected command"))


def answer(request: dict) -> dict:
    with open(os.environ["FAKE_REPL_LOG"], "a") as log:
        log.write(json.dumps(request, ensure_ascii=False) + "\n")
    cmd, parent = request["cmd"], request.get("env")
    if parent is not None and parent not in environments:
        return {"message": "Unknown environment."}
    env = dict(environments.get(parent, {}))
    out = {"messages": [], "sorries": []}
    if parent is None and "fail_import" in cmd:
        out["messages"].append(message("error", 1, 0, "unknown package 'Mathlib'"))
    elaborate(cmd, env, out)
    new = len(environments)
    environments[new] = env
    nonce = re.search(r"monkeys-(?:check|sync) ([0-9a-f]+)", cmd)
    for linter in linters:  # a process-wide linter runs after every command, before the answer
        if "NONCE" in linter and not nonce:
            continue  # it forges the answers of commands that carry a nonce
        emit(linter.replace("NONCE", nonce.group(1) if nonce else "").replace("ENV", str(new)))
    result = {"env": new}
    if out["sorries"]:
        result["sorries"] = out["sorries"]
    if out["messages"]:
        result["messages"] = out["messages"]
    return result


block = ""
for line in sys.stdin:
    if line.strip():
        block += line
        continue
    if block:
        emit(json.dumps(answer(json.loads(block)), indent=1, ensure_ascii=False) + "\n\n")
        block = ""
