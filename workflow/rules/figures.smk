rule plot:
    input:
        unpack(lambda w: plan.figure_inputs(w.figure)),
    output:
        pdf="results/figures/{figure}.pdf",
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
            labels={"figure": "{figure}"},
        ),
    log:
        "logs/plot/{figure}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        figure=lambda w: plan.figures[w.figure],
        labels=lambda w: [
            config["experiments"][e].get("label", e)
            for e in plan.figures[w.figure]["experiments"]
        ],
        # shape and price of each experiment's model (for the FLOPs and cost axes)
        models=lambda w: [
            config["models"].get(config["experiments"][e].get("model"), {})
            for e in plan.figures[w.figure]["experiments"]
        ],
    script:
        "../scripts/plot.py"
