"""Workflow behaviour on small configs: dry runs, config errors, and a real run of the
count-based stages (aggregate, fit, tables, plot, report) on imported counts."""

import copy
import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from conftest import REPO
from monkeys.tasks.swebench.harness import docker_unavailable
from workflow_helpers import completed_run, planned_jobs, prepare_workdir, snakemake

DEFAULT = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
PAPER = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
IMPORTED = {
    "experiments": {
        "published": {"imported": "tests/data/imported_counts.csv", "label": "imported counts"},
    },
    "figures": {
        "imported": {"experiments": ["published"], "title": "Imported counts"},
        "imported-extrapolation": {"kind": "extrapolation", "experiments": ["published"], "title": "Extrapolated"},
    },
}


def test_default_config_dry_run(tmp_path):
    jobs = planned_jobs(prepare_workdir(tmp_path, DEFAULT))
    assert jobs == {
        "download": 3, "prepare_model": 1, "sample": 3, "verify": 3, "aggregate": 3, "coverage_table": 1,
        "fit": 3, "fits_table": 1, "count_tokens": 3, "score": 2, "select": 2, "extrapolate": 2, "plot": 5,
        "spending_table": 1, "all": 1,
    }


def test_paper_config_dry_run(tmp_path):
    jobs = planned_jobs(prepare_workdir(tmp_path, PAPER))
    experiments = len(PAPER["experiments"])
    assert experiments == 28
    # 10 chunks each (of 1,000 samples; SWE-bench: 25); two SWE-bench experiments share their samples
    assert jobs["verify"] == experiments * 10 and jobs["sample"] == (experiments - 1) * 10
    assert jobs["download"] == 6 and "prepare_model" not in jobs


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(temprature=0.7), "temprature"),
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(temperature=-1), "-1 is less than the minimum of 0"),
        (lambda c: c["models"]["smollm2-135m-instruct"].update(dtype="int3"), "'int3' is not one of"),
        (lambda c: c.update(colour="red"), "colour"),
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(chunk_size=5), "multiple of chunk_size"),
        (lambda c: c["models"]["smollm2-135m-instruct"].pop("price"), "needs price"),
        (lambda c: c["figures"]["coverage"].update(kind="scatter"), "'scatter' is not one of"),
        (lambda c: c["experiments"]["math-smollm2"].update(verifier={"time_limit_s": 1}), "unknown option(s) ['time_limit_s']"),
        (lambda c: c["tasks"]["math"].update(verifier={"time_limit_s": 1}), "Additional properties are not allowed"),
        (lambda c: c["experiments"]["gsm8k-smollm2"].update(scorer={"kind": "reward_model"}), "'model' is a required property"),
    ],
)
def test_bad_config_fails_with_a_message_naming_it(tmp_path, edit, message):
    config = copy.deepcopy(DEFAULT)
    edit(config)
    result = snakemake(prepare_workdir(tmp_path, config), "-n", check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_missing_data_fails_with_the_fix_in_the_message(tmp_path):
    config = copy.deepcopy(DEFAULT)
    config["tasks"]["gsm8k"]["source"]["local"] = "data/missing.jsonl"
    config["experiments"] = {"gsm8k-smollm2": config["experiments"]["gsm8k-smollm2"]}
    config["figures"] = {}
    workdir = prepare_workdir(tmp_path, config)
    result = snakemake(workdir, "--until", "download", check=False)
    assert result.returncode != 0
    log = next((workdir / "logs" / "download").glob("*.log")).read_text()
    assert "data/missing.jsonl' does not exist" in log and "local: PATH" in log


@pytest.fixture(scope="module")
def imported_run(tmp_path_factory):
    return completed_run(tmp_path_factory.mktemp("imported"), IMPORTED)


def test_imported_counts_flow_to_tables_and_figures(imported_run):
    fits = pd.read_csv(imported_run / "results/tables/fits.csv")
    assert fits["experiment"].tolist() == ["published"]
    assert fits.loc[0, "a"] < 0 and fits.loc[0, "r2"] > 0.9
    coverage = pd.read_csv(imported_run / "results/tables/coverage.csv")
    assert coverage["k"].max() == 200 and coverage["coverage"].is_monotonic_increasing
    counts = pd.read_csv(REPO / "tests/data/imported_counts.csv")
    assert coverage["coverage"].iloc[-1] == pytest.approx((counts["num_correct"] > 0).mean())
    for figure in ("imported", "imported-extrapolation"):
        for ext in ("pdf", "png"):
            assert (imported_run / f"results/figures/{figure}.{ext}").stat().st_size > 1000
    assert planned_jobs(imported_run) == {}


def test_figure_option_change_reruns_only_the_plot(imported_run):
    config = copy.deepcopy(IMPORTED)
    config["figures"]["imported"]["title"] = "A new title"
    prepare_workdir(imported_run, config)
    assert planned_jobs(imported_run, "results/figures/imported.pdf") == {"plot": 1}
    assert planned_jobs(imported_run) == {"plot": 1, "all": 1}
    snakemake(imported_run, "results/figures/imported.pdf")
    assert planned_jobs(imported_run) == {}
    prepare_workdir(imported_run, IMPORTED)


def test_count_only_experiments_cannot_enter_sample_level_figures(tmp_path):
    for kind in ("flops", "cost", "verifiers"):
        config = copy.deepcopy(IMPORTED)
        config["figures"]["bad"] = {"kind": kind, "experiments": ["published"]}
        result = snakemake(prepare_workdir(tmp_path, config), "-n", check=False)
        assert result.returncode != 0 and "needs sampled experiments; 'published' is imported" in result.stderr + result.stdout


def test_report_captions_every_figure(imported_run):
    snakemake(imported_run, "--report", "report.html")
    html = (imported_run / "report.html").read_text()
    assert "Imported counts" in html and "imported counts" in html and "Extrapolated" in html


def test_lint_and_format_are_clean(tmp_path):
    result = snakemake(prepare_workdir(tmp_path, DEFAULT), "--lint")
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr
    snakefmt = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow/rules"], cwd=REPO, capture_output=True, text=True
    )
    assert snakefmt.returncode == 0, snakefmt.stderr
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "workflow/scripts"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert ruff.returncode == 0, ruff.stdout


