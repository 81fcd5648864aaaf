#!/usr/bin/env bash
# Files written by Spindle load in the real peers (PyPI gguf and safetensors) with identical
# values: every valid committed fixture is rewritten by `spindle rewrite` and the peers' view of
# the copy is compared with fixtures/expected/*.json (what the peers read from the original).
# A second pass writes copies with reserved header room and checks the peers still load them;
# a third (scripts/check-patched.py) checks files edited by `spindle meta` and `spindle stamp`.
set -euo pipefail
BIN=${1:?usage: peer-check.sh SPINDLE PYTHON}
PY=${2:?usage: peer-check.sh SPINDLE PYTHON}
OUT=${PEER_OUT:-.build/peer-export}
rm -rf "$OUT" "$OUT-reserved" "$OUT-patched" && mkdir -p "$OUT" "$OUT-reserved"
exported=()
for doc in fixtures/expected/*.json; do
  rel=$(basename "$doc" .json); rel=${rel//__//}
  case "$rel" in gguf/split/*) continue ;; esac  # a shard rewrites as the merged set; see below
  mkdir -p "$OUT/$(dirname "$rel")" "$OUT-reserved/$(dirname "$rel")"
  "$BIN" rewrite "fixtures/$rel" -o "$OUT/$rel" --reserve 0 >/dev/null
  "$BIN" rewrite "fixtures/$rel" -o "$OUT-reserved/$rel" --reserve 4096 >/dev/null
  exported+=("$rel")
done
# The split set merges into one file holding every tensor of the three shards.
"$BIN" rewrite fixtures/gguf/split/tiny-00001-of-00003.gguf -o "$OUT-reserved/gguf/merged.gguf" >/dev/null
"$PY" - "$OUT" "${exported[@]}" <<'PY'
import json, sys
out, rels = sys.argv[1], sys.argv[2:]
docs = {rel: json.load(open(f"fixtures/expected/{rel.replace('/', '__')}.json")) for rel in rels}
json.dump(docs, open(f"{out}/expected.json", "w"), indent=1)
PY
echo "== values: ${#exported[@]} files rewritten by Spindle vs what the peers read from the originals"
"$PY" fixtures/check_peers.py "$OUT"
echo "== loadable: the same files with 4 KiB reserved header room, and the merged split set"
"$PY" fixtures/check_peers.py "$OUT-reserved"
echo "== patched: spindle meta/stamp edits (in place and rewritten) change only the keys asked for"
# With LLAMA_BIN=P/llama.cpp/build/bin (from ../shared/tools/peers.sh --llama), llama.cpp reads them too.
"$PY" scripts/check-patched.py "$BIN" "$OUT-patched" ${LLAMA_BIN:+--llama-bin "$LLAMA_BIN"}
