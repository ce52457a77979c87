import pandas as pd

from monkeys.allocation import active_problems, no_samples
from monkeys.devices import claim
from monkeys.jobs import logged_to, say, write_json, write_parquet
from monkeys.samples import sample

# vLLM starts worker processes that re-import the main module.
if __name__ == "__main__":
    spec, chunk, seed = snakemake.params.spec, int(snakemake.wildcards.chunk), snakemake.params.seed
    job = f"sample {snakemake.wildcards.samples} chunk {chunk}"
    # Its own GPUs (tensor_parallel_size of them), chosen before the engine starts.
    with logged_to(snakemake.log[0]), claim(snakemake.resources.gpu, job=job):
        problems = pd.read_parquet(snakemake.input.problems)
        if allocation := spec["sampling"].get("allocation"):
            earlier = [pd.read_parquet(path) for path in snakemake.input.earlier]
            active = active_problems(problems, earlier, allocation["stop_after_correct"])
            say(f"chunk {chunk}: {len(active)} of {len(problems)} problems still below "
                f"{allocation['stop_after_correct']} correct")
            problems = active
        if len(problems):
            samples = sample(problems, spec, chunk, seed, snakemake.params.model, snakemake.params.engine)
        else:
            samples = no_samples(spec["sampling"]["logprobs"])
        write_parquet(samples, snakemake.output.samples)
        write_json(snakemake.output.spec, {**spec, "chunk": chunk, "seed": seed})
