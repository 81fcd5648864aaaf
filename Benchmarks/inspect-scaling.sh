#!/usr/bin/env bash
# `spindle inspect` must cost O(header): time it on a small file and on a multi-GB sparse file
# with the same header, and report the ratio (≈ 1 means the file size does not matter).
# With a Python that has PyPI gguf/safetensors (the peers), the same is timed for gguf-dump
# and safetensors' safe_open in the same run, and Spindle's time is given as a ratio to theirs.
set -euo pipefail
BIN=${1:-.build/release/spindle}
PY=${2:-}
REAL_MODEL=${3:-}
GIB=${GIB:-8}
RUNS=${RUNS:-20}
DIR=${BENCH_DIR:-.build/bench-data}
python3 "$(dirname "$0")/make-sparse.py" "$DIR" "$GIB"
mean_ms() {  # mean milliseconds per run of the command
  "$@" >/dev/null  # warm the page cache
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$RUNS"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" -v n="$RUNS" 'BEGIN { printf "%.2f", (b - a) / 1e6 / n }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
peer() {  # the peers' header-only read of the same file
  case "$1" in
    *.gguf) "$PY" -c 'import sys, gguf; r = gguf.GGUFReader(sys.argv[1]); print(len(r.tensors), len(r.fields))' "$1" ;;
    *) "$PY" -c 'import sys; from safetensors import safe_open; f = safe_open(sys.argv[1], "np"); print(len(f.keys()), f.metadata())' "$1" ;;
  esac
}
echo "inspect, $RUNS runs each, mean ms per run (process start included); sparse files are ${GIB} GiB"
printf '%-24s %14s %11s %12s %11s %13s\n' file bytes spindle size-ratio peer spindle/peer
for ext in gguf safetensors; do
  small=$(mean_ms "$BIN" inspect "$DIR/small.$ext")
  for file in "$DIR/small.$ext" "$DIR/sparse-${GIB}g.$ext"; do
    ours=$(mean_ms "$BIN" inspect "$file")
    theirs="-"; versus="-"
    if [ -n "$PY" ]; then theirs=$(mean_ms peer "$file"); versus=$(ratio "$ours" "$theirs"); fi
    printf '%-24s %14s %11s %12s %11s %13s\n' "$(basename "$file")" "$(stat -c %s "$file")" "$ours" \
      "$(ratio "$ours" "$small")" "$theirs" "$versus"
  done
done
if [ -n "$REAL_MODEL" ] && [ -f "$REAL_MODEL" ]; then
  ours=$(mean_ms "$BIN" inspect "$REAL_MODEL")
  theirs=$(mean_ms peer "$REAL_MODEL")
  printf '%-24s %14s %11s %12s %11s %13s\n' "$(basename "$REAL_MODEL" | cut -c1-24)" \
    "$(stat -c %s "$REAL_MODEL")" "$ours" "-" "$theirs" "$(ratio "$ours" "$theirs")"
fi
