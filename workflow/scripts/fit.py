import json

import pandas as pd

from monkeys.scaling import fit_scaling_law
from monkeys.workflow import logged_to

with logged_to(snakemake.log[0]):
    fit = fit_scaling_law(pd.read_parquet(snakemake.input.coverage), snakemake.params.spec["num_points"])
    with open(snakemake.output.fit, "w") as f:
        json.dump({**fit, "spec": snakemake.params.spec}, f, indent=2)
    print(fit)
