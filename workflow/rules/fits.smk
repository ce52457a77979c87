rule fit:
    input:
        unpack(inputs_of("fits")),
    output:
        fit=output_of("fits"),
        spec=spec_of("fits"),
    log:
        "logs/fit/{fits}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=params_spec("fits"),
    script:
        "../scripts/fit.py"


rule fits_table:
    input:
        fits=experiment_outputs("fits"),
    output:
        "results/tables/fits.csv",
    log:
        "logs/fits_table.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        experiments=list(plan.experiments),
    script:
        "../scripts/fits_table.py"
