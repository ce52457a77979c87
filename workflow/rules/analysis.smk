rule tokens:
    input:
        samples=tokens_inputs,
    output:
        tokens="cache/tokens/{tokens}.parquet",
    log:
        "logs/tokens/{tokens}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: plan.tokens[w.tokens],
    script:
        "../scripts/tokens.py"


rule score:
    input:
        unpack(score_inputs),
    output:
        scores="cache/scores/{scores}/chunk{chunk}.parquet",
    log:
        "logs/score/{scores}/chunk{chunk}.log",
    conda:
        "../../envs/sampling.yaml"
    resources:
        gpu=score_gpus,
    params:
        spec=lambda w: plan.scores[w.scores],
    script:
        "../scripts/score.py"


rule selection:
    input:
        unpack(selection_inputs),
    output:
        selection="cache/selection/{selection}.parquet",
    log:
        "logs/selection/{selection}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: plan.selection[w.selection],
    script:
        "../scripts/selection.py"


rule extrapolate:
    input:
        counts=lambda w: plan.counts_path(
            plan.extrapolation[w.extrapolation]["coverage"]
        ),
    output:
        extrapolation="cache/extrapolation/{extrapolation}.parquet",
        params="cache/extrapolation/{extrapolation}.json",
    log:
        "logs/extrapolate/{extrapolation}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: plan.extrapolation[w.extrapolation],
    script:
        "../scripts/extrapolate.py"
