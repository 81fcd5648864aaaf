#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Package.swift) with -sanitize=fuzzer,address and runs each
# for FUZZ_SECONDS, seeded from fixtures/ (and fixtures/malformed/) plus Fuzz/seeds/, with the
# dictionaries in Fuzz/dict/. Prints one line per target: executions, coverage (cov: edges,
# ft: features), corpus size (units in libFuzzer's corpus at the end), crashes. The grown
# corpora stay in Fuzz/.build/corpus/ (not in git); crashing inputs go to
# Fuzz/.build/crashes/<target>/.
#
#   bash Fuzz/fuzz.sh [target ...]      (make fuzz FUZZ_SECONDS=600 FUZZ_TARGET=gguf)
# Exit status 1 when a target found a crash, a leak, a timeout or an out-of-memory input.
set -uo pipefail
cd "$(dirname "$0")"
SWIFT=${SWIFT:-swift}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
ALL=(safetensors-header gguf shards hf-config tokenizer dequantization meta-plan stamp-plan)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
F=../fixtures

product() { # target name → executable
  case $1 in
    safetensors-header) echo FuzzSafetensorsHeader ;; gguf) echo FuzzGGUF ;; shards) echo FuzzShards ;;
    hf-config) echo FuzzHFConfig ;; tokenizer) echo FuzzTokenizer ;;
    dequantization) echo FuzzDequantization ;; meta-plan) echo FuzzMetaPlan ;;
    stamp-plan) echo FuzzStampPlan ;; *) return 1 ;;
  esac
}
dictionary() {
  case $1 in
    hf-config) echo dict/json.dict ;; tokenizer) echo dict/tokenizer.dict ;; *) echo dict/formats.dict ;;
  esac
}
max_len() {
  case $1 in
    dequantization) echo 4096 ;; hf-config) echo 8192 ;; tokenizer) echo 24576 ;; *) echo 16384 ;;
  esac
}

# seed DIR PREFIX FILE...: copies each file into DIR with the bytes PREFIX (printf escapes) first.
seed() {
  local dir=$1 prefix=$2 file
  shift 2
  for file in "$@"; do
    [ -f "$file" ] || continue
    { printf "$prefix"; cat "$file"; } > "$dir/$(printf '%s' "$prefix$file" | sha1sum | cut -c1-16)"
  done
}

