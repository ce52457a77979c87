# Shared input functions. Paths, wildcard constraints and every rule's inputs come from the
# artifact table (monkeys.plan.ARTIFACTS); the plan maps every content hash to its spec.
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

from monkeys.errors import PlanError
from monkeys.plan import ARTIFACTS, HASH_PATTERN, Plan, spec_path
from monkeys.samples import model_location

try:
    plan = Plan(config)
except PlanError as err:
    raise WorkflowError(f"invalid config: {err}")


wildcard_constraints:
    **{name: HASH_PATTERN for name in ARTIFACTS},
    chunk=r"\d+",
    figure="|".join(map(re.escape, plan.figures)) or "no-figures",


def output_of(artifact, output="main"):
    """The output pattern of an artifact (its hash is the wildcard named after it)."""
    return ARTIFACTS[artifact].pattern(output)


def spec_of(artifact):
    """The JSON spec beside an artifact's main output."""
    return spec_path(output_of(artifact))


def inputs_of(artifact):
    """Input function: every file the rule writing `artifact` reads, by input name."""
    return lambda w: plan.inputs(artifact, w[artifact], w.get("chunk"))


def params_spec(artifact):
    return lambda w: plan.specs[artifact][w[artifact]]


def experiment_outputs(artifact):
    """The artifact's main output for every experiment, in config order."""
    return [plan.path(artifact, e.keys[artifact]) for e in plan.experiments.values()]


def sample_gpus(wildcards):
    # One GPU per tensor-parallel rank; resources.sample.gpu is 0 on CPU-only machines.
    model = plan.specs["samples"][wildcards.samples]["model"]
    return config["resources"]["sample"]["gpu"] * model["tensor_parallel_size"]


def sample_model_location(wildcards, input):
    return model_location(
        plan.specs["samples"][wildcards.samples]["model"], input.get("model")
    )


def score_gpus(wildcards):
    # A reward model wants a GPU where sampling has one; the log-probability scorer needs none.
    kind = plan.specs["scores"][wildcards.scores]["scorer"]["kind"]
    return config["resources"]["sample"]["gpu"] if kind == "reward_model" else 0


def figure_labels(figure):
    return [
        config["experiments"][e].get("label", e)
        for e in plan.figures[figure]["experiments"]
    ]


def experiment_info(name):
    """An experiment's model (shape and price, for FLOPs and dollars) and n_samples."""
    experiment = config["experiments"][name]
    return {
        "model": config["models"].get(experiment.get("model"), {}),
        "n_samples": experiment.get("sampling", {}).get("n_samples"),
    }


def figure_experiments(figure):
    return [experiment_info(e) for e in plan.figures[figure]["experiments"]]


def sampled_experiments():
    """Experiments whose samples were drawn here (they have token counts)."""
    return [e for e in plan.experiments.values() if "tokens" in e.keys]


def all_outputs():
    figures = expand(
        "results/figures/{figure}.{ext}", figure=plan.figures, ext=["pdf", "png"]
    )
    frontiers = [
        f"results/tables/frontier/{name}.csv"
        for name, figure in plan.figures.items()
        if figure["kind"] == "frontier"
    ]
    tables = ["fits", "coverage"] + (["spending"] if sampled_experiments() else [])
    return [f"results/tables/{t}.csv" for t in tables] + figures + frontiers
