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

from monkeys.errors import PlanError
from monkeys.jobs import read_json


@dataclass(frozen=True)
class FigureKind:
    name: str
    # input name -> (artifact, output) read for each experiment, in the figure's order
    inputs: dict[str, tuple[str, str]]
    # the fields each experiment's model must have, given the figure (FLOPs need the shape, dollars a price)
    model_fields: Callable[[dict], tuple[str, ...]]
    # draw(data: {input name: {label: loaded}}, models: {label: model config}, figure, outputs)
    draw: Callable


FIGURE_KINDS: dict[str, FigureKind] = {}
READERS = {".parquet": pd.read_parquet, ".json": read_json}


SHAPE = ("parameters", "layers", "d_model")
BUDGET_FIELDS = {"flops": SHAPE, "dollars": ("price",)}


def figure(name: str, inputs: dict[str, tuple[str, str]], model_fields: Callable[[dict], tuple[str, ...]] = lambda f: ()):
    """Register a drawing function as figure kind `name`."""

    def add(draw: Callable) -> Callable:
        FIGURE_KINDS[name] = FigureKind(name, inputs, model_fields, draw)
        return draw

    return add


def figure_kind(name: str) -> FigureKind:
    try:
        return FIGURE_KINDS[name]
    except KeyError:
        raise PlanError(f"unknown figure kind {name!r}; known: {sorted(FIGURE_KINDS)}") from None


def read_inputs(inputs: dict[str, list[str]], labels: list[str]) -> dict[str, dict]:
    """Every input file of a figure (one per experiment and input), by input name and label."""
    return {
        name: {label: READERS["." + path.rsplit(".", 1)[-1]](path) for label, path in zip(labels, paths)}
        for name, paths in inputs.items()
    }


def plot(kind: str, inputs: dict[str, list[str]], labels: list[str], models: list[dict], figure: dict,
         outputs: list[str]) -> None:
    """The `plot` rule: read a figure's inputs and draw it with its kind's function."""
    figure_kind(kind).draw(read_inputs(inputs, labels), dict(zip(labels, models)), figure, outputs)


def cost_axes(budget: str, tokens: dict, models: dict) -> dict:
    """label -> (k -> total FLOPs or dollars of k samples for every problem)."""
    from monkeys.cost import dollars_at, flops_at

    if budget == "flops":
        return {label: (lambda ks, u=usage, m=models[label]: flops_at(u, ks, m)) for label, usage in tokens.items()}
    return {label: (lambda ks, u=usage, m=models[label]: dollars_at(u, ks, m["price"])) for label, usage in tokens.items()}


def frontier(inputs: dict[str, list[str]], labels: list[str], models: list[dict], figure: dict):
    """The `frontier` rule: (table, crossings) of a frontier figure's experiments."""
    from monkeys.frontier import compute_frontier

    data = read_inputs(inputs, labels)
    return compute_frontier(data["coverage"], cost_axes(figure["budget"], data["tokens"], dict(zip(labels, models))))


@figure("coverage", {"coverage": ("coverage", "main"), "fits": ("fits", "main")})
def coverage(data, models, figure, outputs):
    """Coverage against k, with the fitted law."""
    from monkeys import plotting

    plotting.plot_coverage(data["coverage"], figure, outputs, fits=data["fits"])


COST_INPUTS = {"coverage": ("coverage", "main"), "tokens": ("tokens", "main")}


@figure("flops", COST_INPUTS, lambda f: BUDGET_FIELDS["flops"])
def flops(data, models, figure, outputs):
    """Coverage against the inference FLOPs of k samples per problem."""
    from monkeys import plotting

    plotting.plot_coverage(data["coverage"], figure, outputs, x=cost_axes("flops", data["tokens"], models))


@figure("cost", COST_INPUTS, lambda f: BUDGET_FIELDS["dollars"])
def cost(data, models, figure, outputs):
    """Coverage against the API dollars of k samples per problem."""
    from monkeys import plotting

    plotting.plot_coverage(data["coverage"], figure, outputs, x=cost_axes("dollars", data["tokens"], models))


@figure("frontier", COST_INPUTS, lambda f: BUDGET_FIELDS[f["budget"]])
def frontier_figure(data, models, figure, outputs):
    """The compute-optimal frontier: the best experiment and k at each FLOPs or dollar budget."""
    from monkeys.frontier import compute_frontier, plot_frontier

    table, crossings = compute_frontier(data["coverage"], cost_axes(figure["budget"], data["tokens"], models))
    plot_frontier(table, crossings, figure, outputs)


@figure("verifiers", {"selection": ("selection", "main")})
def verifiers(data, models, figure, outputs):
    """Oracle coverage vs majority vote vs best-of-k by score."""
    from monkeys import plotting

    plotting.plot_verifiers(data["selection"], figure, outputs)


@figure("extrapolation", {"extrapolation": ("extrapolation", "main"), "params": ("extrapolation", "params")})
def extrapolation(data, models, figure, outputs):
    """Beta-binomial and power-law predictions from a fraction of the samples, against the curve."""
    from monkeys import plotting

    plotting.plot_extrapolation(data["extrapolation"], data["params"], figure, outputs)
