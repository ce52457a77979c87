import pandas as pd

from monkeys.devices import claim
from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.scores import score

spec = snakemake.params.spec
job = f"score {snakemake.wildcards.scores} chunk {snakemake.wildcards.chunk}"
with logged_to(snakemake.log[0]), claim(snakemake.resources.gpu, job=job):
    samples = pd.read_parquet(snakemake.input.samples)
    problems = pd.read_parquet(snakemake.input.problems)
    write_parquet(score(samples, problems, spec["scorer"]), snakemake.output.scores)
    write_json(snakemake.output.spec, {**spec, "chunk": int(snakemake.wildcards.chunk)})
