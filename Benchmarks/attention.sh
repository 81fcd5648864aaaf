#!/usr/bin/env bash
# Exact attention's speed at long lengths against the machine's fused multiply-add peak:
#
#   bash Benchmarks/attention.sh SPINDLE PYTHON MODEL.gguf [LENGTHS]
#
# The peak: Benchmarks/fma-peak.swift (swiftc -O -Xcc -march=native, every core). The passes:
# `spindle bench MODEL -p 0 -n 0 --context N --json` (one whole-sequence pass of N tokens, exact
# numerics, one logit row) for N in LENGTHS (default "4096 16384 32768"). Attention's seconds are
# the pass's own measurement (`attention_seconds`: wall time in scores, softmax and V·p), and its
# operations `layers·heads·4·d·N(N+1)/2` (scores and V·p, a multiply and an add each). PYTHON
# (with PyPI gguf) reads the shape.
set -euo pipefail
spindle=$1
python=$2
model=$3
lengths=${4:-4096 16384 32768}
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
d = E // H
peak = float(re.search(r"([0-9.]+) GFLOP/s", open(f"{out}/peak.txt").read()).group(1))
def attention(n): return L * H * 4 * d * n * (n + 1) / 2
passes = [json.loads(line) for line in open(f"{out}/passes.jsonl")]
print(f"FMA peak {peak:.0f} GFLOP/s ({passes[0]['threads']} threads, kernels {passes[0]['kernels']})\n")
print("| tokens | pass s | attention s | attention share of the pass | attention GFLOP/s | of FMA peak |")
print("|---:|---:|---:|---:|---:|---:|")
for p in passes:
    n = p["tokens"]
    seconds = p["attention_seconds"]
    gflops = attention(n) / seconds / 1e9
    print(f"| {n} | {p['seconds']:.1f} | {seconds:.1f} | {seconds / p['seconds']:.0%} | {gflops:.0f} | **{gflops / peak:.0%}** |")
PY
