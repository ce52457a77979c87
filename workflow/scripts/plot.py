import json

import pandas as pd

from monkeys.plotting import plot_coverage
from monkeys.workflow import logged_to

with logged_to(snakemake.log[0]):
    labels = snakemake.params.labels
    curves = {label: pd.read_parquet(path) for label, path in zip(labels, snakemake.input.coverage)}
    fits = {}
    for label, path in zip(labels, snakemake.input.fits):
        with open(path) as f:
            fits[label] = json.load(f)
    plot_coverage(curves, fits, snakemake.params.figure, [snakemake.output.pdf, snakemake.output.png])
