rule sample:
    input:
        unpack(inputs_of("samples")),
    output:
        samples=output_of("samples"),
        spec=spec_of("samples"),
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
        spec=params_spec("samples"),
        seed=lambda w: plan.chunk_seed(w.samples, int(w.chunk)),
        engine=lambda w: plan.engines[w.samples],
        model=sample_model_location,
    script:
        "../scripts/sample.py"


rule import_attempts:
    input:
        unpack(inputs_of("attempts")),
    output:
        samples=output_of("attempts"),
        spec=spec_of("attempts"),
    log:
        "logs/import_attempts/{attempts}/chunk{chunk}.log",
    conda:
        "../../envs/data.yaml"
    params:
        spec=params_spec("attempts"),
        # the task kind says which record fields name the problem and hold the text
        kind=lambda w: plan.specs["problems"][
            plan.specs["attempts"][w.attempts]["problems"]
        ]["kind"],
    script:
        "../scripts/import_attempts.py"
