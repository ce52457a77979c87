from monkeys.problems import download
from monkeys.workflow import logged_to, write_spec

with logged_to(snakemake.log[0]):
    problems = download(snakemake.params.spec)
    problems.to_parquet(snakemake.output.problems, index=False)
    write_spec(snakemake.output.spec, snakemake.params.spec)
    print(f"{len(problems)} problems")
