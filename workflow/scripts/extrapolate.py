import pandas as pd

from monkeys.extrapolation import extrapolate
from monkeys.jobs import logged_to, write_json, write_parquet

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    table, params = extrapolate(pd.read_parquet(snakemake.input.counts), spec)
    write_parquet(table, snakemake.output.extrapolation)
    write_json(snakemake.output.params, params)
    write_json(snakemake.output.spec, spec)
    print(params)
