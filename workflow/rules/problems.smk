rule download:
    output:
        problems=output_of("problems"),
        spec=spec_of("problems"),
    log:
        "logs/download/{problems}.log",
    cache: "omit-software"
    # Local: cluster compute nodes often have no route to the hub.
    localrule: True
    conda:
        "../../envs/data.yaml"
    params:
        spec=params_spec("problems"),
    script:
        "../scripts/download.py"


rule prepare_model:
    output:
        model=directory(output_of("models")),
        spec=spec_of("models"),
    log:
        "logs/prepare_model/{models}.log",
    conda:
        "../../envs/sampling.yaml"
    params:
        spec=params_spec("models"),
    script:
        "../scripts/prepare_model.py"
