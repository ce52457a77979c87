rule verify:
    input:
        unpack(verify_inputs),
    output:
        verdicts=plan.verdict_path("{verdicts}", "{chunk}"),
        spec=spec_path(plan.verdict_path("{verdicts}", "{chunk}")),
    log:
        "logs/verify/{verdicts}/chunk{chunk}.log",
    cache: "omit-software"
    group:
        "verify"
    conda:
        "../../envs/verify-math.yaml"
    threads: config["resources"]["verify"]["threads"]
    resources:
        mem_mb=config["resources"]["verify"]["mem_mb"],
        runtime=config["resources"]["verify"]["runtime"],
    params:
        spec=lambda w: plan.verdicts[w.verdicts],
        # judgements of expensive verifiers (program runs), shared by all chunks and runs
        memo=plan.judgement_dir(),
    script:
        "../scripts/verify.py"
