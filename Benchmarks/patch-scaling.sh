#!/usr/bin/env bash
# Patching metadata must cost O(header), and a forced rewrite must stream at about `cp` speed
# (issue #4). In one run, on files with make-sparse.py's 64-tensor header:
#  a) in place: `spindle meta set FILE general.name=… --in-place` (alternating two values of the same
#     length, so every run is a header-only write) on a ~10 MiB dense file, an 8 GiB sparse
#     file and a 2 GiB dense file: time ratio to the small file, and the bytes each patch
#     writes (journal + header), counted from outside the process with strace;
#  b) `spindle rewrite` of the 2 GiB dense file vs `cp` + `sync FILE` of it (Spindle fsyncs
#     its output, so cp's copy is fsync'd too), page cache dropped before each run when we may;
#  c) the peer, gguf-py's gguf_new_metadata.py, doing the same edit on the 2 GiB file (it
#     rewrites the whole file; + `sync FILE` likewise), vs Spindle's in-place edit and rewrite.
# Prints markdown tables. Writes its data under $BENCH_DIR (default .build/bench-data; the 2 GiB
# dense file is kept for the next run) and needs about 3 × 2 GiB free while it runs.
set -euo pipefail
shopt -s inherit_errexit
BIN=${1:-.build/release/spindle}
PY=${2:-}  # a Python with PyPI gguf (the peers' venv); without it, part c is skipped
GIB=${GIB:-8}
SMALL_MIB=${SMALL_MIB:-10}
DENSE_MIB=${DENSE_MIB:-2048}
RUNS=${RUNS:-20}          # in-place edits per file
BIG_RUNS=${BIG_RUNS:-5}   # whole-file copies per command
DIR=${BENCH_DIR:-.build/bench-data}
here=$(dirname "$0")
python3 "$here/make-sparse.py" "$DIR" "$GIB"
small=$(python3 "$here/make-dense.py" "$DIR" "$SMALL_MIB")
dense=$(python3 "$here/make-dense.py" "$DIR" "$DENSE_MIB")
sparse=$DIR/sparse-${GIB}g.gguf
if ! command -v strace >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq strace; } >/dev/null 2>&1 ||
    echo "strace missing: bytes written not measured" >&2
