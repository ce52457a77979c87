import json

import pandas as pd

from monkeys.extrapolation import extrapolate
from monkeys.workflow import logged_to, write_parquet

with logged_to(snakemake.log[0]):
    table, params = extrapolate(pd.read_parquet(snakemake.input.counts), snakemake.params.spec)
    write_parquet(table, snakemake.output.extrapolation)
    with open(snakemake.output.params, "w") as f:
        json.dump(params, f, indent=2)
    print(params)
