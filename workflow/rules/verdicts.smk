rule verify:
    input:
        unpack(inputs_of("verdicts")),
    output:
        verdicts=output_of("verdicts"),
        spec=spec_of("verdicts"),
    log:
        "logs/verify/{verdicts}/chunk{chunk}.log",
    cache: "omit-software"
    group:
        "verify"
    conda:
        "../../envs/verify.yaml"
    threads: config["resources"]["verify"]["threads"]
    resources:
        mem_mb=config["resources"]["verify"]["mem_mb"],
        runtime=config["resources"]["verify"]["runtime"],
    params:
        spec=params_spec("verdicts"),
        # judgements of expensive verifiers (program runs, proofs), shared by all chunks and runs
        memo="cache/judgements",
    script:
        "../scripts/verify.py"
