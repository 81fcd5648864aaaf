#!/usr/bin/env bash
# The main job on the committed tiny llama model, as far as Spindle can do it today:
#   convert → inspect → validate → stamp YaRN → bake tables → check them → verify with the forward
#   pass → compare scalings by perplexity (eval-context) → what each runtime applies (rope
#   --runtimes) → what the window costs (memory) → the kernels chosen at run time (bench).
set -euo pipefail
BIN=${1:-.build/release/spindle}
MODEL=${2:-fixtures/gguf/tiny-llama.gguf}
WORK=${DEMO_DIR:-.build/demo}
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }
rm -rf "$WORK" && mkdir -p "$WORK"

HF=fixtures/architectures/models/llama
step "0. convert: a folder transformers wrote → the GGUF llama.cpp's converter writes (tokenizer too)" \
  "$BIN" convert "$HF" -o "$WORK/converted-f16.gguf" --dtype f16 --quiet
step "   llama-quantize's Q4_K_M types in the same single pass" \
  "$BIN" convert "$HF" -o "$WORK/converted-q4_k_m.gguf" --quant q4_k_m --quiet
step "   ..." "$BIN" validate "$WORK/converted-q4_k_m.gguf"
step "   and back: a Hugging Face folder again (F32, Q/K permutation undone)" \
  "$BIN" convert "$WORK/converted-f16.gguf" --to hf -o "$WORK/converted-hf" --dtype f32
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
step "5. bake the YaRN tables into the model: rope_freqs.weight + attention factor, no runtime scaling" \
  "$BIN" tables "$WORK/tiny-llama-yarn4.gguf" --dry-run
step "   ..." "$BIN" tables "$WORK/tiny-llama-yarn4.gguf" -o "$WORK/tiny-llama-tables.gguf"
step "   portable: the attention factor folded into the Q/K weights as well" \
  "$BIN" stamp "$MODEL" --yarn 4 --tables --bake-attention -o "$WORK/tiny-llama-portable.gguf"
step "6. check: the tables are recomputed from their spindle.rope record" \
  "$BIN" rope "$WORK/tiny-llama-portable.gguf"
step "   validate fails a table that does not match (here: the attention factor declared twice)" \
  "$BIN" meta set "$WORK/tiny-llama-portable.gguf" llama.rope.scaling.attn_factor=1.1386 --type float32 --in-place
if "$BIN" validate "$WORK/tiny-llama-portable.gguf"; then
  echo "validate should have failed" >&2; exit 1
else
  echo "(exit status $? as expected)"
fi
step "   restore undoes the edit" "$BIN" restore "$WORK/tiny-llama-portable.gguf"
step "   ..." "$BIN" validate "$WORK/tiny-llama-portable.gguf"
step "7. verify: structure, tables, runtime-vs-baked attention scores in every layer, drift and long-context NLL vs the original (within a 2-minute budget, planned first)" \
  "$BIN" verify "$WORK/tiny-llama-tables.gguf" --against "$MODEL"
step "   portable: the runtime side runs on the original's weights" \
  "$BIN" verify "$WORK/tiny-llama-portable.gguf" --against "$MODEL" --long-context 2560
step "   a corrupted copy fails (one F16 NaN written into blk.1.ffn_down.weight)" \
  cp "$WORK/tiny-llama-yarn4.gguf" "$WORK/tiny-llama-corrupt.gguf"
OFFSET=$("$BIN" inspect "$WORK/tiny-llama-corrupt.gguf" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = next(t for t in d["tensors"] if t["name"] == "blk.1.ffn_down.weight")
print(t["offset"])')
printf '\x00\x7e' | dd of="$WORK/tiny-llama-corrupt.gguf" bs=1 seek="$((OFFSET + 34))" conv=notrunc status=none
if "$BIN" verify "$WORK/tiny-llama-corrupt.gguf" --against "$MODEL" --structure-only; then
  echo "verify should have failed" >&2; exit 1
else
  echo "(exit status $? as expected)"
fi
step "8. eval-context: perplexity by context length under each scaling, applied at load time (random weights here, so only the mechanics show; docs/long-context.md has SmolLM2's figures)" \
  "$BIN" eval-context "$MODEL" --text README.md --lengths 1024,2048,4096 \
  --methods none,linear,yarn,dynamic-yarn --plot "$WORK/perplexity.svg" --quiet
step "9. before deployment: what each runtime applies for a stamped config (transformers, vLLM, llama.cpp by version), with causes and fixes" \
  "$BIN" stamp fixtures/runtimes/llama3-default --yarn 4 -o "$WORK/llama3-yarn4"
step "   ..." "$BIN" rope "$WORK/llama3-yarn4" --runtimes
step "   Qwen3's published recipe (max_position_embeddings 40960, YaRN ×4 from 32768) as runtimes read it" \
  "$BIN" rope fixtures/runtimes/qwen3-yarn4-40960/config.json --runtimes
step "10. memory: llama.cpp's buffers at the stamped window (KV cache as llama.cpp sizes it to the byte)" \
  "$BIN" memory "$WORK/tiny-llama-yarn4.gguf"
step "11. speed: this binary was built with no CPU flags; its kernels were chosen from the CPU at run time" \
  "$BIN" bench "$WORK/tiny-llama-yarn4.gguf" -p 64 -n 16 -r 2
step "   the kernels a CPU without AVX gets (SPINDLE_KERNELS lowers the level; the bits do not change)" \
  env SPINDLE_KERNELS=baseline "$BIN" bench "$WORK/tiny-llama-yarn4.gguf" -p 64 -n 16 -r 2
