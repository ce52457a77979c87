"""From a validated config to content-addressed intermediates.

Every intermediate file is named by a short hash of a *spec*: a JSON-able dict holding everything
that determines the file's content, including the hashes of the intermediates it is computed from.
Changing one knob therefore changes exactly the paths downstream of it, and a path that exists is
a result that can be trusted and reused (switching a knob back re-uses the old files).

    problems  <- task data, subset, few-shot prompt
    samples   <- problems, model, engine, sampling (without n_samples: chunk i is the same
                 whatever the total), stop sequences; or an attempts file (checksum, chunk size)
    verdicts  <- samples, verifier kind/version/options
    coverage  <- verdicts + number of chunks (or an imported counts CSV), bootstrap options
    fit       <- coverage, fit options
    tokens    <- samples + number of chunks (token counts for FLOPs and dollars)
    scores    <- samples, problems, scorer
    selection <- verdicts (+ scores) + number of chunks, majority-vote and bootstrap options
    extrapolation <- coverage (its counts), extrapolation options
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from monkeys.tasks import task_kind

HASH_LENGTH = 12
# Bump when the code that writes an intermediate changes what it writes.
FORMAT_VERSIONS = {
    "problems": 1, "model": 1, "samples": 1, "attempts": 1, "verdicts": 1, "coverage": 2, "fit": 1,
    "tokens": 1, "scores": 1, "selection": 1, "extrapolation": 1,
}
# Figure kinds that need per-sample data (token counts, answers), not only per-problem counts.
SAMPLED_ONLY_FIGURES = {"flops", "cost", "verifiers"}


def digest(spec) -> str:
    """Short, stable hash of a JSON-able spec (key order does not matter)."""
    blob = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:HASH_LENGTH]


@cache
def file_digest(path: str, mtime_ns: int) -> str:
    """sha256 of a file; keyed by mtime so unchanged files are hashed once per process."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot_digest(path: str | Path) -> str | None:
    p = Path(path)
    return file_digest(str(p.resolve()), p.stat().st_mtime_ns) if p.is_file() else None


@dataclass(frozen=True)
class Experiment:
    name: str
    coverage: str
    fit: str
    extrapolation: str
    problems: str | None = None
    samples: str | None = None
    verdicts: str | None = None
    n_chunks: int = 0
    tokens: str | None = None
    scores: str | None = None
    selection: str | None = None
    imported: str | None = None


class PlanError(ValueError):
    """The config is valid against the schema but inconsistent (e.g. an unknown task name)."""


