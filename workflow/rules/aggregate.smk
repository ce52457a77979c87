rule aggregate:
    input:
        unpack(aggregate_inputs),
    output:
        coverage=plan.coverage_path("{coverage}"),
        counts=plan.counts_path("{coverage}"),
        spec=spec_path(plan.coverage_path("{coverage}")),
    log:
        "logs/aggregate/{coverage}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: plan.coverage[w.coverage],
    script:
        "../scripts/aggregate.py"


rule coverage_table:
    input:
        coverage=experiment_files(
            plan.experiments, lambda e: plan.coverage_path(e.coverage)
        ),
    output:
        "results/tables/coverage.csv",
    log:
        "logs/coverage_table.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        experiments=list(plan.experiments),
    script:
        "../scripts/coverage_table.py"
