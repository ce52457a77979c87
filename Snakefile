# monkeys: repeated sampling, coverage and its scaling law (Brown et al. 2024, arXiv 2407.21787).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/verify.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/plot.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
