"""From a validated config to content-addressed artifacts.

Every artifact is named by a short hash of its *spec*: a JSON-able dict holding everything that
determines its content, including the hashes of the artifacts it is computed from. Changing one
knob therefore changes exactly the paths downstream of it, and a path that exists is a result that
can be trusted and reused (switching a knob back re-uses the old files).

`ARTIFACTS` is the one table of what the workflow makes: each artifact's name, the rule (and
script) that writes it, its path pattern, format version, whether it is chunked, and the upstream
artifacts (or external files) its spec refers to. Paths, wildcard constraints, format versions and
every rule's inputs come from it:

    problems  <- task data, subset, few-shot prompt, prompt options
    models    <- a model shipped in a Python package, prepared for vLLM
    samples   <- problems, model (fields that change samples), sampling without n_samples (chunk
                 i is the same whatever the total), stop sequences
    attempts  <- problems, an attempts file made elsewhere (checksum, chunk size)
    verdicts  <- samples or attempts, problems, verifier (kind, version, options)
    coverage  <- verdicts + number of chunks (or an imported counts CSV), bootstrap options
    fits      <- coverage, fit options
    tokens    <- samples + number of chunks (token counts for FLOPs and dollars)
    scores    <- samples, problems, scorer
    selection <- verdicts (+ scores) + number of chunks, majority-vote and bootstrap options
    extrapolation <- coverage (its per-problem counts), extrapolation options
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from monkeys.errors import PlanError
from monkeys.figures import figure_kind
from monkeys.samples import COST_FIELDS, ENGINE_FIELDS, SAMPLE_FIELDS, engine_settings, resolve_dtype
from monkeys.tasks import task_kind
from monkeys.tasks.base import options_dict, options_from

HASH_LENGTH = 12
HASH_PATTERN = r"[0-9a-f]{12}"


@dataclass(frozen=True)
class Ref:
    """An upstream file a spec names: the key at `field` (a path into the spec) of artifact
    `artifact` (any of several, e.g. samples or attempts), its `output`, and which chunks: the
    consumer's own chunk ("same"), all `n_chunks` of them ("all"), or none (unchunked).
    A missing or null field means the input is absent."""

    field: tuple[str, ...]
    artifact: tuple[str, ...]
    chunks: str | None = None
    output: str = "main"


@dataclass(frozen=True)
class External:
    """A file outside the cache that a spec names by path (an imported CSV, an attempts file)."""

    field: tuple[str, ...]


@dataclass(frozen=True)
class Earlier:
    """The verdicts of a samples artifact's chunks before this one, when its spec has `field`
    (adaptive allocation: which problems a chunk samples depends on them)."""

    field: tuple[str, ...]


@dataclass(frozen=True)
class Artifact:
    name: str
    rule: str  # the rule that writes it; its script is workflow/scripts/<rule>.py
    path: str  # pattern with {key} (and {chunk} when chunked) for the main output
    version: int  # bump when the code that writes it changes what it writes
    chunked: bool = False
    reads: dict[str, Ref | External | Earlier] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # other outputs: name -> suffix replacing the main one's

    def file(self, key: str, chunk: int | str | None = None, output: str = "main") -> str:
        path = self.path.format(key=key, chunk=chunk)
        return path if output == "main" else str(Path(path).with_suffix(self.extra[output]))

    def pattern(self, output: str = "main") -> str:
        """The rule's output pattern, with the artifact's name as the hash wildcard."""
        return self.file(f"{{{self.name}}}", "{chunk}" if self.chunked else None, output)


ARTIFACTS: dict[str, Artifact] = {
    a.name: a
    for a in [
        Artifact("problems", "download", "cache/problems/{key}.parquet", 1),
        Artifact("models", "prepare_model", "cache/models/{key}", 1),
        Artifact(
            "samples", "sample", "cache/samples/{key}/chunk{chunk}.parquet", 1, chunked=True,
            reads={"problems": Ref(("problems",), ("problems",)), "model": Ref(("model", "prepared"), ("models",)),
                   "earlier": Earlier(("sampling", "allocation"))},
        ),
        Artifact(
            "attempts", "import_attempts", "cache/attempts/{key}/chunk{chunk}.parquet", 1, chunked=True,
            reads={"attempts": External(("attempts", "path")), "problems": Ref(("problems",), ("problems",))},
        ),
        Artifact(
            "verdicts", "verify", "cache/verdicts/{key}/chunk{chunk}.parquet", 1, chunked=True,
            reads={"samples": Ref(("samples",), ("samples", "attempts"), "same"),
                   "problems": Ref(("problems",), ("problems",))},
        ),
        Artifact(
            "coverage", "aggregate", "cache/coverage/{key}.parquet", 2,
            reads={"verdicts": Ref(("verdicts",), ("verdicts",), "all"), "counts": External(("imported", "path"))},
            extra={"counts": ".counts.parquet"},
        ),
        Artifact("fits", "fit", "cache/fits/{key}.json", 1, reads={"coverage": Ref(("coverage",), ("coverage",))}),
        Artifact(
            "tokens", "count_tokens", "cache/tokens/{key}.parquet", 1,
            reads={"samples": Ref(("samples",), ("samples",), "all")},
        ),
        Artifact(
            "scores", "score", "cache/scores/{key}/chunk{chunk}.parquet", 1, chunked=True,
            reads={"samples": Ref(("samples",), ("samples",), "same"), "problems": Ref(("problems",), ("problems",))},
        ),
        Artifact(
            "selection", "select", "cache/selection/{key}.parquet", 1,
            reads={"verdicts": Ref(("verdicts",), ("verdicts",), "all"), "scores": Ref(("scores",), ("scores",), "all")},
        ),
        Artifact(
            "extrapolation", "extrapolate", "cache/extrapolation/{key}.parquet", 1,
            reads={"counts": Ref(("coverage",), ("coverage",), output="counts")},
            extra={"params": ".params.json"},
        ),
    ]
}


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


def spec_path(path: str) -> str:
    """The JSON spec written beside an artifact file (or directory)."""
    p = Path(path)
    return str(p.with_name(p.name.split(".")[0] + ".spec.json"))


def _at(spec: dict, path: tuple[str, ...]):
    for name in path:
        if not isinstance(spec, dict) or spec.get(name) is None:
            return None
        spec = spec[name]
    return spec


@dataclass(frozen=True)
class Experiment:
    """An experiment's artifact keys (artifact name -> hash) and how many chunks it has."""

    name: str
    source: str  # "sampled", "adaptive" (sampled with adaptive allocation), "attempts" or "imported"
    keys: dict[str, str]
    n_chunks: int = 0


