rule prepare_model:
    output:
        model=directory(plan.model_path("{model}")),
        spec=spec_path(plan.model_path("{model}")),
    log:
        "logs/prepare_model/{model}.log",
    conda:
        "../../envs/sampling.yaml"
    params:
        spec=lambda w: plan.models[w.model],
    script:
        "../scripts/prepare_model.py"


rule download:
    output:
        problems=plan.problems_path("{problems}"),
        spec=spec_path(plan.problems_path("{problems}")),
    log:
        "logs/download/{problems}.log",
    cache: "omit-software"
    # Local: cluster compute nodes often have no route to the hub.
    localrule: True
    conda:
        "../../envs/data.yaml"
    params:
        spec=lambda w: plan.problems[w.problems],
    script:
        "../scripts/download.py"
