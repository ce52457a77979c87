from monkeys.jobs import logged_to, write_csv
from monkeys.tables import coverage_table

with logged_to(snakemake.log[0]):
    write_csv(coverage_table(snakemake.params.experiments, snakemake.input.coverage), snakemake.output[0])
