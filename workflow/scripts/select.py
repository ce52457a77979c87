import pandas as pd

from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.selection import select

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    verdicts = pd.concat(map(pd.read_parquet, snakemake.input.verdicts))
    scores = pd.concat(map(pd.read_parquet, snakemake.input.scores)) if "scores" in snakemake.input.keys() else None
    if scores is None:
        print("no scores for this experiment (mean_logprob needs `logprobs: true`): majority vote only")
    write_parquet(select(verdicts, scores, spec), snakemake.output.selection)
    write_json(snakemake.output.spec, spec)
