from pathlib import Path

from monkeys.jobs import logged_to, write_json
from monkeys.models import prepare_model

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    prepare_model(spec["source"], Path(snakemake.output.model), spec["dtype"])
    write_json(snakemake.output.spec, spec)
