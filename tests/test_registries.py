"""Conformance of every registered task kind, figure kind and artifact with the contracts, the
schema and the workflow: adding one that is incomplete fails here, naming what is missing."""

import dataclasses
import inspect
import re

import pytest
import yaml

from conftest import REPO
from monkeys.figures import FIGURE_KINDS
from monkeys.plan import ARTIFACTS, Earlier, External, Ref
from monkeys.tasks import TASK_KINDS, Task
from monkeys.tasks.base import AttemptFields, PromptOptions, VerifierOptions

SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
DEFINITIONS = SCHEMA["definitions"]
RULES = "\n".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))


def fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("name", sorted(TASK_KINDS))
def test_task_kind_fulfils_the_contract(name):
    task = TASK_KINDS[name]
    assert isinstance(task, Task) and task.kind == name
    assert isinstance(task.stop, tuple) and task.stop and all(isinstance(s, str) for s in task.stop)
    assert isinstance(task.verifier_version, str) and task.verifier_version
    assert isinstance(task.no_answer, str) and isinstance(task.expensive, bool) and isinstance(task.takes_few_shot, bool)
    assert isinstance(task.attempt_fields, AttemptFields)
    for options, base in ((task.verifier_options, VerifierOptions), (task.prompt_options, PromptOptions)):
        assert issubclass(options, base) and options.__dataclass_params__.frozen
        options()  # every option has a default
    for method in ("normalize", "shot", "build_prompt", "parse_gold", "extract_answer", "judge", "preflight"):
        ours, base = (inspect.signature(getattr(cls, method)).parameters.values() for cls in (type(task), Task))
        assert [p.kind for p in ours] == [p.kind for p in base], f"{name}.{method} changes the signature"


def test_schema_kind_enum_is_the_registry():
    assert sorted(DEFINITIONS["task"]["properties"]["kind"]["enum"]) == sorted(TASK_KINDS)
    dispatched = {rule["if"]["properties"]["kind"]["const"] for rule in DEFINITIONS["task"]["allOf"]}
    assert dispatched == set(TASK_KINDS)


@pytest.mark.parametrize("name", sorted(TASK_KINDS))
def test_every_option_of_the_kind_is_declared_in_the_schema_without_a_default(name):
    task = TASK_KINDS[name]
    prompt = DEFINITIONS["prompt"][name].get("properties", {})
    verifier = DEFINITIONS["verifier"][name].get("properties", {})
    assert set(prompt) == fields(task.prompt_options)
    # A verifier option that is also a prompt option is set once, under `prompt` (plan._verifier_spec).
    assert set(verifier) == fields(task.verifier_options) - fields(task.prompt_options)
    for option, declared in {**prompt, **verifier}.items():
        assert "default" not in declared, f"{name}.{option}: defaults live in the kind's dataclass"
        assert declared.get("description"), f"{name}.{option} has no description"


def test_schema_figure_kinds_are_the_registry():
    assert sorted(DEFINITIONS["figure"]["properties"]["kind"]["enum"]) == sorted(FIGURE_KINDS)


@pytest.mark.parametrize("name", sorted(FIGURE_KINDS))
def test_figure_kind_reads_declared_artifacts(name):
    kind = FIGURE_KINDS[name]
    assert kind.inputs and callable(kind.draw) and kind.draw.__doc__
    for artifact, output in kind.inputs.values():
        assert artifact in ARTIFACTS and (output == "main" or output in ARTIFACTS[artifact].extra)
    assert isinstance(kind.model_fields({"budget": "flops"}), tuple)


@pytest.mark.parametrize("name", sorted(ARTIFACTS))
def test_every_artifact_has_its_rule_script_and_declared_inputs(name):
    artifact = ARTIFACTS[name]
    assert re.search(rf"^rule {artifact.rule}:\n", RULES, flags=re.M), f"no rule {artifact.rule}"
    assert (REPO / "workflow" / "scripts" / f"{artifact.rule}.py").is_file()
    assert ("{chunk}" in artifact.path) == artifact.chunked
    for ref in artifact.reads.values():
        assert isinstance(ref, External | Earlier) or all(a in ARTIFACTS for a in ref.artifact)
        if isinstance(ref, Ref) and ref.chunks == "same":
            assert artifact.chunked


def test_rule_name_is_script_name():
    rules = re.findall(r"^rule (\w+):\n(?:[ \t]+.*\n|\n)*?[ \t]+script:\n\s+\"\.\./scripts/(\w+)\.py\"", RULES, flags=re.M)
    assert rules and all(rule == script for rule, script in rules)
    scripts = {p.stem for p in (REPO / "workflow" / "scripts").glob("*.py")}
    assert scripts == {rule for rule, _ in rules}
