"""What every rule script relies on: atomic outputs, the results tables, and running one rule's
script outside a workflow run (`python -m monkeys.jobs RULE WILDCARD=VALUE`)."""

import json
import os
import subprocess
import sys

import pandas as pd
import yaml

from conftest import REPO
from monkeys.jobs import write_csv, write_json
from monkeys.plan import Plan
from monkeys.tables import coverage_table, fits_table


def test_outputs_are_written_whole_or_not_at_all(tmp_path):
    write_json(str(tmp_path / "spec.json"), {"a": 1})
    write_csv(pd.DataFrame({"k": [1]}), str(tmp_path / "t" / "table.csv"))
    assert json.loads((tmp_path / "spec.json").read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["spec.json", "t", "table.csv"]  # no partial files left


def test_tables_keep_config_order_and_name_the_fit_form(tmp_path):
    curves = []
    for name, value in (("b", 0.5), ("a", 0.25)):
        path = tmp_path / f"{name}.parquet"
        pd.DataFrame({"k": [1, 2], "coverage": [value, value * 1.5]}).to_parquet(path)
        curves.append(str(path))
    table = coverage_table(["b", "a"], curves)
    assert table["experiment"].tolist() == ["b", "b", "a", "a"] and table.columns[0] == "experiment"
    fit = tmp_path / "fit.json"
    write_json(str(fit), {"form": "paper", "a": -1.0, "b": -0.3, "r2": 0.99, "rmse": 0.01, "num_points": 40,
                          "k_max": 100, "note": ""})
    assert fits_table(["x"], [str(fit)]).loc[0, ["experiment", "form", "a"]].tolist() == ["x", "paper", -1.0]


def test_a_rule_script_runs_outside_snakemake(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((REPO / "config/config.yaml").read_text())
    (tmp_path / "data").symlink_to(REPO / "data")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        config = yaml.safe_load((REPO / "config/config.yaml").read_text())
        from snakemake.utils import validate

        validate(config, str(REPO / "config/schema.yaml"))
        key = Plan(config).experiments["gsm8k-smollm2"].keys["problems"]
    finally:
        os.chdir(cwd)
    subprocess.run([sys.executable, "-m", "monkeys.jobs", "download", f"problems={key}"], cwd=tmp_path, check=True,
                   capture_output=True)
    size = config["tasks"]["gsm8k"]["subset"]["size"]
    assert len(pd.read_parquet(tmp_path / f"cache/problems/{key}.parquet")) == size
    assert json.loads((tmp_path / f"cache/problems/{key}.spec.json").read_text())["kind"] == "gsm8k"
    assert f"{size} problems" in next((tmp_path / "logs/download").glob("*.log")).read_text()
