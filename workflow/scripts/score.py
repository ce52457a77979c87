import pandas as pd

from monkeys.scorers import score
from monkeys.jobs import logged_to, write_parquet

with logged_to(snakemake.log[0]):
    samples = pd.read_parquet(snakemake.input.samples)
    problems = pd.read_parquet(snakemake.input.problems)
    write_parquet(score(samples, problems, snakemake.params.spec["scorer"]), snakemake.output.scores)
