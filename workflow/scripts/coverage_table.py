import pandas as pd

from monkeys.jobs import logged_to

with logged_to(snakemake.log[0]):
    curves = [
        pd.read_parquet(path).assign(experiment=name)
        for name, path in zip(snakemake.params.experiments, snakemake.input.coverage)
    ]
    table = pd.concat(curves)
    table[["experiment", *table.columns.drop("experiment")]].to_csv(snakemake.output[0], index=False)
