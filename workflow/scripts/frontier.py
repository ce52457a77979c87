from monkeys.figures import frontier
from monkeys.jobs import logged_to, write_csv

with logged_to(snakemake.log[0]):
    params = snakemake.params
    inputs = {name: list(snakemake.input[name]) for name in snakemake.input.keys()}
    table, crossings = frontier(inputs, params.labels, params.experiments, params.figure)
    write_csv(table, snakemake.output.table)
    write_csv(crossings, snakemake.output.crossings)
    print(crossings.to_string(index=False) if len(crossings) else "one experiment is best at every budget")
