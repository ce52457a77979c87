from monkeys.jobs import logged_to, write_csv
from monkeys.tables import fits_table

with logged_to(snakemake.log[0]):
    write_csv(fits_table(snakemake.params.experiments, snakemake.input.fits), snakemake.output[0])
