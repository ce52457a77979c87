import pandas as pd

from monkeys.scaling import fit_scaling_law
from monkeys.jobs import logged_to, write_json

with logged_to(snakemake.log[0]):
    fit = fit_scaling_law(pd.read_parquet(snakemake.input.coverage), snakemake.params.spec["num_points"])
    write_json(snakemake.output.fit, {**fit, "spec": snakemake.params.spec})
    print(fit)