def attempts_config(path, n_attempts, chunk_size):
    return {
        "tasks": {"swebench-lite": {"kind": "swebench", "source": {"local": "data/swebench/lite_test.jsonl"},
                                    "subset": {"size": 3, "seed": 0}}},
        "experiments": {"agent": {"task": "swebench-lite", "attempts": {"path": path, "n_attempts": n_attempts,
                                                                         "chunk_size": chunk_size}}},
        "figures": {"agent": {"experiments": ["agent"], "title": "An agent's attempts"}},
    }


def write_attempts(workdir, patch_of, per_instance):
    rows = [json.loads(line) for line in (REPO / "data/swebench/lite_test.jsonl").open()]
    with (workdir / "attempts.jsonl").open("w") as f:
        for row in rows:  # every instance: the task's subset picks 3 of them
            for a in range(per_instance):
                f.write(json.dumps({"instance_id": row["instance_id"], "model_patch": patch_of(row, a)}) + "\n")


def test_imported_attempts_enter_as_chunks_of_the_samples_layout(tmp_path):
    """250 attempts per instance enter at verify, 5 chunks of 50 (judging them needs docker)."""
    workdir = prepare_workdir(tmp_path, attempts_config("attempts.jsonl", 250, 50))
    write_attempts(workdir, lambda row, a: f"attempt {a}", 250)
    assert planned_jobs(workdir)["import_attempts"] == 5 and planned_jobs(workdir)["verify"] == 5
    snakemake(workdir, "--until", "import_attempts")
    chunks = sorted(workdir.glob("cache/attempts/*/chunk*.parquet"))
    assert len(chunks) == 5
    chunk = pd.read_parquet(chunks[4])
    assert len(chunk) == 150 and chunk["sample_idx"].between(200, 249).all() and chunk["text"].str.startswith("attempt").all()


@pytest.mark.skipif(bool(docker_unavailable()), reason=f"judging SWE-bench attempts needs docker: {docker_unavailable()}")
def test_imported_attempts_are_verified_into_coverage_up_to_250(tmp_path):
    """Attempts that are not patches are judged without running tests: coverage 0 up to k=250."""
    workdir = prepare_workdir(tmp_path, attempts_config("attempts.jsonl", 250, 50))
    write_attempts(workdir, lambda row, a: "" if a % 2 else f"I would edit line {a % 5}", 250)
    snakemake(workdir)
    coverage = pd.read_csv(workdir / "results/tables/coverage.csv")
    assert coverage["k"].max() == 250 and (coverage["coverage"] == 0).all()
    verdicts = pd.concat(pd.read_parquet(p) for p in workdir.glob("cache/verdicts/*/chunk*.parquet"))
    assert len(verdicts) == 750 and set(verdicts["reason"]) == {"empty patch", "malformed patch: no file changes"}
    assert (workdir / "results/figures/agent.png").stat().st_size > 1000


@pytest.mark.skipif(not docker_unavailable(), reason="docker is available here")
def test_without_docker_the_swebench_verify_job_stops_with_the_reason(tmp_path):
    workdir = prepare_workdir(tmp_path, attempts_config("attempts.jsonl", 1, 1))
    write_attempts(workdir, lambda row, a: row["patch"], 1)
    result = snakemake(workdir, check=False)
    assert result.returncode != 0
    log = next((workdir / "logs" / "verify").glob("*/chunk0.log")).read_text()
    assert "VerifierUnavailable" in log and "docker" in log and "graded elsewhere" in log
    assert not list(workdir.glob("cache/verdicts/*/chunk0.parquet"))
