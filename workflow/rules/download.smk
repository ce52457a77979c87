rule prepare_model:
    output:
        model=directory("cache/models/{model}"),
        spec="cache/models/{model}.json",
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
        problems="cache/problems/{problems}.parquet",
        spec="cache/problems/{problems}.json",
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
