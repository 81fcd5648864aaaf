#!/usr/bin/env bash
# A plain `swift build -c release` binary (kernels chosen at run time) against one built with
# `-target-cpu native`, and each kernel level of the plain binary, interleaved in one run:
#
#   bash Benchmarks/kernel-levels.sh PLAIN NATIVE MODEL...
#
# Per model, round and numerics (exact, llama.cpp): `spindle bench MODEL -p P -n N -t T -r R`
# with NATIVE, then PLAIN, then PLAIN with SPINDLE_KERNELS=avx2 (a CPU without AVX-512 runs
# that copy); ROUNDS rounds (default 2); SPINDLE_KERNELS=baseline once per model at the end (a
# CPU without AVX, and what a plain build was before). Prints a Markdown table: rates (mean
# over rounds, min–max) and plain / native. Environment: P=64 N=16 T=2 R=2 ROUNDS=2.
set -euo pipefail
plain=$1
native=$2
shift 2
P=${P:-64}
N=${N:-16}
T=${T:-2}
R=${R:-2}
ROUNDS=${ROUNDS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bench() {  # binary level model numerics file
  SPINDLE_KERNELS=$2 "$1" bench "$3" -p "$P" -n "$N" -t "$T" -r "$R" --numerics "$4" --json >>"$5"
}
for round in $(seq 1 "$ROUNDS"); do
  for model in "$@"; do
    name=$(basename "$model" .gguf)
    echo "round $round: $name" >&2
    for numerics in exact llama.cpp; do
      bench "$native" "" "$model" "$numerics" "$out/$name.$numerics.native.jsonl"
      bench "$plain" "" "$model" "$numerics" "$out/$name.$numerics.plain.jsonl"
      bench "$plain" avx2 "$model" "$numerics" "$out/$name.$numerics.avx2.jsonl"
    done
  done
done
for model in "$@"; do
  name=$(basename "$model" .gguf)
  echo "baseline: $name" >&2
  for numerics in exact llama.cpp; do
    bench "$plain" baseline "$model" "$numerics" "$out/$name.$numerics.baseline.jsonl"
  done
done

python3 - "$out" "$P" "$N" "$T" "$ROUNDS" "$@" <<'PY'
import json, os, statistics, sys
out, P, N, T, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
models = [os.path.basename(m)[:-5] if m.endswith(".gguf") else os.path.basename(m) for m in sys.argv[6:]]

def rates(name, numerics, build, test):
    rows = [json.loads(line) for line in open(f"{out}/{name}.{numerics}.{build}.jsonl")]
    return [r["tokens_per_second"] for r in rows if r["test"] == test], {r["kernels"] for r in rows}

def show(values):
    mean = statistics.mean(values)
    spread = f" ({min(values):.1f}–{max(values):.1f})" if len(values) > 1 else ""
    return mean, f"{mean:.1f}{spread}"

print("| model | numerics | test | native t/s | plain t/s | plain / native | plain, avx2 kernels t/s | plain, baseline kernels t/s |")
print("|---|---|---|---:|---:|---:|---:|---:|")
for name in models:
    for numerics in ("exact", "llama.cpp"):
        for test in (f"pp{P}", f"tg{N}"):
            (native, levels_n), (plain, levels_p) = rates(name, numerics, "native", test), rates(name, numerics, "plain", test)
            avx2, _ = rates(name, numerics, "avx2", test)
            base, _ = rates(name, numerics, "baseline", test)
            n, n_text = show(native)
            p, p_text = show(plain)
            print(f"| {name} | {numerics} | {test} | {n_text} | {p_text} | **{p / n:.2f}** | {show(avx2)[1]} | {show(base)[1]} |")
kernels = sorted(rates(models[0], "exact", "plain", f"pp{P}")[1])
print(f"\n(-t {T}, -r {os.environ.get('R', '2')}, {rounds} interleaved rounds, plain binary's default kernels: {', '.join(kernels)}; rates are means over rounds, min–max in parentheses.)")
PY
