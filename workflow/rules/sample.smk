rule sample:
    input:
        unpack(sample_inputs),
    output:
        samples=plan.sample_path("{samples}", "{chunk}"),
        spec=spec_path(plan.sample_path("{samples}", "{chunk}")),
    log:
        "logs/sample/{samples}/chunk{chunk}.log",
    cache: "omit-software"
    conda:
        "../../envs/sampling.yaml"
    threads: config["resources"]["sample"]["threads"]
    resources:
        gpu=sample_gpus,
        mem_mb=config["resources"]["sample"]["mem_mb"],
        runtime=config["resources"]["sample"]["runtime"],
    params:
        spec=lambda w: plan.samples[w.samples],
        seed=lambda w: plan.chunk_seed(w.samples, int(w.chunk)),
        model=sample_model_location,
    script:
        "../scripts/sample.py"


rule import_attempts:
    input:
        attempts=lambda w: plan.samples[w.samples]["attempts"]["path"],
        problems=lambda w: plan.problems_path(plan.samples[w.samples]["problems"]),
    output:
        samples=plan.attempts_path("{samples}", "{chunk}"),
        spec=spec_path(plan.attempts_path("{samples}", "{chunk}")),
    log:
        "logs/import_attempts/{samples}/chunk{chunk}.log",
    conda:
        "../../envs/data.yaml"
    params:
        spec=lambda w: plan.samples[w.samples],
    script:
        "../scripts/import_attempts.py"
