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
        labels=lambda w: figure_labels(w.figure),
        experiments=lambda w: figure_experiments(w.figure),
    script:
        "../scripts/plot.py"


rule frontier:
    input:
        unpack(lambda w: plan.figure_inputs(w.figure)),
    output:
        table="results/tables/frontier/{figure}.csv",
        crossings="results/tables/frontier/{figure}.crossings.csv",
    log:
        "logs/frontier/{figure}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        figure=lambda w: plan.figures[w.figure],
        labels=lambda w: figure_labels(w.figure),
        experiments=lambda w: figure_experiments(w.figure),
    script:
        "../scripts/frontier.py"
