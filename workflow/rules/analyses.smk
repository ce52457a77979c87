rule count_tokens:
    input:
        unpack(inputs_of("tokens")),
    output:
        tokens=output_of("tokens"),
        spec=spec_of("tokens"),
    log:
        "logs/count_tokens/{tokens}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=params_spec("tokens"),
    script:
        "../scripts/count_tokens.py"


rule score:
    input:
        unpack(inputs_of("scores")),
    output:
        scores=output_of("scores"),
        spec=spec_of("scores"),
    log:
        "logs/score/{scores}/chunk{chunk}.log",
    conda:
        "../../envs/sampling.yaml"
    resources:
        gpu=score_gpus,
    params:
        spec=params_spec("scores"),
    script:
        "../scripts/score.py"


rule select:
    input:
        unpack(inputs_of("selection")),
    output:
        selection=output_of("selection"),
        spec=spec_of("selection"),
    log:
        "logs/select/{selection}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=params_spec("selection"),
    script:
        "../scripts/select.py"


rule extrapolate:
    input:
        unpack(inputs_of("extrapolation")),
    output:
        extrapolation=output_of("extrapolation"),
        params=output_of("extrapolation", "params"),
        spec=spec_of("extrapolation"),
    log:
        "logs/extrapolate/{extrapolation}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=params_spec("extrapolation"),
    script:
        "../scripts/extrapolate.py"


rule spending_table:
    input:
        tokens=[plan.path("tokens", e.keys["tokens"]) for e in sampled_experiments()],
    output:
        "results/tables/spending.csv",
    log:
        "logs/spending_table.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        experiments=[e.name for e in sampled_experiments()],
        infos=[experiment_info(e.name) for e in sampled_experiments()],
    script:
        "../scripts/spending_table.py"
