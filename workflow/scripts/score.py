import pandas as pd

from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.scorers import score

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    samples = pd.read_parquet(snakemake.input.samples)
    problems = pd.read_parquet(snakemake.input.problems)
    write_parquet(score(samples, problems, spec["scorer"]), snakemake.output.scores)
    write_json(snakemake.output.spec, {**spec, "chunk": int(snakemake.wildcards.chunk)})
