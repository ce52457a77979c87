"""A stand-in for the Lean REPL that speaks its protocol (JSON command, blank line; JSON answer,
blank line) and answers by keywords in the command, for testing the client without Lean.

Keywords: `slow_tactic` never answers; `linarith_fail` is an error; `hidden_sorry` warns that the
declaration uses sorry; a theorem containing `needs_choice` / `fake_axiom` depends on
Classical.choice / a new axiom. Every command is appended to $FAKE_REPL_LOG.
"""

import json
import os
import sys
import time

environments = {}  # env id -> text elaborated so far


def answer(request):
    cmd, env = request["cmd"], request.get("env")
    with open(os.environ["FAKE_REPL_LOG"], "a") as log:
        log.write(json.dumps(request) + "\n")
    if env is not None and env not in environments:
        return {"message": f"Unknown environment {env}."}
    text = environments.get(env, "") + cmd
    if cmd.startswith("#print axioms"):
        name = cmd.split()[-1]
        if "fake_axiom" in text:
            return {"messages": [{"severity": "info", "data": f"'{name}' depends on axioms: [propext, my_axiom]"}], "env": env}
        if "needs_choice" in text:
            axioms = "[propext,\n Classical.choice,\n Quot.sound]"
            return {"messages": [{"severity": "info", "data": f"'{name}' depends on axioms: {axioms}"}], "env": env}
        return {"messages": [{"severity": "info", "data": f"'{name}' does not depend on any axioms"}], "env": env}
    if "slow_tactic" in cmd:
        time.sleep(3600)
    messages = []
    if "linarith_fail" in cmd:
        messages.append({"severity": "error", "pos": {"line": 3, "column": 2}, "data": "linarith failed to find a contradiction\ncase a\n⊢ False"})
    if "hidden_sorry" in cmd:
        messages.append({"severity": "warning", "data": "declaration uses 'sorry'"})
    new = len(environments)
    environments[new] = text
    return {"messages": messages, "env": new} if messages else {"env": new}


block = ""
for line in sys.stdin:
    if line.strip():
        block += line
        continue
    if block:
        print(json.dumps(answer(json.loads(block))), end="\n\n", flush=True)
        block = ""
