#!/usr/bin/env python3
"""Writes a llama-shaped Hugging Face folder whose safetensors shards are sparse holes.

usage: make-sparse-hf.py OUT_DIR LAYERS FIXTURE_DIR
Llama-3-8B widths (hidden 4096, 32 heads, 8 KV heads, intermediate 14336) with LAYERS layers and
the vocabulary of FIXTURE_DIR's tokenizer (its tokenizer.model, tokenizer_config.json and
generation_config.json are copied), F32, two layers per shard plus the index. Each shard is its
header, then `truncate` to the full size: the data reads as zeros and the disk stores nothing.
12 layers make about 10.5 GB. Prints the folder's apparent size in bytes.
"""
import json, os, shutil, struct, sys

out, layers, fixture = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
fixture_config = json.load(open(os.path.join(fixture, "config.json")))
vocab = fixture_config["vocab_size"]
hidden, heads, kv_heads, ffn = 4096, 32, 8, 14336
head_dim = hidden // heads
config = dict(fixture_config, hidden_size=hidden, num_attention_heads=heads,
              num_key_value_heads=kv_heads, head_dim=head_dim, intermediate_size=ffn,
              num_hidden_layers=layers, max_position_embeddings=8192)
json.dump(config, open(os.path.join(out, "config.json"), "w"), indent=2)
for name in ("tokenizer.model", "tokenizer_config.json", "generation_config.json"):
    shutil.copy(os.path.join(fixture, name), out)

def layer(i):
    p = f"model.layers.{i}."
    return [(p + "self_attn.q_proj.weight", [hidden, hidden]),
            (p + "self_attn.k_proj.weight", [kv_heads * head_dim, hidden]),
            (p + "self_attn.v_proj.weight", [kv_heads * head_dim, hidden]),
            (p + "self_attn.o_proj.weight", [hidden, hidden]),
            (p + "mlp.gate_proj.weight", [ffn, hidden]),
            (p + "mlp.up_proj.weight", [ffn, hidden]),
            (p + "mlp.down_proj.weight", [hidden, ffn]),
            (p + "input_layernorm.weight", [hidden]),
            (p + "post_attention_layernorm.weight", [hidden])]

groups = [[("model.embed_tokens.weight", [vocab, hidden])]]
for i in range(0, layers, 2):
    groups.append([t for j in range(i, min(layers, i + 2)) for t in layer(j)])
groups[-1] += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
groups[1] = groups[0] + groups[1]
groups = groups[1:]

weight_map, total = {}, 0
for n, group in enumerate(groups, 1):
    file = f"model-{n:05d}-of-{len(groups):05d}.safetensors"
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in group:
        size = 4
        for d in shape:
            size *= d
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        weight_map[name] = file
        offset += size
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(out, file), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        f.truncate(8 + len(text) + offset)
    total += offset
json.dump({"metadata": {"total_size": total}, "weight_map": weight_map},
          open(os.path.join(out, "model.safetensors.index.json"), "w"), indent=2)
print(sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)))