class Plan:
    """All specs of a config, indexed by hash, plus the experiments that tie them together."""

    def __init__(self, config: dict):
        self.config = config
        self.problems: dict[str, dict] = {}
        self.models: dict[str, dict] = {}
        self.samples: dict[str, dict] = {}
        self.verdicts: dict[str, dict] = {}
        self.coverage: dict[str, dict] = {}
        self.fits: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.scores: dict[str, dict] = {}
        self.selection: dict[str, dict] = {}
        self.extrapolation: dict[str, dict] = {}
        self.experiments = {name: self._experiment(name, exp) for name, exp in config["experiments"].items()}
        self.figures = config.get("figures", {})
        for figure, spec in self.figures.items():
            self._check_figure(figure, spec)

    def _check_figure(self, figure: str, spec: dict) -> None:
        unknown = [e for e in spec["experiments"] if e not in self.experiments]
        if unknown:
            raise PlanError(f"figure {figure!r}: unknown experiment(s) {unknown}")
        kind = spec["kind"]
        for name in spec["experiments"]:
            exp = self.config["experiments"][name]
            if kind in SAMPLED_ONLY_FIGURES and ("imported" in exp or "attempts" in exp):
                what = "imported counts" if "imported" in exp else "attempts made elsewhere"
                raise PlanError(f"figure {figure!r} ({kind}) needs sampled experiments; {name!r} is {what}")
            model = self.config["models"].get(exp.get("model"), {})
            if kind == "flops" and not all(k in model for k in ("parameters", "layers", "d_model")):
                raise PlanError(f"figure {figure!r}: model {exp['model']!r} needs parameters, layers and d_model")
            if kind == "cost" and "price" not in model:
                raise PlanError(f"figure {figure!r}: model {exp['model']!r} needs a price")

    @staticmethod
    def _add(table: dict, spec: dict) -> str:
        key = digest(spec)
        table[key] = spec
        return key

    def _experiment(self, name: str, exp: dict) -> Experiment:
        if "imported" in exp:
            path = exp["imported"]
            if not Path(path).is_file():
                raise PlanError(f"experiment {name!r}: imported counts file {path!r} not found")
            coverage = self._add(self.coverage, self._coverage_spec(imported={"path": path, "sha256": snapshot_digest(path)}))
            return Experiment(name, coverage, self._fit(coverage), self._extrapolation(coverage), imported=path)

        task_name, model_name = exp["task"], exp.get("model")
        if task_name not in self.config["tasks"]:
            raise PlanError(f"experiment {name!r}: unknown task {task_name!r}; known: {sorted(self.config['tasks'])}")
        if "attempts" in exp:
            return self._attempts_experiment(name, exp)
        if model_name not in self.config["models"]:
            raise PlanError(f"experiment {name!r}: unknown model {model_name!r}; known: {sorted(self.config['models'])}")
        task = self.config["tasks"][task_name]
        sampling = exp["sampling"]
        if sampling["n_samples"] % sampling["chunk_size"]:
            raise PlanError(
                f"experiment {name!r}: n_samples ({sampling['n_samples']}) must be a multiple of "
                f"chunk_size ({sampling['chunk_size']}) so chunks are re-usable when n_samples grows"
            )
        kind = task_kind(task["kind"])
        problems = self._add(self.problems, self._problems_spec(task))
        samples = self._add(
            self.samples,
            {
                "format": FORMAT_VERSIONS["samples"],
                "problems": problems,
                "model": self._model_spec(model_name),
                "sampling": {k: v for k, v in sampling.items() if k != "n_samples"},
                "stop": kind.STOP,
            },
        )
        verdicts = self._add(
            self.verdicts,
            {
                "format": FORMAT_VERSIONS["verdicts"],
                "samples": samples,
                "problems": problems,
                "verifier": self._verifier_spec(name, task["kind"], exp["verifier"]),
            },
        )
        n_chunks = sampling["n_samples"] // sampling["chunk_size"]
        coverage = self._add(self.coverage, self._coverage_spec(verdicts=verdicts, n_chunks=n_chunks))
        tokens = self._add(self.tokens, {"format": FORMAT_VERSIONS["tokens"], "samples": samples, "n_chunks": n_chunks})
        # The cheap scorer reads log-probabilities recorded while sampling; without them there is nothing to score.
        scores = None
        if exp["scorer"]["kind"] != "mean_logprob" or sampling["logprobs"]:
            scores = self._add(
                self.scores,
                {"format": FORMAT_VERSIONS["scores"], "samples": samples, "problems": problems, "scorer": exp["scorer"]},
            )
        analysis = self.config["analysis"]
        selection = self._add(
            self.selection,
            {
                "format": FORMAT_VERSIONS["selection"],
                "verdicts": verdicts,
                "scores": scores,
                "n_chunks": n_chunks,
                "num_points": analysis["num_points"],
                "majority_vote": analysis["majority_vote"],
                "bootstrap": self.config["coverage"]["bootstrap"],
            },
        )
        return Experiment(
            name, coverage, self._fit(coverage), self._extrapolation(coverage), problems, samples, verdicts, n_chunks,
            tokens, scores, selection,
        )

    def _attempts_experiment(self, name: str, exp: dict) -> Experiment:
        attempts, task = exp["attempts"], self.config["tasks"][exp["task"]]
        if not Path(attempts["path"]).is_file():
            raise PlanError(f"experiment {name!r}: attempts file {attempts['path']!r} not found")
        if attempts["n_attempts"] % attempts["chunk_size"]:
            raise PlanError(f"experiment {name!r}: attempts.n_attempts must be a multiple of attempts.chunk_size")
        problems = self._add(self.problems, self._problems_spec(task))
        samples = self._add(self.samples, {
            "format": FORMAT_VERSIONS["attempts"], "problems": problems,
            "attempts": {"path": attempts["path"], "sha256": snapshot_digest(attempts["path"]),
                         "chunk_size": attempts["chunk_size"]},
        })
        verdicts = self._add(self.verdicts, {
            "format": FORMAT_VERSIONS["verdicts"], "samples": samples, "problems": problems,
            "verifier": self._verifier_spec(name, task["kind"], exp["verifier"]),
        })
        n_chunks = attempts["n_attempts"] // attempts["chunk_size"]
        coverage = self._add(self.coverage, self._coverage_spec(verdicts=verdicts, n_chunks=n_chunks))
        return Experiment(name, coverage, self._fit(coverage), self._extrapolation(coverage), problems, samples,
                          verdicts, n_chunks)

    @staticmethod
    def _verifier_spec(experiment: str, kind_name: str, options: dict) -> dict:
        kind = task_kind(kind_name)
        defaults = getattr(kind, "VERIFIER_DEFAULTS", {})
        unknown = set(options) - {"timeout_s", *defaults}
        if unknown:
            raise PlanError(f"experiment {experiment!r}: verifier option(s) {sorted(unknown)} do not apply to {kind_name}")
        return {"kind": kind_name, "version": kind.VERIFIER_VERSION, **defaults, **options}

    def _problems_spec(self, task: dict) -> dict:
        spec = {"format": FORMAT_VERSIONS["problems"], **task}
        spec["source"] = _with_snapshot(task["source"])
        if "few_shot" in task:
            spec["few_shot"] = {**task["few_shot"], "source": _with_snapshot(task["few_shot"]["source"])}
        return spec

    def _model_spec(self, name: str) -> dict:
        model = dict(self.config["models"][name])
        # Shape and price fields only feed cost accounting; they do not change samples.
        for key in ("parameters", "layers", "d_model", "price"):
            model.pop(key, None)
        if "package" in model["source"]:
            prepared = {"format": FORMAT_VERSIONS["model"], "source": model["source"], "dtype": model["dtype"]}
            model["prepared"] = self._add(self.models, prepared)
        return model

    def _coverage_spec(self, **inputs) -> dict:
        return {"format": FORMAT_VERSIONS["coverage"], **inputs, "bootstrap": self.config["coverage"]["bootstrap"]}

    def _fit(self, coverage: str) -> str:
        return self._add(self.fits, {"format": FORMAT_VERSIONS["fit"], "coverage": coverage, **self.config["fit"]})

    def _extrapolation(self, coverage: str) -> str:
        spec = {"format": FORMAT_VERSIONS["extrapolation"], "coverage": coverage,
                **self.config["analysis"]["extrapolation"], "num_points": self.config["fit"]["num_points"]}
        return self._add(self.extrapolation, spec)

    # Paths: the single place that knows the layout of the cache. The rules call these with
    # wildcards ("{samples}") for their output patterns.
    def problems_path(self, key: str) -> str:
        return f"cache/problems/{key}.parquet"

    def model_path(self, key: str) -> str:
        return f"cache/models/{key}"

    def sample_path(self, key: str, chunk: int) -> str:
        return f"cache/samples/{key}/chunk{chunk}.parquet"

    def attempts_path(self, key: str, chunk: int) -> str:
        return f"cache/attempts/{key}/chunk{chunk}.parquet"

    def samples_of(self, key: str, chunk: int) -> str:
        """Where chunk `chunk` of a samples spec lives: sampled here, or imported attempts."""
        return (self.attempts_path if "attempts" in self.samples[key] else self.sample_path)(key, chunk)

    def verdict_path(self, key: str, chunk: int) -> str:
        return f"cache/verdicts/{key}/chunk{chunk}.parquet"

    def judgement_dir(self) -> str:
        return "cache/judgements"

    def coverage_path(self, key: str) -> str:
        return f"cache/coverage/{key}.parquet"

    def fit_path(self, key: str) -> str:
        return f"cache/fits/{key}.json"

    def counts_path(self, key: str) -> str:
        return f"cache/coverage/{key}.counts.parquet"

    def tokens_path(self, key: str) -> str:
        return f"cache/tokens/{key}.parquet"

    def score_path(self, key: str, chunk: int) -> str:
        return f"cache/scores/{key}/chunk{chunk}.parquet"

    def selection_path(self, key: str) -> str:
        return f"cache/selection/{key}.parquet"

    def extrapolation_path(self, key: str) -> str:
        return f"cache/extrapolation/{key}.parquet"


    def chunk_seed(self, samples: str, chunk: int) -> int:
        """Engine seed of one chunk: a function of the samples spec and the chunk index only."""
        return int(hashlib.sha256(f"{samples}:{chunk}".encode()).hexdigest()[:8], 16)


def spec_path(path: str) -> str:
    """The JSON spec (or parameters) written beside an intermediate."""
    return str(Path(path).with_suffix(".json"))


def _with_snapshot(source: dict) -> dict:
    """A data source plus the checksum of its local snapshot, when there is one."""
    local = source.get("local")
    return {**source, "local_sha256": snapshot_digest(local)} if local else dict(source)
