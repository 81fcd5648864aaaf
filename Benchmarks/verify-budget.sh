#!/usr/bin/env bash
# `spindle verify --against` with the default budget (2 min) on SmolLM2-135M Q4_1 stamped YaRN ×4
# (tables baked) and on a llama-7B-shaped Q4_0 model with random weights (3.8 GB, made by
# Benchmarks/make-llama7b.py with PyPI gguf) stamped YaRN ×2:
#
#   bash Benchmarks/verify-budget.sh SPINDLE PYTHON SMOLLM2_Q4_1 WORK_DIR
#
# Per model: wall seconds (the report's own `seconds`), the plan (stderr), what each check ran,
# and memory sampled from /proc every 0.2 s: peak RSS (VmHWM), its file-backed part (the mapped
# weights) and its anonymous part (what verify allocates). WORK_DIR needs ~12 GB free.
set -euo pipefail
spindle=$1
python=$2
smollm2=$3
work=$4
mkdir -p "$work"

measure() {  # name patched original
  local name=$1 patched=$2 original=$3
  "$spindle" verify "$patched" --against "$original" --json >"$work/$name.json" \
    2>"$work/$name.err" &
  local pid=$! anon=0 file=0 hwm=0 a f h
  while kill -0 "$pid" 2>/dev/null; do
    if [ -r "/proc/$pid/status" ]; then
      a=$(awk '/^RssAnon/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      f=$(awk '/^RssFile/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      h=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "${a:-0}" -gt "$anon" ] && anon=$a
      [ "${f:-0}" -gt "$file" ] && file=$f
      [ "${h:-0}" -gt "$hwm" ] && hwm=$h
    fi
    sleep 0.2
  done
  wait "$pid" || true
  sed -n '/^plan/,/^  total/p' "$work/$name.err"
  python3 - "$work/$name.json" "$name" "$anon" "$file" "$hwm" "$(stat -c %s "$patched")" \
    "$(stat -c %s "$original")" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
name, anon, file, hwm, a, b = sys.argv[2], *map(int, sys.argv[3:8])
mib = lambda kb: f"{kb / 1024:.0f} MiB"
weights = (a + b) // 1024
checks = ", ".join(f"{c['name']} {c['status'].upper()}" for c in report["checks"][6:])
plan = report["plan"]
print(f"| {name} | {(a + b) / 2**30:.2f} GiB | {report['seconds']:.1f} s | {plan['drift_tokens']} | "
      f"{plan['long_context_tokens']} of {plan['long_context_requested_tokens']} | {checks} | "
      f"{mib(hwm)} | {mib(file)} | {mib(anon)} | {mib(hwm - weights)} |")
PY
}

rm -f "$work/smollm2-yarn4.gguf" "$work/llama7b-yarn2.gguf"
"$spindle" stamp "$smollm2" --yarn 4 --tables -o "$work/smollm2-yarn4.gguf" >/dev/null
"$python" "$(dirname "$0")/make-llama7b.py" "$work/llama7b-q4_0.gguf" >/dev/null
"$spindle" stamp "$work/llama7b-q4_0.gguf" --yarn 2 -o "$work/llama7b-yarn2.gguf" \
  >/dev/null
echo "| model | weights (both files) | verify wall | drift tokens | long-context tokens (of asked) | forward-pass checks | peak RSS | of it file-backed | of it anonymous | peak RSS − both files |"
echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"
measure "SmolLM2-135M Q4_1, YaRN ×4 tables" "$work/smollm2-yarn4.gguf" "$smollm2"
measure "llama-7B-shaped Q4_0, YaRN ×2" "$work/llama7b-yarn2.gguf" "$work/llama7b-q4_0.gguf"
