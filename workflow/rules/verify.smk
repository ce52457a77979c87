rule verify:
    input:
        unpack(verify_inputs),
    output:
        verdicts="cache/verdicts/{verdicts}/chunk{chunk}.parquet",
        spec="cache/verdicts/{verdicts}/chunk{chunk}.json",
    params:
        spec=lambda w: plan.verdicts[w.verdicts],
    threads: config["resources"]["verify"]["threads"]
    resources:
        mem_mb=config["resources"]["verify"]["mem_mb"],
        runtime=config["resources"]["verify"]["runtime"],
    log:
        "logs/verify/{verdicts}/chunk{chunk}.log",
    conda:
        "../../envs/verify-math.yaml"
    script:
        "../scripts/verify.py"
