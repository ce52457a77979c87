rule plot:
    input:
        unpack(figure_inputs),
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
        labels=lambda w: labels(plan.figures[w.figure]["experiments"]),
        models=figure_models,
    script:
        "../scripts/plot.py"
