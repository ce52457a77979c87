"""Per-rule conda environments: every rule names one, every env file parses and pins its packages.

`--sdm conda` cannot run on an offline machine, so the env files are checked statically here.
"""

import re

import pytest
import yaml

from conftest import REPO
from monkeys.tasks import competition_math

RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))


def rule_blocks():
    for path in RULE_FILES:
        for name, body in re.findall(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", path.read_text(), flags=re.M):
            yield path, name, body


def test_every_rule_with_a_script_declares_an_existing_env():
    rules = list(rule_blocks())
    assert len(rules) >= 9
    for path, name, body in rules:
        if "script:" not in body:
            continue
        env = re.search(r'conda:\n\s+"([^"]+)"', body)
        assert env, f"rule {name} in {path.name} has no conda env"
        assert (path.parent / env.group(1)).resolve().is_file(), f"rule {name}: {env.group(1)} missing"


@pytest.mark.parametrize("env", sorted((REPO / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_files_parse_and_pin_every_package(env):
    spec = yaml.safe_load(env.read_text())
    assert spec["channels"] and spec["dependencies"]
    for dep in spec["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep["pip"]:
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", pip_dep), f"{env.name}: unpinned {pip_dep}"
        else:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+=[\w.*]+", dep), f"{env.name}: unpinned {dep}"


def test_verifier_identity_matches_the_pinned_math_verify():
    env = (REPO / "envs" / "verify.yaml").read_text()
    assert f"math-verify=={competition_math.MATH_VERIFY_VERSION}" in env
    assert f"math-verify=={competition_math.MATH_VERIFY_VERSION}" in (REPO / "envs" / "requirements.txt").read_text()
