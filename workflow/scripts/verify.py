import pandas as pd

from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.verdicts import verify

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    samples = pd.read_parquet(snakemake.input.samples)
    problems = pd.read_parquet(snakemake.input.problems)
    verdicts = verify(samples, problems, spec["verifier"], snakemake.threads, snakemake.params.memo)
    write_parquet(verdicts, snakemake.output.verdicts)
    write_json(snakemake.output.spec, {**spec, "chunk": int(snakemake.wildcards.chunk)})
    print(verdicts["reason"].value_counts().to_string())
