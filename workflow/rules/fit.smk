rule fit:
    input:
        coverage=lambda w: plan.coverage_path(plan.fits[w.fit]["coverage"]),
    output:
        fit=plan.fit_path("{fit}"),
    log:
        "logs/fit/{fit}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: plan.fits[w.fit],
    script:
        "../scripts/fit.py"


rule fits_table:
    input:
        fits=experiment_files(plan.experiments, lambda e: plan.fit_path(e.fit)),
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
