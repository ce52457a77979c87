# monkeys: repeated sampling, coverage and its scaling law (Brown et al. 2024, arXiv 2407.21787).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/problems.smk"
include: "workflow/rules/samples.smk"
include: "workflow/rules/verdicts.smk"
include: "workflow/rules/coverage.smk"
include: "workflow/rules/fits.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
