import pandas as pd

from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.tokens import count_tokens

COLUMNS = ["problem_id", "num_prompt_tokens", "num_output_tokens"]
with logged_to(snakemake.log[0]):
    samples = pd.concat(pd.read_parquet(path, columns=COLUMNS) for path in snakemake.input.samples)
    write_parquet(count_tokens(samples), snakemake.output.tokens)
    write_json(snakemake.output.spec, snakemake.params.spec)
