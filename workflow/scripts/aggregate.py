import pandas as pd

from monkeys.coverage import aggregate
from monkeys.jobs import logged_to, write_json, write_parquet

spec, inputs = snakemake.params.spec, snakemake.input
with logged_to(snakemake.log[0]):
    if "counts" in inputs.keys():
        counts, curve = aggregate(spec, counts_csv=inputs.counts)
    else:
        counts, curve = aggregate(spec, verdicts=[pd.read_parquet(path) for path in inputs.verdicts])
    write_parquet(counts, snakemake.output.counts)
    write_parquet(curve, snakemake.output.coverage)
    write_json(snakemake.output.spec, spec)
    if "stopped" in counts:
        drawn, budget = counts["num_samples"].sum(), spec["allocation"]["n_samples"] * len(counts)
        print(f"adaptive allocation drew {drawn} of {budget} samples ({drawn / budget:.1%})")
