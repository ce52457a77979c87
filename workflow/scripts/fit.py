import pandas as pd

from monkeys.jobs import logged_to, write_json
from monkeys.scaling import fit_scaling_law

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    fit = fit_scaling_law(pd.read_parquet(snakemake.input.coverage), spec["num_points"], spec["form"])
    write_json(snakemake.output.fit, fit)
    write_json(snakemake.output.spec, spec)
    print(fit)
