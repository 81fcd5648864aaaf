#!/usr/bin/env bash
# Prompt processing (pp) and generation (tg) tokens/s of Spindle's forward pass against
# llama.cpp's llama-bench, same models, same thread count, interleaved in one run:
#
#   bash Benchmarks/inference.sh SPINDLE LLAMA_BENCH MODEL...
#
# Per model and round: `llama-bench -m MODEL -p P -n N -t T -r R`, then
# `spindle bench MODEL -p P -n N -t T -r R --numerics exact`, then the same with
# `--numerics llama.cpp` (both tools do one warm-up run and average R timed runs; pp is one
# batch of P tokens into an empty KV cache, tg is N single-token steps from an empty cache).
# ROUNDS rounds (default 2) alternate the tools so the load of a shared machine falls on all
# alike; a rate is the mean over the rounds. Prints a Markdown table of rates and ratios
# (Spindle / llama.cpp). Environment: P=256 N=32 T=2 R=3 ROUNDS=2.
set -euo pipefail
spindle=$1
llama_bench=$2
shift 2
P=${P:-256}
N=${N:-32}
T=${T:-2}
R=${R:-3}
ROUNDS=${ROUNDS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for round in $(seq 1 "$ROUNDS"); do
  for model in "$@"; do
    name=$(basename "$model" .gguf)
    echo "round $round: $name" >&2
    "$llama_bench" -m "$model" -p "$P" -n "$N" -t "$T" -r "$R" -o json 2>/dev/null \
      >"$out/$name.llama.$round.json"
    for numerics in exact llama.cpp; do
      "$spindle" bench "$model" -p "$P" -n "$N" -t "$T" -r "$R" --numerics "$numerics" --json \
        >"$out/$name.$numerics.$round.jsonl"
    done
  done
done

python3 - "$out" "$P" "$N" "$T" "$ROUNDS" "$@" <<'PY'
import json, os, sys, statistics
out, P, N, T, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
models = [os.path.basename(m)[:-5] if m.endswith(".gguf") else os.path.basename(m) for m in sys.argv[6:]]

def llama(name, test):
    rates = []
    for r in range(1, rounds + 1):
        for row in json.load(open(f"{out}/{name}.llama.{r}.json")):
            kind = f"pp{row['n_prompt']}" if row["n_gen"] == 0 else f"tg{row['n_gen']}"
            if kind == test:
                rates.append(row["avg_ts"])
    return rates

def spindle(name, numerics, test):
    rates = []
    for r in range(1, rounds + 1):
        for line in open(f"{out}/{name}.{numerics}.{r}.jsonl"):
            row = json.loads(line)
            if row["test"] == test:
                rates.append(row["tokens_per_second"])
    return rates

def show(rates):
    mean = statistics.mean(rates)
    spread = f" ({min(rates):.1f}–{max(rates):.1f})" if len(rates) > 1 else ""
    return mean, f"{mean:.1f}{spread}"

print(f"| model | test | llama.cpp t/s | Spindle exact t/s | exact / llama.cpp | Spindle llama.cpp-numerics t/s | llama.cpp-numerics / llama.cpp |")
print("|---|---|---:|---:|---:|---:|---:|")
for name in models:
    for test in (f"pp{P}", f"tg{N}"):
        base, base_text = show(llama(name, test))
        exact, exact_text = show(spindle(name, "exact", test))
        cpp, cpp_text = show(spindle(name, "llama.cpp", test))
        print(f"| {name} | {test} | {base_text} | {exact_text} | **{exact / base:.2f}** | {cpp_text} | **{cpp / base:.2f}** |")
print(f"\n(-t {T}, -r per tool and round as given, {rounds} interleaved rounds; rates are means over rounds, min–max in parentheses.)")
PY
