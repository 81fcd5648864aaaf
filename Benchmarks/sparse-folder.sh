#!/usr/bin/env bash
# `spindle convert --dtype f16` of a ~10 GB sharded HF folder (make-sparse-hf.py: llama-shaped,
# F32, sparse shards that read as zeros and take no disk), to show that peak RSS stays flat when
# the model is larger than what the page cache keeps: prints the folder's size, wall time, peak
# RSS and the output's size. LAYERS (default 12, ~10.5 GB) sets the size; with less than 25 GB
# free under $BENCH_DIR it uses 4 layers (~3.5 GB) and says so.
# The folder and the output (same disk) are deleted after.
set -euo pipefail
shopt -s inherit_errexit
BIN=${1:-.build/release/spindle}
LAYERS=${LAYERS:-12}
DIR=${BENCH_DIR:-.build/bench-sparse}
here=$(dirname "$0")
mkdir -p "$DIR"
trap 'rm -rf "$DIR/hf" "$DIR/out.gguf" "$DIR/time"' EXIT
free_gb=$(df -BG --output=avail "$DIR" | tail -1 | tr -dc 0-9)
if [ "$free_gb" -lt 25 ]; then
  LAYERS=$(( LAYERS < 4 ? LAYERS : 4 ))
  echo "only ${free_gb} GB free under $DIR (< 25 GB): using $LAYERS layers (~$((LAYERS * 87 / 100)) GB) instead" >&2
fi
bytes=$(python3 "$here/make-sparse-hf.py" "$DIR/hf" "$LAYERS" "$here/../fixtures/architectures/models/llama")
/usr/bin/time -f '%e %M' -o "$DIR/time" "$BIN" convert "$DIR/hf" -o "$DIR/out.gguf" --dtype f16 --quiet
read -r secs kib <"$DIR/time"
echo "| sparse HF folder | layers | on disk | \`spindle convert --dtype f16\` wall s | peak RSS MiB | output |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| $(awk -v b="$bytes" 'BEGIN { printf "%.1f GB", b / 1e9 }') | $LAYERS | $(du -sh "$DIR/hf" | cut -f1) | $secs | $(awk -v k="$kib" 'BEGIN { printf "%.0f", k / 1024 }') | $(awk -v b="$(stat -c %s "$DIR/out.gguf")" 'BEGIN { printf "%.1f GB", b / 1e9 }') |"
