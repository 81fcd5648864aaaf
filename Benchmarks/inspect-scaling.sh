#!/usr/bin/env bash
# `spindle inspect` must cost O(header): time it on a small file and on a multi-GB sparse file
# with the same header size and report the ratio (≈ 1 means the file size does not matter).
set -euo pipefail
BIN=${1:-.build/release/spindle}
GIB=${GIB:-8}
RUNS=${RUNS:-30}
DIR=${BENCH_DIR:-.build/bench-data}
python3 "$(dirname "$0")/make-sparse.py" "$DIR" "$GIB"
time_runs() {  # prints mean milliseconds per run of `spindle inspect FILE`
  local file=$1 start end
  "$BIN" inspect "$file" >/dev/null  # warm the page cache
  start=$(date +%s%N)
  for _ in $(seq "$RUNS"); do "$BIN" inspect "$file" >/dev/null; done
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" -v n="$RUNS" 'BEGIN { printf "%.3f", (b - a) / 1e6 / n }' 
}
printf '%-28s %12s %10s %8s\n' file bytes ms/run ratio
for ext in gguf safetensors; do
  small=$(time_runs "$DIR/small.$ext")
  big=$(time_runs "$DIR/sparse-${GIB}g.$ext")
  printf '%-28s %12s %10s %8s\n' "small.$ext" "$(stat -c %s "$DIR/small.$ext")" "$small" "1.00"
  printf '%-28s %12s %10s %8s\n' "sparse-${GIB}g.$ext" "$(stat -c %s "$DIR/sparse-${GIB}g.$ext")" "$big" \
    "$(awk -v a="$big" -v b="$small" 'BEGIN { printf "%.2f", a / b }')"
done
