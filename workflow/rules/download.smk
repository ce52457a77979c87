rule prepare_model:
    output:
        model=directory("cache/models/{model}"),
        spec="cache/models/{model}.json",
    params:
        spec=lambda w: plan.models[w.model],
    log:
        "logs/prepare_model/{model}.log",
    conda:
        "../../envs/sampling.yaml"
    script:
        "../scripts/prepare_model.py"


rule download:
    output:
        problems="cache/problems/{problems}.parquet",
        spec="cache/problems/{problems}.json",
    params:
        spec=lambda w: plan.problems[w.problems],
    log:
        "logs/download/{problems}.log",
    conda:
        "../../envs/data.yaml"
    script:
        "../scripts/download.py"