make_seeds() { # target → fills .build/seeds/<target>
  local t=$1 dir=.build/seeds/$1 p
  rm -rf "$dir"; mkdir -p "$dir"
  [ -d "seeds/$t" ] && cp seeds/"$t"/* "$dir"/
  local small_gguf=("$F"/gguf/*.gguf "$F"/gguf/split/*.gguf "$F"/tokenizer-metadata/*.gguf "$F"/dequant/*.gguf)
  case $t in
    safetensors-header)
      seed "$dir" "" "$F"/safetensors/*.safetensors "$F"/malformed/safetensors/* ;;
    gguf)
      seed "$dir" "" "${small_gguf[@]}" "$F"/malformed/gguf/* "$F"/gguf-random/files/*.gguf "$F"/tokenizer/tiny-spm.gguf ;;
    shards)
      seed "$dir" '\x00' "$F"/safetensors/sharded/model.safetensors.index.json "$F"/malformed/safetensors/*.json
      local s=$F/gguf/split/tiny-0000 one two
      one=$(stat -c %s "${s}1-of-00003.gguf"); two=$(stat -c %s "${s}2-of-00003.gguf")
      { printf '\x01\x02'; printf "\\x$(printf %02x $((one & 255)))\\x$(printf %02x $((one >> 8)))";
        printf "\\x$(printf %02x $((two & 255)))\\x$(printf %02x $((two >> 8)))";
        cat "${s}1-of-00003.gguf" "${s}2-of-00003.gguf" "${s}3-of-00003.gguf"; } > "$dir/split-3"
      seed "$dir" '\x01\x00' "$F"/gguf/v2.gguf "$F"/malformed/gguf/0*.gguf ;;
    hf-config)
      seed "$dir" "" "$F"/*/config.json "$F"/*/*/config.json "$F"/architectures/models/*/config.json \
        "$F"/phi3/*.json "$F"/safetensors/sharded/*.json ;;
    tokenizer)
      for p in '\x00' '\x01' '\x81'; do seed "$dir" "$p" "$F"/tokenizer/*.tokenizer.json; done
      seed "$dir" '\x02' "$F"/tokenizer-metadata/special*/tokenizer_config.json "$F"/safetensors/sharded/tokenizer_config.json
      for p in '\x03' '\x04' '\x84'; do seed "$dir" "$p" "$F"/tokenizer-metadata/special*/tokenizer.model; done ;;
    dequantization)
      local i
      for i in $(seq 0 60); do
        { printf "\\x$(printf %02x "$i")\\x21"; head -c 1024 "$F/dequant/dequant.gguf" | tail -c 700; } > "$dir/type-$i"
      done ;;
    meta-plan)
      for p in '\x01\x00' '\x1f\x01' '\x2e\x02' '\x04\x00'; do
        seed "$dir" "$p" "$F"/gguf/*.gguf "$F"/tokenizer-metadata/*.gguf "$F"/safetensors/*.safetensors
      done ;;
    stamp-plan)
      for p in '\x00\x30' '\x01\x10' '\x03\x70' '\x04\x10' '\x10\x40' '\x40\x30'; do
        seed "$dir" "$p" "$F"/tokenizer-metadata/*.gguf "$F"/gguf/v2.gguf "$F"/architectures/models/*/config.json "$F"/phi3/hf/config.json
      done ;;
  esac
}

for t in "${TARGETS[@]}"; do
  product "$t" >/dev/null || { echo "fuzz: unknown target '$t' (one of: ${ALL[*]})" >&2; exit 64; }
done

mkdir -p .build
echo "fuzz: building the targets (swift build -c debug -Xswiftc -sanitize=fuzzer,address)"
# (-sanitize=fuzzer on every module gives libFuzzer the coverage of Spindle's code; gold's
# "Cannot export local symbol '__asan_…'" warnings are harmless and filtered.)
$SWIFT build -c debug -Xswiftc -sanitize=fuzzer,address > .build/fuzz-build.log 2>&1
built=$?
grep -v "Cannot export local symbol" .build/fuzz-build.log | tail -20
[ "$built" -eq 0 ] || { echo "fuzz: build failed" >&2; exit 1; }
BIN=$($SWIFT build -c debug -Xswiftc -sanitize=fuzzer,address --show-bin-path)

status=0
printf '%-20s %12s %9s %9s %8s %8s\n' target executions cov ft corpus crashes
for t in "${TARGETS[@]}"; do
  make_seeds "$t"
  corpus=.build/corpus/$t crashes=.build/crashes/$t log=.build/logs/$t.log
  mkdir -p "$corpus" "$crashes" .build/logs
  # The Swift runtime's backtracer would run under ASan and trip it; libFuzzer reports instead.
  SWIFT_BACKTRACE=enable=no "$BIN/$(product "$t")" "$corpus" ".build/seeds/$t" \
    -dict="$(dictionary "$t")" -max_len="$(max_len "$t")" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
    > "$log" 2>&1
  rc=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  size=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<< "$last")
  found=$(find "$crashes" -type f | wc -l)
  printf '%-20s %12s %9s %9s %8s %8s\n' "$t" "${executions:-?}" "${cov:-?}" "${ft:-?}" "${size:-?}" "$found"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    echo "  $t: exit $rc; inputs in Fuzz/$crashes/, log Fuzz/$log:" >&2
    grep -E 'Fatal error|ERROR: |SUMMARY|deadly signal|fuzz property' "$log" | head -5 | sed 's/^/    /' >&2
  fi
done
exit $status
