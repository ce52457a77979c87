# Input functions and wildcard constraints. The plan maps every content hash to its spec.
import os
import re
import sys

# The monkeys library in this checkout, for this process and for every job's environment
# (a per-rule conda env or container has the library's dependencies, not the library).
LIBRARY = os.path.join(workflow.basedir, "src")
sys.path.insert(0, LIBRARY)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [LIBRARY, os.environ.get("PYTHONPATH")]))
)

from monkeys.plan import Plan, PlanError, spec_path
from monkeys.sampling import model_location

try:
    plan = Plan(config)
except PlanError as err:
    raise WorkflowError(f"invalid config: {err}")


wildcard_constraints:
    problems=r"[0-9a-f]{12}",
    model=r"[0-9a-f]{12}",
    samples=r"[0-9a-f]{12}",
    verdicts=r"[0-9a-f]{12}",
    coverage=r"[0-9a-f]{12}",
    fit=r"[0-9a-f]{12}",
    tokens=r"[0-9a-f]{12}",
    scores=r"[0-9a-f]{12}",
    selection=r"[0-9a-f]{12}",
    extrapolation=r"[0-9a-f]{12}",
    chunk=r"\d+",
    figure="|".join(map(re.escape, plan.figures)) or "no-figures",


def all_outputs():
    figures = expand(
        "results/figures/{figure}.{ext}", figure=plan.figures, ext=["pdf", "png"]
    )
    return ["results/tables/fits.csv", "results/tables/coverage.csv", *figures]


def sample_inputs(wildcards):
    spec = plan.samples[wildcards.samples]
    inputs = {"problems": plan.problems_path(spec["problems"])}
    if "prepared" in spec["model"]:
        inputs["model"] = plan.model_path(spec["model"]["prepared"])
    return inputs


def sample_gpus(wildcards):
    # One GPU per tensor-parallel rank; resources.sample.gpu is 0 on CPU-only machines.
    model = plan.samples[wildcards.samples]["model"]
    return config["resources"]["sample"]["gpu"] * model["tensor_parallel_size"]


def sample_model_location(wildcards, input):
    return model_location(plan.samples[wildcards.samples]["model"], input.get("model"))


def verify_inputs(wildcards):
    spec = plan.verdicts[wildcards.verdicts]
    return {
        "samples": plan.samples_of(spec["samples"], int(wildcards.chunk)),
        "problems": plan.problems_path(spec["problems"]),
    }


def aggregate_inputs(wildcards):
    spec = plan.coverage[wildcards.coverage]
    if "imported" in spec:
        return {"counts": spec["imported"]["path"]}
    return {
        "verdicts": [
            plan.verdict_path(spec["verdicts"], i) for i in range(spec["n_chunks"])
        ]
    }


def experiment_files(names, path_of):
    return [path_of(plan.experiments[name]) for name in names]


def tokens_inputs(wildcards):
    spec = plan.tokens[wildcards.tokens]
    return [plan.sample_path(spec["samples"], i) for i in range(spec["n_chunks"])]


def score_inputs(wildcards):
    spec = plan.scores[wildcards.scores]
    return {
        "samples": plan.sample_path(spec["samples"], int(wildcards.chunk)),
        "problems": plan.problems_path(spec["problems"]),
    }


def score_gpus(wildcards):
    # A reward model wants a GPU where sampling has one; the log-probability scorer needs none.
    kind = plan.scores[wildcards.scores]["scorer"]["kind"]
    return config["resources"]["sample"]["gpu"] if kind == "reward_model" else 0


def selection_inputs(wildcards):
    spec = plan.selection[wildcards.selection]
    chunks = range(spec["n_chunks"])
    inputs = {"verdicts": [plan.verdict_path(spec["verdicts"], i) for i in chunks]}
    if spec["scores"]:
        inputs["scores"] = [plan.score_path(spec["scores"], i) for i in chunks]
    return inputs


# What each kind of figure reads, per experiment.
FIGURE_INPUTS = {
    "coverage": {"coverage": plan.coverage_path, "fits": plan.fit_path},
    "flops": {"coverage": plan.coverage_path, "tokens": plan.tokens_path},
    "cost": {"coverage": plan.coverage_path, "tokens": plan.tokens_path},
    "verifiers": {"selection": plan.selection_path},
    "extrapolation": {
        "extrapolation": plan.extrapolation_path,
        "params": lambda key: spec_path(plan.extrapolation_path(key)),
    },
}
# Which of an experiment's hashes names each input.
FIGURE_KEYS = {
    "coverage": "coverage",
    "fits": "fit",
    "tokens": "tokens",
    "selection": "selection",
    "extrapolation": "extrapolation",
    "params": "extrapolation",
}


def figure_inputs(wildcards):
    figure = plan.figures[wildcards.figure]
    return {
        name: [
            path_of(getattr(plan.experiments[e], FIGURE_KEYS[name]))
            for e in figure["experiments"]
        ]
        for name, path_of in FIGURE_INPUTS[figure["kind"]].items()
    }


def figure_models(wildcards):
    """Shape and price of each experiment's model (for the FLOPs and cost axes)."""
    names = plan.figures[wildcards.figure]["experiments"]
    return [
        config["models"].get(config["experiments"][n].get("model"), {}) for n in names
    ]


def labels(names):
    return [config["experiments"][name].get("label", name) for name in names]
