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
    # fields each experiment's model must have (FLOPs need the shape, dollars a price)
    model_fields: tuple[str, ...]
    # draw(data: {input name: {label: loaded}}, models: {label: model config}, figure, outputs)
    draw: Callable


FIGURE_KINDS: dict[str, FigureKind] = {}
READERS = {".parquet": pd.read_parquet, ".json": read_json}


def figure(name: str, inputs: dict[str, tuple[str, str]], model_fields: tuple[str, ...] = ()):
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


def plot(kind: str, inputs: dict[str, list[str]], labels: list[str], models: list[dict], figure: dict,
         outputs: list[str]) -> None:
    """Read every input file of a figure (one per experiment and input) and draw it."""
    data = {
        name: {label: READERS["." + path.rsplit(".", 1)[-1]](path) for label, path in zip(labels, paths)}
        for name, paths in inputs.items()
    }
    figure_kind(kind).draw(data, dict(zip(labels, models)), figure, outputs)


@figure("coverage", {"coverage": ("coverage", "main"), "fits": ("fits", "main")})
def coverage(data, models, figure, outputs):
    """Coverage against k, with the fitted law."""
    from monkeys import plotting

    plotting.plot_coverage(data["coverage"], figure, outputs, fits=data["fits"])


@figure("flops", {"coverage": ("coverage", "main"), "tokens": ("tokens", "main")}, ("parameters", "layers", "d_model"))
def flops(data, models, figure, outputs):
    """Coverage against the inference FLOPs of k samples per problem."""
    from monkeys import plotting
    from monkeys.cost import flops_at

    x = {label: (lambda ks, u=usage, m=models[label]: flops_at(u, ks, m)) for label, usage in data["tokens"].items()}
    plotting.plot_coverage(data["coverage"], figure, outputs, x=x)


@figure("cost", {"coverage": ("coverage", "main"), "tokens": ("tokens", "main")}, ("price",))
def cost(data, models, figure, outputs):
    """Coverage against the API dollars of k samples per problem."""
    from monkeys import plotting
    from monkeys.cost import dollars_at

    x = {label: (lambda ks, u=usage, m=models[label]: dollars_at(u, ks, m["price"])) for label, usage in data["tokens"].items()}
    plotting.plot_coverage(data["coverage"], figure, outputs, x=x)


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
