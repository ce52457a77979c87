rule aggregate:
    input:
        unpack(inputs_of("coverage")),
    output:
        coverage=output_of("coverage"),
        counts=output_of("coverage", "counts"),
        spec=spec_of("coverage"),
    log:
        "logs/aggregate/{coverage}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=params_spec("coverage"),
    script:
        "../scripts/aggregate.py"


rule coverage_table:
    input:
        coverage=experiment_outputs("coverage"),
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
