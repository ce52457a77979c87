from monkeys.jobs import logged_to, write_csv
from monkeys.tables import spending_table

with logged_to(snakemake.log[0]):
    params = snakemake.params
    table = spending_table(params.experiments, snakemake.input.tokens, params.infos)
    write_csv(table, snakemake.output[0])
    print(table.to_string(index=False))
