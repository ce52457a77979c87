import pandas as pd

from monkeys.cost import token_usage
from monkeys.jobs import logged_to, write_parquet

with logged_to(snakemake.log[0]):
    samples = pd.concat(pd.read_parquet(path, columns=["problem_id", "num_prompt_tokens", "num_output_tokens"]) for path in snakemake.input.samples)
    write_parquet(token_usage(samples), snakemake.output.tokens)
