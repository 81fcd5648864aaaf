#!/usr/bin/env bash
# `spindle convert` against `cp` and llama.cpp's tools on the SmolLM2-135M HF F32 folder that
# transformers wrote (peers.sh --torch), in one run, page cache warm (one untimed cp first):
#  a) `cp -r` of the folder, and the same copy made durable (`sync` of the copied files, the
#     guarantee spindle gives: its output is fsync'd before the rename); `spindle convert
#     --dtype f16`; `convert_hf_to_gguf.py --outtype f16`;
#  b) `spindle convert --quant q4_k_m` vs llama.cpp's two steps (`convert_hf_to_gguf.py` to F16
#     or F32, then `llama-quantize … Q4_K_M`);
#  c) checks: Spindle's F16 tensors byte-identical to the converter's, Spindle's Q4_K_M tensors
#     byte-identical to llama-quantize's from the converter's F32 file (same F32 input values).
# Wall time is the best of $RUNS runs, peak RSS the largest (/usr/bin/time -f '%e %M').
# Prints markdown tables. Writes under $BENCH_DIR (default .build/bench-convert), removed after.
set -euo pipefail
shopt -s inherit_errexit
BIN=${1:-.build/release/spindle}
P=${2:-${SPINDLE_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/spindle-peers}}
HF=${HF:-$P/models/smollm2-hf-f32}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-.build/bench-convert}
PY=$P/venv/bin/python
LLAMA=$P/llama.cpp
if [ ! -f "$HF/config.json" ] || [ ! -x "$LLAMA/build/bin/llama-quantize" ]; then
  echo "convert bench skipped: needs $HF (SmolLM2 saved by transformers) and $LLAMA;" \
    "get both with: bash ../shared/tools/peers.sh --torch --llama" >&2
  exit 0
