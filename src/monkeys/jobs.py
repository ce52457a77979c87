"""What every rule script does around its work: log to the rule's log file, tell the person at
the terminal how a long job is going, and write outputs atomically."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

_console: int | None = None  # the terminal's stderr while `logged_to` redirects fds 1 and 2


def say(message: str) -> None:
    """One line for the person running the workflow (the terminal) and for the log."""
    print(message, flush=True)
    if _console is not None:
        os.write(_console, (message + "\n").encode())


@contextmanager
def logged_to(path: str):
    """Send this process's stdout/stderr (and its children's: vLLM's engine) to the rule's log;
    `say` still reaches the terminal."""
    global _console
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    _console = saved[1]
    with open(path, "a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
        try:
            yield
        except BaseException:
            traceback.print_exc()  # into the log too, not only Snakemake's console
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            _console = None


def write_json(path: str, data: dict) -> None:
    """Specs beside artifacts (what a hash stands for) and small results such as fits; written
    via a temporary name like every output."""
    partial = f"{path}.partial-{os.getpid()}"
    Path(partial).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(partial, path)


def read_json(path: str) -> dict:
    return json.loads(Path(path).read_text())


def write_csv(table, path: str) -> None:
    """A results table, written atomically."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    partial = f"{path}.partial-{os.getpid()}"
    table.to_csv(partial, index=False)
    os.replace(partial, path)


def write_parquet(table, path: str) -> None:
    """Write via a temporary name and rename, so a killed job never leaves a truncated file
    at the output path that a later run could mistake for a result."""
    partial = f"{path}.partial-{os.getpid()}"
    table.to_parquet(partial, index=False)
    os.replace(partial, path)


def mock_snakemake(rule: str, workdir: str = ".", configfiles: tuple[str, ...] = (), **wildcards):
    """The `snakemake` object a rule's script sees, built by Snakemake from the real Snakefile, so
    a script can run (and be debugged) outside a workflow run (PyPSA-Eur's idea):

        snakemake = mock_snakemake("verify", verdicts="36d8cfc3fe8d", chunk="0")
    """
    from snakemake.api import Workflow
    from snakemake.dag import DAG
    from snakemake.jobs import Job
    from snakemake.logging import LoggerManager, logger
    from snakemake.script import Snakemake
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
        StorageSettings,
        WorkflowSettings,
    )

    os.chdir(workdir)
    workflow = Workflow(
        config_settings=ConfigSettings(configfiles=[Path(f).resolve() for f in configfiles]),
        resource_settings=ResourceSettings(), workflow_settings=WorkflowSettings(),
        logger_manager=LoggerManager(logger, OutputSettings()), storage_settings=StorageSettings(),
        dag_settings=DAGSettings(),
    )
    workflow.include(str(SNAKEFILE))
    workflow.global_resources = {}
    job = Job(workflow.get_rule(rule), DAG(workflow, rules=[workflow.get_rule(rule)]), wildcards)
    for path in [*job.output, *job.log]:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return Snakemake(job.input, job.output, job.params, job.wildcards, job.threads, job.resources, job.log,
                     workflow.config, rule, None)


SNAKEFILE = Path(__file__).resolve().parents[2] / "Snakefile"


def main(argv: list[str] | None = None) -> None:
    """`python -m monkeys.jobs RULE [WILDCARD=VALUE ...] [--configfile FILE]`: run one rule's script
    in this process, with the inputs, outputs and params the workflow would give it."""
    import argparse
    import runpy

    parser = argparse.ArgumentParser(prog="python -m monkeys.jobs", description=main.__doc__)
    parser.add_argument("rule")
    parser.add_argument("wildcards", nargs="*", metavar="WILDCARD=VALUE")
    parser.add_argument("--configfile", action="append", default=[])
    args = parser.parse_args(argv)
    wildcards = dict(w.split("=", 1) for w in args.wildcards)
    snakemake = mock_snakemake(args.rule, ".", tuple(args.configfile), **wildcards)
    script = SNAKEFILE.parent / "workflow" / "scripts" / f"{args.rule}.py"
    runpy.run_path(str(script), init_globals={"snakemake": snakemake}, run_name="__main__")


if __name__ == "__main__":
    main()
