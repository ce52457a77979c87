import pandas as pd

from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.sampling import sample

# vLLM starts worker processes that re-import the main module.
if __name__ == "__main__":
    spec, chunk, seed = snakemake.params.spec, int(snakemake.wildcards.chunk), snakemake.params.seed
    with logged_to(snakemake.log[0]):
        problems = pd.read_parquet(snakemake.input.problems)
        samples = sample(problems, spec, chunk, seed, snakemake.params.model)
        write_parquet(samples, snakemake.output.samples)
        write_json(snakemake.output.spec, {**spec, "chunk": chunk, "seed": seed})
