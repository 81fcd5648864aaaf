#!/usr/bin/env bash
# Peer check of `spindle convert --to hf` on SmolLM2-135M-Instruct (issue 12, round trip):
#
#   bash scripts/smollm2-hf-roundtrip.sh SPINDLE_BINARY [PROMPT]
#
# 1. converts the Q4_1 GGUF to a Hugging Face F32 folder with Spindle;
# 2. compares every tensor with llama.cpp's own F32 dequantization (smollm2-f32.gguf, written
#    by llama-quantize), Q/K rows permuted back as convert_hf_to_gguf.py permutes them;
# 3. loads the folder with transformers (AutoModelForCausalLM, AutoTokenizer), generates 16
#    tokens greedily, and compares the text with llama-simple's on smollm2-f32.gguf.
# Needs the peers (../shared/tools/peers.sh): $SPINDLE_PEERS, else ~/.cache/spindle-peers.
set -euo pipefail
spindle=$1
prompt=${2:-The capital of France is}
peers=${SPINDLE_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/spindle-peers}
python=$peers/venv/bin/python
q41=$peers/models/SmolLM2-135M-Instruct.Q4_1.gguf
f32=$peers/models/smollm2-f32.gguf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$spindle" convert "$q41" --to hf --dtype f32 -o "$work/hf" --quiet

PYTHONPATH=$peers/llama.cpp/gguf-py "$python" - "$work/hf" "$f32" <<'PY'
import sys, json, numpy as np
from gguf import GGUFReader
from safetensors.numpy import load_file
folder, reference = sys.argv[1], sys.argv[2]
hf = load_file(f"{folder}/model.safetensors")
config = json.load(open(f"{folder}/config.json"))
heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
def permute(w, n):
    return w.reshape(n, 2, w.shape[0] // n // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)
names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
         "output.weight": "lm_head.weight"}
parts = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
         "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
         "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj",
         "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
different = []
count = 0
for t in GGUFReader(reference).tensors:
    if t.name.startswith("blk."):
        _, layer, part, kind = t.name.split(".")
        name = f"model.layers.{layer}.{parts[part]}.{kind}"
    else:
        name = names[t.name]
    w = hf[name]
    if t.name.endswith("attn_q.weight"): w = permute(w, heads)
    if t.name.endswith("attn_k.weight"): w = permute(w, kv)
    ref = np.asarray(t.data).reshape(w.shape)
    count += 1
    if not np.array_equal(w.view(np.uint32), ref.view(np.uint32)): different.append(t.name)
print(f"tensors: {count - len(different)}/{count} bit-identical to llama.cpp's F32 dequantization"
      + (f"; differ: {different[:5]}" if different else ""))
sys.exit(1 if different or count != len(hf) else 0)
PY

"$python" - "$work/hf" "$prompt" > "$work/transformers.txt" <<'PY'
import sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
folder, prompt = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(folder)
model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
ids = tokenizer(prompt, return_tensors="pt").input_ids
out = model.generate(ids, max_new_tokens=16, do_sample=False)
print(tokenizer.decode(out[0][ids.shape[1]:]), end="")
PY
"$peers/llama.cpp/build/bin/llama-simple" -m "$f32" -n 16 "$prompt" 2>/dev/null > "$work/llama.txt"
transformers_text=$(cat "$work/transformers.txt")
llama_text=$(cat "$work/llama.txt")
echo "transformers: ${prompt}${transformers_text}"
echo "llama-simple: ${llama_text}"
if [ "${prompt}${transformers_text}" = "${llama_text}" ]; then
  echo "greedy text: same"
else
  echo "greedy text: DIFFERENT"
  exit 1
fi