fi
[ -x /usr/bin/time ] || { SUDO=$([ "$(id -u)" = 0 ] || echo sudo); $SUDO apt-get install -y -qq time >/dev/null; }
rm -rf "$DIR" && mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# measure NAME CMD…: best wall time and largest peak RSS (KiB) of $RUNS runs into T_NAME / M_NAME.
measure() {
  local name=$1; shift
  local best="" peak=0 secs kib
  for _ in $(seq "$RUNS"); do
    rm -rf "$DIR"/*.gguf.new "$OUT"   # outside the timing, for every command alike
    /usr/bin/time -f '%e %M' -o "$DIR/time" "$@" >"$DIR/log" 2>&1 || { cat "$DIR/log" >&2; exit 1; }
    read -r secs kib <"$DIR/time"
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  printf -v "T_$name" '%s' "$best"; printf -v "M_$name" '%s' "$peak"
}
convert_py=(env PYTHONPATH="$LLAMA/gguf-py" "$PY" "$LLAMA/convert_hf_to_gguf.py" "$HF")

bytes=$(du -bc "$HF"/* | tail -1 | cut -f1)
cp -r "$HF" "$DIR/warm" && rm -rf "$DIR/warm"   # page cache warm for every command alike
OUT=$DIR/copy measure cp cp -r "$HF" "$DIR/copy"
OUT=$DIR/copy measure cp_sync bash -c "cp -r '$HF' '$DIR/copy' && sync '$DIR/copy'/*"
rm -rf "$DIR/copy"
OUT=$DIR/spindle-f16.gguf measure spindle_f16 "$BIN" convert "$HF" -o "$DIR/spindle-f16.gguf" --dtype f16 --quiet
OUT=$DIR/llama-f16.gguf measure llama_f16 "${convert_py[@]}" --outtype f16 --outfile "$DIR/llama-f16.gguf"
OUT=$DIR/llama-f32.gguf measure llama_f32 "${convert_py[@]}" --outtype f32 --outfile "$DIR/llama-f32.gguf"
OUT=$DIR/spindle-q4km.gguf measure spindle_q4km "$BIN" convert "$HF" -o "$DIR/spindle-q4km.gguf" --quant q4_k_m --quiet
OUT=$DIR/llama-q4km-f16.gguf measure quant_f16 "$LLAMA/build/bin/llama-quantize" "$DIR/llama-f16.gguf" "$DIR/llama-q4km-f16.gguf" Q4_K_M
OUT=$DIR/llama-q4km.gguf measure quant_f32 "$LLAMA/build/bin/llama-quantize" "$DIR/llama-f32.gguf" "$DIR/llama-q4km.gguf" Q4_K_M

two_f16=$(awk -v a="$T_llama_f16" -v b="$T_quant_f16" 'BEGIN { printf "%.2f", a + b }')
two_f32=$(awk -v a="$T_llama_f32" -v b="$T_quant_f32" 'BEGIN { printf "%.2f", a + b }')
peak2_f16=$(( M_llama_f16 > M_quant_f16 ? M_llama_f16 : M_quant_f16 ))
peak2_f32=$(( M_llama_f32 > M_quant_f32 ? M_llama_f32 : M_quant_f32 ))

echo "### HF F32 → GGUF F16 ($(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB folder, $(nproc) cores, best of $RUNS, page cache warm)"
echo
echo "| command | wall s | peak RSS MiB | time ÷ cp | time ÷ durable cp |"
echo "|---|---:|---:|---:|---:|"
echo "| \`cp -r\` | $T_cp | $(mib "$M_cp") | 1.00 | $(ratio "$T_cp" "$T_cp_sync") |"
echo "| \`cp -r\` + \`sync\` of the copies (durable) | $T_cp_sync | $(mib "$M_cp_sync") | $(ratio "$T_cp_sync" "$T_cp") | 1.00 |"
echo "| \`spindle convert --dtype f16\` (fsync'd) | $T_spindle_f16 | $(mib "$M_spindle_f16") | $(ratio "$T_spindle_f16" "$T_cp") | $(ratio "$T_spindle_f16" "$T_cp_sync") |"
echo "| \`convert_hf_to_gguf.py --outtype f16\` | $T_llama_f16 | $(mib "$M_llama_f16") | $(ratio "$T_llama_f16" "$T_cp") | $(ratio "$T_llama_f16" "$T_cp_sync") |"
echo
echo "convert_hf_to_gguf.py ÷ spindle: $(ratio "$T_llama_f16" "$T_spindle_f16")× (target ≥ 8×; spindle ÷ cp target ≤ 1.5, peak RSS < 200 MiB)"
echo
echo "### HF F32 → GGUF Q4_K_M"
echo
echo "| command | wall s | peak RSS MiB | time ÷ spindle |"
echo "|---|---:|---:|---:|"
echo "| \`spindle convert --quant q4_k_m\` (one pass) | $T_spindle_q4km | $(mib "$M_spindle_q4km") | 1.00 |"
echo "| \`convert_hf_to_gguf.py --outtype f16\` + \`llama-quantize … Q4_K_M\` | $T_llama_f16 + $T_quant_f16 = $two_f16 | $(mib "$peak2_f16") | $(ratio "$two_f16" "$T_spindle_q4km") |"
echo "| \`convert_hf_to_gguf.py --outtype f32\` + \`llama-quantize … Q4_K_M\` | $T_llama_f32 + $T_quant_f32 = $two_f32 | $(mib "$peak2_f32") | $(ratio "$two_f32" "$T_spindle_q4km") |"
echo
"$PY" - "$DIR" <<'PYEOF'
import sys
from gguf import GGUFReader
d = sys.argv[1]
def tensors(path):
    return {t.name: (t.tensor_type.name, tuple(int(x) for x in t.shape), bytes(t.data.tobytes()))
            for t in GGUFReader(path).tensors}
for label, ours, theirs in [("F16", "spindle-f16.gguf", "llama-f16.gguf"),
                            ("Q4_K_M", "spindle-q4km.gguf", "llama-q4km.gguf")]:
    a, b = tensors(f"{d}/{ours}"), tensors(f"{d}/{theirs}")
    shared = sorted(set(a) & set(b))
    same = [n for n in shared if a[n] == b[n]]
    differ = [n for n in shared if a[n] != b[n]]
    extra = sorted(set(a) ^ set(b))
    print(f"check {label}: {len(same)}/{len(b)} tensors byte-identical to llama.cpp's"
          + (f"; differ: {differ[:5]}" if differ else "")
          + (f"; only in one file: {extra}" if extra else ""))
    if differ or extra:
        sys.exit(1)
PYEOF
