#!/usr/bin/env bash
# The main job on the committed tiny llama model, as far as Spindle can do it today:
#   inspect → validate → (stamp YaRN → bake tables → verify: arriving with the next issues).
set -euo pipefail
BIN=${1:-.build/release/spindle}
MODEL=${2:-fixtures/gguf/tiny-llama.gguf}
WORK=${DEMO_DIR:-.build/demo}
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }
rm -rf "$WORK" && mkdir -p "$WORK"

step "1. inspect: what is inside (headers only)" "$BIN" inspect "$MODEL"
step "   one key, in full" "$BIN" inspect "$MODEL" --metadata llama.context_length --metadata llama.rope.freq_base
step "2. validate: the checks llama.cpp's gguf.cpp makes" "$BIN" validate "$MODEL"
step "   the same model as a Hugging Face folder" "$BIN" validate fixtures/hf/tiny-llama
step "3. rewrite with 16 KiB reserved header room for later in-place patches" \
  "$BIN" rewrite "$MODEL" -o "$WORK/tiny-llama.gguf" --reserve 16384
step "   the copy is valid and holds the same tensors" "$BIN" validate "$WORK/tiny-llama.gguf"
printf '\n(stamp YaRN, bake tables and verify arrive with issues #3, #4 and #5.)\n'
