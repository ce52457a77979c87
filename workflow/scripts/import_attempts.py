import pandas as pd

from monkeys.attempts import import_attempts
from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.tasks import task_kind

spec, chunk = snakemake.params.spec, int(snakemake.wildcards.chunk)
with logged_to(snakemake.log[0]):
    problems = pd.read_parquet(snakemake.input.problems)
    fields = task_kind(snakemake.params.kind).attempt_fields
    attempts = import_attempts(snakemake.input.attempts, problems, chunk, spec["attempts"]["chunk_size"], fields)
    write_parquet(attempts, snakemake.output.samples)
    write_json(snakemake.output.spec, {**spec, "chunk": chunk})
    print(f"chunk {chunk}: {len(attempts)} attempts at {attempts['problem_id'].nunique()} problems")
