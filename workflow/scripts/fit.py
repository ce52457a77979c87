import pandas as pd

from monkeys.fits import fit
from monkeys.jobs import logged_to, write_json

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    result = fit(pd.read_parquet(snakemake.input.coverage), spec["num_points"], spec["form"])
    write_json(snakemake.output.fit, result)
    write_json(snakemake.output.spec, spec)
    print(result)
