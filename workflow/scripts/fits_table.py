import pandas as pd

from monkeys.jobs import logged_to, read_json
from monkeys.scaling import FIT_COLUMNS

with logged_to(snakemake.log[0]):
    rows = [
        {"experiment": name, **{column: read_json(path)[column] for column in FIT_COLUMNS}}
        for name, path in zip(snakemake.params.experiments, snakemake.input.fits)
    ]
    pd.DataFrame(rows).to_csv(snakemake.output[0], index=False)
