"""Figure kinds: what each reads and how it is drawn, declared once.

A figure kind is one `FigureKind` registered with `@figure("name")` on its drawing function. Its
`inputs` name, per input, the artifact (and output) read for every experiment of the figure; the
plan validates figures against it (sampled-only kinds refuse imported counts and attempts, cost
axes need model fields), the `plot` rule's inputs come from it, and the `plot` script calls
`plot()`, which reads the files and calls the kind's drawing function. Adding a kind is one
decorated function here (drawing primitives live in `monkeys.plotting`, imported only when
drawing: the plan imports this module to build the DAG, and matplotlib is slow to import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from monkeys.jobs import read_json
from monkeys.registry import Registry


@dataclass(frozen=True)
class FigureKind:
    name: str
    # input name -> (artifact, output) read for each experiment, in the figure's order
    inputs: dict[str, tuple[str, str]]
    # the fields each experiment's model must have, given the figure (FLOPs need the shape, dollars a price)
    model_fields: Callable[[dict], tuple[str, ...]]
    # draw(data: {input name: {label: loaded}}, experiments: {label: {model, n_samples}}, figure, outputs)
    draw: Callable
    # True where the analysis needs every problem's full n samples (not adaptive allocation)
    fixed_n_only: bool = False


FIGURE_KINDS: Registry[FigureKind] = Registry("figure kind")
READERS = {".parquet": pd.read_parquet, ".json": read_json}


SHAPE = ("parameters", "layers", "d_model")
BUDGET_FIELDS = {"flops": SHAPE, "dollars": ("price",)}


def figure(name: str, inputs: dict[str, tuple[str, str]], model_fields: Callable[[dict], tuple[str, ...]] = lambda f: (),
           fixed_n_only: bool = False):
    """Register a drawing function as figure kind `name`."""

    def add(draw: Callable) -> Callable:
        FIGURE_KINDS.add(name, FigureKind(name, inputs, model_fields, draw, fixed_n_only))
        return draw

    return add


def figure_kind(name: str) -> FigureKind:
    return FIGURE_KINDS[name]


def read_inputs(inputs: dict[str, list[str]], labels: list[str]) -> dict[str, dict]:
    """Every input file of a figure (one per experiment and input), by input name and label."""
    return {
        name: {label: READERS["." + path.rsplit(".", 1)[-1]](path) for label, path in zip(labels, paths)}
        for name, paths in inputs.items()
    }


def plot(kind: str, inputs: dict[str, list[str]], labels: list[str], experiments: list[dict], figure: dict,
         outputs: list[str]) -> None:
    """The `plot` rule: read a figure's inputs and draw it with its kind's function.
    `experiments`: per experiment, its model's config and its n_samples (None when imported)."""
    figure_kind(kind).draw(read_inputs(inputs, labels), dict(zip(labels, experiments)), figure, outputs)


def cost_axes(budget: str, tokens: dict, experiments: dict) -> dict:
    """label -> (k -> total FLOPs or dollars of k samples for every problem)."""
    from monkeys.tokens import dollars_at, flops_at

    def axis(usage, model):
        return (lambda ks: flops_at(usage, ks, model)) if budget == "flops" else (lambda ks: dollars_at(usage, ks, model["price"]))

    return {label: axis(usage, experiments[label]["model"]) for label, usage in tokens.items()}


def frontier(inputs: dict[str, list[str]], labels: list[str], experiments: list[dict], figure: dict):
    """The `frontier` rule: (table, crossings) of a frontier figure's experiments."""
    from monkeys.frontier import compute_frontier

    data = read_inputs(inputs, labels)
    return compute_frontier(data["coverage"], cost_axes(figure["budget"], data["tokens"], dict(zip(labels, experiments))))


def with_spending(curves: dict, tokens: dict, experiments: dict) -> dict:
    """Curves relabelled, for adaptive experiments, with the share of a fixed-n run's FLOPs drawn."""
    from monkeys.tokens import flops_at, flops_drawn

    labelled = {}
    for label, curve in curves.items():
        usage, n = tokens[label], experiments[label]["n_samples"]
        if n and (usage["num_samples"] < n).any():
            model = experiments[label]["model"]
            share = flops_drawn(usage, model) / flops_at(usage, [n], model)[0]
            label = f"{label} (adaptive: {share:.0%} of a fixed-n run's FLOPs)"
        labelled[label] = curve
    return labelled


@figure("coverage", {"coverage": ("coverage", "main"), "fits": ("fits", "main")})
def coverage(data, experiments, figure, outputs):
    """Coverage against k, with the fitted law."""
    from monkeys import plotting

    plotting.plot_coverage(data["coverage"], figure, outputs, fits=data["fits"])


COST_INPUTS = {"coverage": ("coverage", "main"), "tokens": ("tokens", "main")}


@figure("flops", COST_INPUTS, lambda f: BUDGET_FIELDS["flops"])
def flops(data, experiments, figure, outputs):
    """Coverage against the inference FLOPs of k samples per problem."""
    from monkeys import plotting

    axes = cost_axes("flops", data["tokens"], experiments)
    curves = with_spending(data["coverage"], data["tokens"], experiments)
    plotting.plot_coverage(curves, figure, outputs, x=dict(zip(curves, axes.values())))


@figure("cost", COST_INPUTS, lambda f: BUDGET_FIELDS["dollars"])
def cost(data, experiments, figure, outputs):
    """Coverage against the API dollars of k samples per problem."""
    from monkeys import plotting

    plotting.plot_coverage(data["coverage"], figure, outputs, x=cost_axes("dollars", data["tokens"], experiments))


@figure("frontier", COST_INPUTS, lambda f: BUDGET_FIELDS[f["budget"]])
def frontier_figure(data, experiments, figure, outputs):
    """The compute-optimal frontier: the best experiment and k at each FLOPs or dollar budget."""
    from monkeys.frontier import compute_frontier, plot_frontier

    table, crossings = compute_frontier(data["coverage"], cost_axes(figure["budget"], data["tokens"], experiments))
    plot_frontier(table, crossings, figure, outputs)


# Majority vote and best-of-k draw k of each problem's samples, and extrapolation thins them: both
# need every problem's full set, which adaptive allocation does not draw.
@figure("verifiers", {"selection": ("selection", "main")}, fixed_n_only=True)
def verifiers(data, experiments, figure, outputs):
    """Oracle coverage vs majority vote vs best-of-k by score."""
    from monkeys import plotting

    plotting.plot_verifiers(data["selection"], figure, outputs)


@figure("extrapolation", {"extrapolation": ("extrapolation", "main"), "params": ("extrapolation", "params")},
        fixed_n_only=True)
def extrapolation(data, experiments, figure, outputs):
    """Beta-binomial and power-law predictions from a fraction of the samples, against the curve."""
    from monkeys import plotting

    plotting.plot_extrapolation(data["extrapolation"], data["params"], figure, outputs)
