import json

import pandas as pd

from monkeys.scaling import FIT_COLUMNS
from monkeys.workflow import logged_to

with logged_to(snakemake.log[0]):
    rows = []
    for name, path in zip(snakemake.params.experiments, snakemake.input.fits):
        with open(path) as f:
            fit = json.load(f)
        rows.append({"experiment": name, **{column: fit[column] for column in FIT_COLUMNS}})
    pd.DataFrame(rows).to_csv(snakemake.output[0], index=False)
