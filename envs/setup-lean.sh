#!/usr/bin/env bash
# Lean 4 toolchain, the pinned Mathlib and the Lean REPL, for the minif2f verifier (clusters,
# workstations; needs internet). Usage: envs/setup-lean.sh [DIR]   (default ~/.cache/monkeys/lean)
# Then: export MONKEYS_LEAN_DIR=DIR (if not the default) and make sure ~/.elan/bin is on PATH.
set -euo pipefail
DIR=${1:-${MONKEYS_LEAN_DIR:-$HOME/.cache/monkeys/lean}}
# Keep in sync with monkeys.tasks.minif2f (MATHLIB_REPOSITORY, MATHLIB_COMMIT).
MATHLIB_REPOSITORY=https://github.com/xinhjBrant/mathlib4
MATHLIB_COMMIT=2f65ba7f1a9144b20c8e7358513548e317d26de1
REPL_REPOSITORY=https://github.com/leanprover-community/repl

mkdir -p "$DIR"
if ! command -v elan >/dev/null; then
  curl -sSfL https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh | sh -s -- -y --default-toolchain none
  export PATH="$HOME/.elan/bin:$PATH"
fi

if [ ! -d "$DIR/mathlib4/.git" ]; then
  git clone "$MATHLIB_REPOSITORY" "$DIR/mathlib4"
fi
git -C "$DIR/mathlib4" fetch origin "$MATHLIB_COMMIT" 2>/dev/null || git -C "$DIR/mathlib4" fetch origin
git -C "$DIR/mathlib4" checkout --detach "$MATHLIB_COMMIT"
TOOLCHAIN=$(cat "$DIR/mathlib4/lean-toolchain")   # e.g. leanprover/lean4:v4.9.0; elan installs it
echo "Mathlib $MATHLIB_COMMIT uses $TOOLCHAIN"
(cd "$DIR/mathlib4" && lake exe cache get && lake build)

# The REPL must be built with the same Lean version: use its tag of that version.
VERSION=${TOOLCHAIN##*:}
if [ ! -d "$DIR/repl/.git" ]; then
  git clone "$REPL_REPOSITORY" "$DIR/repl"
fi
git -C "$DIR/repl" fetch --tags origin
if ! git -C "$DIR/repl" checkout --detach "$VERSION" 2>/dev/null; then
  echo "the REPL has no tag $VERSION; check out a commit whose lean-toolchain is $TOOLCHAIN in $DIR/repl" >&2
  exit 1
fi
cp "$DIR/mathlib4/lean-toolchain" "$DIR/repl/lean-toolchain"
(cd "$DIR/repl" && lake build)

# Smoke test: a known MiniF2F proof (mathd_algebra_182 of the valid split) checks.
printf '%s\n\n%s\n\n' '{"cmd": "import Mathlib"}' \
  '{"cmd": "theorem t (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := by ring", "env": 0}' |
  (cd "$DIR/mathlib4" && lake env "$DIR/repl/.lake/build/bin/repl")

# The verifier end to end (its trusted check is Lean code: only a real Lean compiles it). Needs the
# project's Python environment; skipped where `monkeys` is not importable.
if python3 -c "import monkeys" 2>/dev/null; then
  MONKEYS_LEAN_DIR="$DIR" python3 -m monkeys.tasks.minif2f.selfcheck
else
  echo "skipped the verifier's self-check (no monkeys package here): run" \
    "MONKEYS_LEAN_DIR=$DIR python -m monkeys.tasks.minif2f.selfcheck in the project's environment"
fi
echo "Lean verifier ready in $DIR"
