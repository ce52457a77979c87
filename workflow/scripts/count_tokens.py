import pandas as pd

from monkeys.cost import token_usage
from monkeys.jobs import logged_to, write_json, write_parquet

COLUMNS = ["problem_id", "num_prompt_tokens", "num_output_tokens"]
with logged_to(snakemake.log[0]):
    samples = pd.concat(pd.read_parquet(path, columns=COLUMNS) for path in snakemake.input.samples)
    write_parquet(token_usage(samples), snakemake.output.tokens)
    write_json(snakemake.output.spec, snakemake.params.spec)