class Plan:
    """All specs of a config, by artifact and hash, plus the experiments that tie them together."""

    def __init__(self, config: dict, gpu: bool | None = None):
        self.config = config
        self.gpu = config["resources"]["sample"]["gpu"] > 0 if gpu is None else gpu
        self.specs: dict[str, dict[str, dict]] = {name: {} for name in ARTIFACTS}
        self.judged_by: dict[str, str] = {}  # samples key -> the verdicts key that judges them
        # samples key -> the model's throughput-only engine settings (not part of any hash)
        self.engines: dict[str, dict] = {}
        self.experiments = {name: self._experiment(name, exp) for name, exp in config["experiments"].items()}
        self.figures = config.get("figures", {})
        for name, figure in self.figures.items():
            self._check_figure(name, figure)

    # The artifact table, applied.
    def path(self, artifact: str, key: str, chunk: int | None = None, output: str = "main") -> str:
        return ARTIFACTS[artifact].file(key, chunk, output)

    def owner(self, key: str, candidates: tuple[str, ...]) -> str:
        """Which of several artifacts a key belongs to (samples or attempts)."""
        for artifact in candidates:
            if key in self.specs[artifact]:
                return artifact
        raise KeyError(f"{key} is not a {' or '.join(candidates)} key")

    def inputs(self, artifact: str, key: str, chunk: int | str | None = None) -> dict[str, str | list[str]]:
        """Every file the rule writing `artifact` `key` (chunk `chunk`) reads, by input name."""
        spec = self.specs[artifact][key]
        found = {}
        for name, ref in ARTIFACTS[artifact].reads.items():
            value = _at(spec, ref.field)
            if value is None:
                continue
            if isinstance(ref, External):
                found[name] = value
                continue
            if isinstance(ref, Earlier):
                found[name] = [self.path("verdicts", self.judged_by[key], i) for i in range(int(chunk))]
                continue
            upstream = self.owner(value, ref.artifact)
            if ref.chunks == "all":
                found[name] = [self.path(upstream, value, i, ref.output) for i in range(spec["n_chunks"])]
            else:
                found[name] = self.path(upstream, value, int(chunk) if ref.chunks == "same" else None, ref.output)
        return found

    def chunk_seed(self, samples: str, chunk: int) -> int:
        """Engine seed of one chunk: a function of the samples spec and the chunk index only."""
        return int(hashlib.sha256(f"{samples}:{chunk}".encode()).hexdigest()[:8], 16)

    def _add(self, artifact: str, spec: dict) -> str:
        spec = {"format": ARTIFACTS[artifact].version, **spec}
        key = digest(spec)
        self.specs[artifact][key] = spec
        return key

    # Specs.
    def _experiment(self, name: str, exp: dict) -> Experiment:
        if "imported" in exp:
            path = exp["imported"]
            if not Path(path).is_file():
                raise PlanError(f"experiment {name!r}: imported counts file {path!r} not found")
            keys = {"coverage": self._coverage(imported={"path": path, "sha256": snapshot_digest(path)})}
            return Experiment(name, "imported", self._analyses(keys))
        task_name = exp["task"]
        if task_name not in self.config["tasks"]:
            raise PlanError(f"experiment {name!r}: unknown task {task_name!r}; known: {sorted(self.config['tasks'])}")
        task = self.config["tasks"][task_name]
        problems = self._add("problems", self._problems_spec(task_name, task))
        verifier = self._verifier_spec(name, task_name, task, exp)
        if "attempts" in exp:
            source, samples = "attempts", self._attempts(name, exp["attempts"], problems)
            n_chunks = exp["attempts"]["n_attempts"] // exp["attempts"]["chunk_size"]
        else:
            source, samples = "sampled", self._samples(name, exp, task, problems, verifier)
            n_chunks = exp["sampling"]["n_samples"] // exp["sampling"]["chunk_size"]
        verdicts = self._add("verdicts", {"samples": samples, "problems": problems, "verifier": verifier})
        self.judged_by[samples] = verdicts
        keys = {"problems": problems, "attempts" if source == "attempts" else "samples": samples, "verdicts": verdicts}
        if allocation := exp.get("sampling", {}).get("allocation"):
            design = {**allocation, "chunk_size": exp["sampling"]["chunk_size"], "n_samples": exp["sampling"]["n_samples"]}
            keys["coverage"] = self._coverage(verdicts=verdicts, n_chunks=n_chunks, allocation=design)
            source = "adaptive"
        else:
            keys["coverage"] = self._coverage(verdicts=verdicts, n_chunks=n_chunks)
        if source != "attempts":
            keys.update(self._sample_analyses(exp, samples, problems, verdicts, n_chunks))
        return Experiment(name, source, self._analyses(keys), n_chunks)

    def _samples(self, name: str, exp: dict, task: dict, problems: str, verifier: dict) -> str:
        model_name, sampling = exp["model"], exp["sampling"]
        if model_name not in self.config["models"]:
            raise PlanError(f"experiment {name!r}: unknown model {model_name!r}; known: {sorted(self.config['models'])}")
        if sampling["n_samples"] % sampling["chunk_size"]:
            raise PlanError(
                f"experiment {name!r}: n_samples ({sampling['n_samples']}) must be a multiple of "
                f"chunk_size ({sampling['chunk_size']}) so chunks are re-usable when n_samples grows"
            )
        spec = {
            "problems": problems,
            "model": self._model_spec(model_name),
            "sampling": {k: v for k, v in sampling.items() if k != "n_samples"},
            "stop": list(task_kind(task["kind"]).stop),
        }
        if "allocation" in sampling:  # which problems a chunk samples depends on the verdicts
            spec["verifier"] = verifier
        key = self._add("samples", spec)
        self.engines[key] = engine_settings(self.config["models"][model_name])
        return key

    def _attempts(self, name: str, attempts: dict, problems: str) -> str:
        if not Path(attempts["path"]).is_file():
            raise PlanError(f"experiment {name!r}: attempts file {attempts['path']!r} not found")
        if attempts["n_attempts"] % attempts["chunk_size"]:
            raise PlanError(f"experiment {name!r}: attempts.n_attempts must be a multiple of attempts.chunk_size")
        return self._add("attempts", {
            "problems": problems,
            "attempts": {"path": attempts["path"], "sha256": snapshot_digest(attempts["path"]),
                         "chunk_size": attempts["chunk_size"]},
        })

    def _sample_analyses(self, exp: dict, samples: str, problems: str, verdicts: str, n_chunks: int) -> dict:
        keys = {"tokens": self._add("tokens", {"samples": samples, "n_chunks": n_chunks})}
        # The cheap scorer reads log-probabilities recorded while sampling; without them there is nothing to score.
        if exp["scorer"]["kind"] != "mean_logprob" or exp["sampling"]["logprobs"]:
            keys["scores"] = self._add("scores", {"samples": samples, "problems": problems, "scorer": exp["scorer"]})
        keys["selection"] = self._add("selection", {
            "verdicts": verdicts, "scores": keys.get("scores"), "n_chunks": n_chunks, **self.config["selection"],
            "bootstrap": self.config["coverage"]["bootstrap"],
        })
        return keys

    def _analyses(self, keys: dict) -> dict:
        coverage = keys["coverage"]
        keys["fits"] = self._add("fits", {"coverage": coverage, **self.config["fits"]})
        keys["extrapolation"] = self._add("extrapolation", {
            "coverage": coverage, **self.config["extrapolation"], "num_points": self.config["fits"]["num_points"],
        })
        return keys

    def _coverage(self, **inputs) -> str:
        return self._add("coverage", {**inputs, "bootstrap": self.config["coverage"]["bootstrap"]})

    def _verifier_spec(self, experiment: str, task_name: str, task: dict, exp: dict) -> dict:
        """Kind, version and every option: the task's settings, the experiment's overrides, and
        where a verifier option is also a prompt option (SWE-bench's clones), the prompt's value."""
        kind = task_kind(task["kind"])
        prompt = {k: v for k, v in task.get("prompt", {}).items() if k in _fields(kind.verifier_options)}
        values = {**prompt, **task.get("verifier", {}), **exp.get("verifier", {})}
        options = options_from(kind.verifier_options, values, f"experiment {experiment!r} (task {task_name!r}) verifier")
        return {"kind": kind.kind, "version": kind.verifier_version, **options_dict(options)}

    def _problems_spec(self, name: str, task: dict) -> dict:
        kind = task_kind(task["kind"])
        spec = {k: v for k, v in task.items() if k != "verifier"}
        spec["source"] = _with_snapshot(task["source"])
        if "few_shot" in task:
            if not kind.takes_few_shot:
                raise PlanError(f"task {name!r}: kind {kind.kind!r} takes no few-shot examples; remove `few_shot`")
            spec["few_shot"] = {**task["few_shot"], "source": _with_snapshot(task["few_shot"]["source"])}
        if "prompt" in task:
            options = options_from(kind.prompt_options, task["prompt"], f"task {name!r} prompt")
            spec["prompt"] = options_dict(options)
        return spec

    def _model_spec(self, name: str) -> dict:
        """The model fields that can change samples (an allow-list: a new field is never hashed
        by accident), `dtype: auto` resolved for the machine (bf16 and fp32 samples differ), plus
        the prepared model's key when it ships in a Python package."""
        model = self.config["models"][name]
        unknown = set(model) - {*SAMPLE_FIELDS, *ENGINE_FIELDS, *COST_FIELDS}
        if unknown:
            raise PlanError(f"model {name!r}: fields {sorted(unknown)} are not classified in monkeys.samples")
        spec = {k: model[k] for k in SAMPLE_FIELDS if k in model}
        spec["dtype"] = resolve_dtype(model["dtype"], self.gpu)
        if "package" in model["source"]:
            # Weights are stored in the dtype they are served in (bf16 where vLLM picks it).
            stored = "bfloat16" if spec["dtype"] == "auto" else spec["dtype"]
            spec["prepared"] = self._add("models", {"source": model["source"], "dtype": stored})
        return spec

    def _check_figure(self, name: str, figure: dict) -> None:
        kind = figure_kind(figure["kind"])
        unknown = [e for e in figure["experiments"] if e not in self.experiments]
        if unknown:
            raise PlanError(f"figure {name!r}: unknown experiment(s) {unknown}")
        for e in figure["experiments"]:
            experiment = self.experiments[e]
            missing = [a for a in kind.inputs.values() if a[0] not in experiment.keys]
            if missing:
                raise PlanError(f"figure {name!r} ({kind.name}) needs sampled experiments; "
                                f"{e!r} is {experiment.source} and has no {missing[0][0]}")
            if kind.fixed_n_only and experiment.source == "adaptive":
                raise PlanError(f"figure {name!r} ({kind.name}) needs every problem to have all its samples; "
                                f"{e!r} uses adaptive allocation")
            model = self.config["models"].get(self.config["experiments"][e].get("model"), {})
            if lacking := [f for f in kind.model_fields(figure) if f not in model]:
                raise PlanError(f"figure {name!r} ({kind.name}): model {self.config['experiments'][e]['model']!r} "
                                f"needs {', '.join(lacking)}")

    def figure_inputs(self, name: str) -> dict[str, list[str]]:
        figure = self.figures[name]
        kind = figure_kind(figure["kind"])
        return {
            input_name: [self.path(artifact, self.experiments[e].keys[artifact], output=output)
                         for e in figure["experiments"]]
            for input_name, (artifact, output) in kind.inputs.items()
        }


def _fields(cls) -> set[str]:
    return set(cls.__dataclass_fields__)


def _with_snapshot(source: dict) -> dict:
    """A data source plus the checksum of its local snapshot, when there is one."""
    local = source.get("local")
    return {**source, "local_sha256": snapshot_digest(local)} if local else dict(source)
