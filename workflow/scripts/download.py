from monkeys.jobs import logged_to, write_json, write_parquet
from monkeys.problems import download

with logged_to(snakemake.log[0]):
    problems = download(snakemake.params.spec)
    write_parquet(problems, snakemake.output.problems)
    write_json(snakemake.output.spec, snakemake.params.spec)
    print(f"{len(problems)} problems")
