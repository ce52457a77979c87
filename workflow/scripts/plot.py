from monkeys.figures import plot
from monkeys.jobs import logged_to

with logged_to(snakemake.log[0]):
    params = snakemake.params
    inputs = {name: list(snakemake.input[name]) for name in snakemake.input.keys()}
    plot(params.figure["kind"], inputs, params.labels, params.experiments, params.figure,
         [snakemake.output.pdf, snakemake.output.png])
