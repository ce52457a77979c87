from pathlib import Path

from monkeys.models import packaged_file, prepare_gguf_model
from monkeys.jobs import logged_to, write_json

spec = snakemake.params.spec
with logged_to(snakemake.log[0]):
    source = spec["source"]
    gguf = packaged_file(source["package"], source["version"], source["file"])
    prepare_gguf_model(gguf, Path(snakemake.output.model), spec["dtype"])
    write_json(snakemake.output.spec, spec)
