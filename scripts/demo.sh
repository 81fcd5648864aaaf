#!/usr/bin/env bash
# The main job on the committed tiny llama model, as far as Spindle can do it today:
#   inspect → validate → stamp YaRN → (bake tables → verify: arriving with issues #4 and #5).
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
step "3. stamp YaRN x4: first the exact change, then a patched copy" \
  "$BIN" stamp "$MODEL" --yarn 4 --dry-run
step "   ..." "$BIN" stamp "$MODEL" --yarn 4 -o "$WORK/tiny-llama-yarn4.gguf"
step "   the patched copy is valid and carries llama.cpp's keys" "$BIN" validate "$WORK/tiny-llama-yarn4.gguf"
step "   ..." "$BIN" inspect "$WORK/tiny-llama-yarn4.gguf" --metadata llama.context_length \
  --metadata llama.rope.scaling.type --metadata llama.rope.scaling.factor \
  --metadata llama.rope.scaling.original_context_length
step "   what YaRN does to each rotary pair (the plot goes to $WORK/rope.svg)" \
  "$BIN" rope "$WORK/tiny-llama-yarn4.gguf" --plot "$WORK/rope.svg"
step "   the Hugging Face form: config.json changes only where it must" \
  "$BIN" stamp fixtures/hf/tiny-llama --yarn 4 --dry-run
step "4. rewrite with 16 KiB of header room for later in-place patches" \
  "$BIN" rewrite "$WORK/tiny-llama-yarn4.gguf" -o "$WORK/tiny-llama-roomy.gguf" --reserve 16384
step "   re-stamp in place: only the header bytes are written, with an undo journal" \
  "$BIN" stamp "$WORK/tiny-llama-roomy.gguf" --yarn 8 --replace --in-place
step "   ...and undo it: the file is byte-identical to before" "$BIN" restore "$WORK/tiny-llama-roomy.gguf"
step "   ..." "$BIN" inspect "$WORK/tiny-llama-roomy.gguf" --metadata llama.rope.scaling.factor
printf '\n(baking the YaRN tables and verify arrive with issues #4 and #5.)\n'
