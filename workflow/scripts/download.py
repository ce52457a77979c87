from monkeys.problems import download
from monkeys.workflow import logged_to, write_parquet, write_spec

with logged_to(snakemake.log[0]):
    problems = download(snakemake.params.spec)
    write_parquet(problems, snakemake.output.problems)
    write_spec(snakemake.output.spec, snakemake.params.spec)
    print(f"{len(problems)} problems")