fi
cache="cold (page cache dropped before each run)"
drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null
drop_caches || cache="warm (could not drop the page cache; one untimed run first)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
grouped() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
quietly() {  # runs the command with its output hidden, shown if it fails
  "$@" >/dev/null 2>"$DIR/stderr.log" || { echo "failed: $*" >&2; cat "$DIR/stderr.log" >&2; return 1; }
}
# Bytes the command and its children write to files: the sum of what write, pwrite64, writev,
# pwritev, copy_file_range, sendfile and splice return, except writes to stdout/stderr.
bytes_written() {
  command -v strace >/dev/null || { echo "-"; return; }
  local log=$DIR/strace
  rm -rf "$log" && mkdir -p "$log"
  quietly strace -ff -qq -s 0 -o "$log/t" \
    -e trace=write,pwrite64,writev,pwritev,pwritev2,copy_file_range,sendfile,splice "$@"
  cat "$log"/t.* | python3 -c '
import re, sys
total = 0
for line in sys.stdin:
    m = re.match(r"(\w+)\((\d+),.*\)\s+=\s+(\d+)", line)
    if m and not (m[1] in ("write", "writev", "pwrite64", "pwritev", "pwritev2") and m[2] in ("1", "2")):
        total += int(m[3])
print(total)'
  rm -rf "$log"
}
header_bytes() {  # the GGUF header: everything before the tensor data
  python3 - "$1" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb"); b = f.read(1 << 20)
n_t, n_kv = struct.unpack_from("<QQ", b, 8); p = 24
def s(p): return p + 8 + struct.unpack_from("<Q", b, p)[0]
for _ in range(n_kv):  # this header has string values only
    p = s(p); assert struct.unpack_from("<I", b, p)[0] == 8; p = s(p + 4)
for _ in range(n_t):
    p = s(p); nd = struct.unpack_from("<I", b, p)[0]; p += 4 + 8 * nd + 4 + 8
print((p + 31) // 32 * 32)
PY
}
# In place: alternate general.name between two values of the same length.
name="sparse bench"
toggle() { if [ "$name" = "sparse bench" ]; then name="sparse BENCH"; else name="sparse bench"; fi; }
edit() { toggle; quietly "$BIN" meta set "$1" "general.name=$name" --in-place --quiet; }
us() { echo "${EPOCHREALTIME/./}"; }  # microseconds, without starting a process
median_ms() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.'"${1:-2}"'f", m / 1e3 }'; }
cp_sync=(bash -c 'cp "$1" "$2" && sync "$2"' cp_sync)
# gguf-py's gguf_new_metadata.py: the same edit, written to a new file.
peer_edit=(bash -c '"$0" -m gguf.scripts.gguf_new_metadata "$1" "$2" --general-name "sparse BENCH" --force && sync "$2"' "$PY")

# Runs are interleaved (one of each file or command per round), so the load of this shared
# machine falls on all of them alike; each figure is the median over the rounds.
files=("$small" "$sparse" "$dense")
times=$DIR/times && rm -rf "$times" && mkdir -p "$times"
for file in "${files[@]}"; do edit "$file" >/dev/null; done  # warm
for _ in $(seq "$RUNS"); do
  for i in "${!files[@]}"; do
    t0=$(us); edit "${files[$i]}" >/dev/null; t1=$(us)
    echo $((t1 - t0)) >>"$times/inplace-$i"
  done
done
echo "## a) in-place metadata edit (spindle meta set FILE general.name=… --in-place), $RUNS runs each"
echo
echo "Median ms per process, process start included; bytes written counted with strace."
echo
echo "| file | file bytes | header bytes | spindle ms | time ratio (vs small) | bytes written | written / header |"
echo "|---|---:|---:|---:|---:|---:|---:|"
small_ms=$(median_ms <"$times/inplace-0")
for i in "${!files[@]}"; do
  file=${files[$i]}
  ms=$(median_ms <"$times/inplace-$i")
  header=$(header_bytes "$file")
  toggle
  written=$(bytes_written "$BIN" meta set "$file" "general.name=$name" --in-place --quiet)
  per="-"; [ "$written" = "-" ] || per=$(ratio "$written" "$header")
  [ "$file" = "$dense" ] && dense_inplace_ms=$ms
  echo "| $(basename "$file") | $(grouped "$(stat -c %s "$file")") | $(grouped "$header") | $ms |" \
    "$(ratio "$ms" "$small_ms") | $(grouped "$written") | $per |"
done
rm -f "$DIR"/*.spindle-undo  # the undo journals of the in-place edits

size=$(stat -c %s "$dense")
OUT=$DIR/whole-out.gguf
labels=("cp + sync FILE" "spindle rewrite IN -o OUT")
[ -z "$PY" ] || labels+=("gguf_new_metadata.py --general-name (peer) + sync FILE")
whole_cmd() {  # command number $1, writing $OUT from $dense, into the array cmd
  case $1 in
    0) cmd=("${cp_sync[@]}" "$dense" "$OUT") ;;
    1) cmd=("$BIN" rewrite "$dense" -o "$OUT") ;;
    2) cmd=("${peer_edit[@]}" "$dense" "$OUT") ;;
  esac
}
run_whole() { whole_cmd "$1" && quietly "${cmd[@]}"; }
for _ in $(seq "$BIG_RUNS"); do
  for i in "${!labels[@]}"; do
    rm -f "$OUT"
    if [[ $cache == warm* ]]; then run_whole "$i"; rm -f "$OUT"; else drop_caches; fi
    t0=$(us); run_whole "$i"; t1=$(us)
    echo $((t1 - t0)) >>"$times/whole-$i"
  done
done
echo
echo "## b, c) whole-file writes of $(basename "$dense") ($(grouped "$size") bytes), $BIG_RUNS runs each, $cache"
echo
echo "Median ms per run; output fsync'd by each command."
echo
echo "| command | ms | min–max ms | MB/s | bytes written | time ratio (cp / it) |"
echo "|---|---:|---:|---:|---:|---:|"
cp_ms=$(median_ms 0 <"$times/whole-0")
for i in "${!labels[@]}"; do
  ms=$(median_ms 0 <"$times/whole-$i")
  whole_cmd "$i"
  rm -f "$OUT"; written=$(bytes_written "${cmd[@]}"); rm -f "$OUT"
  spread=$(sort -n "$times/whole-$i" | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.0f–%.0f", a / 1e3, b / 1e3 }')
  echo "| ${labels[$i]} | $ms | $spread | $(awk -v s="$size" -v m="$ms" 'BEGIN { printf "%.0f", s / m / 1e3 }') |" \
    "$(grouped "$written") | $(ratio "$cp_ms" "$ms") |"
  case $i in 1) rewrite_ms=$ms ;; 2) peer_ms=$ms ;; esac
done
if [ -n "$PY" ]; then
  echo
  echo "| the same edit on $(basename "$dense") | spindle / peer (time) |"
  echo "|---|---:|"
  echo "| spindle meta set, in place | $(ratio "$dense_inplace_ms" "$peer_ms") |"
  echo "| spindle rewrite (whole file) | $(ratio "$rewrite_ms" "$peer_ms") |"
fi
rm -rf "$OUT" "$times"
