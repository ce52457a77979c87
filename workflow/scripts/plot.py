import pandas as pd

from monkeys import plotting
from monkeys.cost import dollars_at, flops_at
from monkeys.jobs import logged_to, read_json


def by_label(paths, read):
    return dict(zip(snakemake.params.labels, map(read, paths)))


def cost_axis(kind, usage, model):
    """k -> total FLOPs or dollars of drawing k samples per problem."""
    if kind == "flops":
        return lambda ks: flops_at(usage, ks, model)
    return lambda ks: dollars_at(usage, ks, model["price"])


with logged_to(snakemake.log[0]):
    figure, inputs = snakemake.params.figure, snakemake.input
    outputs = [snakemake.output.pdf, snakemake.output.png]
    kind = figure["kind"]
    if kind == "verifiers":
        plotting.plot_verifiers(by_label(inputs.selection, pd.read_parquet), figure, outputs)
    elif kind == "extrapolation":
        tables = by_label(inputs.extrapolation, pd.read_parquet)
        plotting.plot_extrapolation(tables, by_label(inputs.params, read_json), figure, outputs)
    else:
        curves = by_label(inputs.coverage, pd.read_parquet)
        if kind == "coverage":
            plotting.plot_coverage(curves, figure, outputs, fits=by_label(inputs.fits, read_json))
        else:
            usage = by_label(inputs.tokens, pd.read_parquet)
            models = dict(zip(snakemake.params.labels, snakemake.params.models))
            x = {label: cost_axis(kind, usage[label], models[label]) for label in curves}
            plotting.plot_coverage(curves, figure, outputs, x=x)
