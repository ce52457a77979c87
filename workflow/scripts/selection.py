import pandas as pd

from monkeys.selection import selection_table
from monkeys.jobs import logged_to, write_parquet

with logged_to(snakemake.log[0]):
    verdicts = pd.concat(map(pd.read_parquet, snakemake.input.verdicts))
    scores = pd.concat(map(pd.read_parquet, snakemake.input.scores)) if "scores" in snakemake.input.keys() else None
    if scores is None:
        print("no scores for this experiment (mean_logprob needs `logprobs: true`): majority vote only")
    write_parquet(selection_table(verdicts, scores, snakemake.params.spec), snakemake.output.selection)
