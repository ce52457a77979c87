# Input functions and wildcard constraints. The plan maps every content hash to its spec.
import os
import sys

# The monkeys library in this checkout, for this process and for every job's environment
# (a per-rule conda env or container has the library's dependencies, not the library).
LIBRARY = os.path.join(workflow.basedir, "src")
sys.path.insert(0, LIBRARY)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [LIBRARY, os.environ.get("PYTHONPATH")]))
)

from monkeys.plan import Plan, PlanError
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
    chunk=r"\d+",
    figure="|".join(plan.figures) or "no-figures",


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
        "samples": plan.sample_path(spec["samples"], int(wildcards.chunk)),
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


def figure_inputs(wildcards):
    names = plan.figures[wildcards.figure]["experiments"]
    return {
        "coverage": experiment_files(names, lambda e: plan.coverage_path(e.coverage)),
        "fits": experiment_files(names, lambda e: plan.fit_path(e.fit)),
    }


def labels(names):
    return [config["experiments"][name].get("label", name) for name in names]
