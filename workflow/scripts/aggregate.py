import pandas as pd

from monkeys.coverage import count_correct, coverage_curve, read_counts
from monkeys.jobs import logged_to, write_json, write_parquet

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    if "counts" in snakemake.input.keys():
        counts = read_counts(snakemake.input.counts)
    else:
        counts = count_correct(pd.concat(map(pd.read_parquet, snakemake.input.verdicts)))
    bootstrap = spec["bootstrap"]
    curve = coverage_curve(counts, n_bootstrap=bootstrap["resamples"], confidence=bootstrap["confidence"], seed=bootstrap["seed"])
    write_parquet(counts, snakemake.output.counts)
    write_parquet(curve, snakemake.output.coverage)
    write_json(snakemake.output.spec, spec)
