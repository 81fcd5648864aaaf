#!/usr/bin/env bash
# Exact attention's speed at long lengths against the machine's fused multiply-add peak:
#
#   bash Benchmarks/attention.sh SPINDLE PYTHON MODEL.gguf [LENGTHS]
#
# The peak: Benchmarks/fma-peak.swift (swiftc -O -Xcc -march=native, every core). The passes:
# `spindle bench MODEL -p 0 -n 0 --context N --json` (one whole-sequence pass of N tokens, exact
# numerics, one logit row) for N in LENGTHS (default "512 4096 16384 32768"). A pass is products
# (linear in N) plus attention (`layers·heads·4·d·N(N+1)/2` operations: scores and V·p); the
# products' rate is the whole 512-token pass's (attention is ~2 % of it), so attention's seconds
# at N are the pass's minus its products at that rate. PYTHON (with PyPI gguf) reads the shape.
set -euo pipefail
spindle=$1
python=$2
model=$3
lengths=${4:-512 4096 16384 32768}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swiftc -O -Xcc -march=native -parse-as-library "$(dirname "$0")/fma-peak.swift" -o "$out/fma-peak" \
  2>/dev/null || swiftc -O -Xcc -march=native "$(dirname "$0")/fma-peak.swift" -o "$out/fma-peak"
"$out/fma-peak" | tee "$out/peak.txt" >&2
for n in $lengths; do
  echo "context $n" >&2
  "$spindle" bench "$model" -p 0 -n 0 --context "$n" --json >>"$out/passes.jsonl"
done
"$python" - "$model" "$out" <<'PY'
import json, re, sys
import gguf
model, out = sys.argv[1], sys.argv[2]
reader = gguf.GGUFReader(model)
def value(key):
    field = reader.fields[key]
    return field.parts[field.data[0]][0].item()
arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
L = value(f"{arch}.block_count"); E = value(f"{arch}.embedding_length")
H = value(f"{arch}.attention.head_count"); KVH = value(f"{arch}.attention.head_count_kv")
FF = value(f"{arch}.feed_forward_length")
V = next(t for t in reader.tensors if t.name == "token_embd.weight").shape[1]
d = E // H
peak = float(re.search(r"([0-9.]+) GFLOP/s", open(f"{out}/peak.txt").read()).group(1))
def products(n): return 2 * n * L * (2 * E * H * d + 2 * E * KVH * d + 3 * E * FF) + 2 * V * E
def attention(n): return L * H * 4 * d * n * (n + 1) / 2
passes = [json.loads(line) for line in open(f"{out}/passes.jsonl")]
short = min(passes, key=lambda p: p["tokens"])
rate = (products(short["tokens"]) + attention(short["tokens"])) / short["seconds"]
print(f"FMA peak {peak:.0f} GFLOP/s ({passes[0]['threads']} threads, kernels {passes[0]['kernels']}); "
      f"products at {rate / 1e9:.0f} GFLOP/s ({short['tokens']}-token pass)\n")
print("| tokens | pass s | attention share of operations | attention s | attention GFLOP/s | of FMA peak |")
print("|---:|---:|---:|---:|---:|---:|")
for p in passes:
    n = p["tokens"]
    if n == short["tokens"]:
        continue
    seconds = p["seconds"] - products(n) / rate
    share = attention(n) / (attention(n) + products(n))
    gflops = attention(n) / seconds / 1e9
    print(f"| {n} | {p['seconds']:.1f} | {share:.0%} | {seconds:.1f} | {gflops:.0f} | **{gflops / peak:.0%}** |")
PY
