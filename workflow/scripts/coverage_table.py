import pandas as pd

curves = [pd.read_parquet(path).assign(experiment=name) for name, path in zip(snakemake.params.experiments, snakemake.input.coverage)]
table = pd.concat(curves)
table[["experiment", *curves[0].columns.drop("experiment")]].to_csv(snakemake.output[0], index=False)
