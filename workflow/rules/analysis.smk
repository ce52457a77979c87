rule tokens:
    input:
        samples=tokens_inputs,
    output:
        tokens=plan.tokens_path("{tokens}"),
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
        scores=plan.score_path("{scores}", "{chunk}"),
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
        selection=plan.selection_path("{selection}"),
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
        extrapolation=plan.extrapolation_path("{extrapolation}"),
        params=spec_path(plan.extrapolation_path("{extrapolation}")),
    log:
        "logs/extrapolate/{extrapolation}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=lambda w: plan.extrapolation[w.extrapolation],
    script:
        "../scripts/extrapolate.py"
