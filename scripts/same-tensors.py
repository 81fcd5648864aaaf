"""Exits with a message unless two GGUF files hold the same tensors (names, types and bytes).

    python scripts/same-tensors.py OURS.gguf THEIRS.gguf WHAT

WHAT names the comparison in the messages (e.g. "smollm2-f32 against llama-quantize's F32").
Needs PyPI gguf.
"""
import sys

import gguf

ours, theirs = (gguf.GGUFReader(p) for p in sys.argv[1:3])
what = sys.argv[3]
a = {t.name: t for t in ours.tensors}
bad = [t.name for t in theirs.tensors
       if t.name not in a or a[t.name].tensor_type != t.tensor_type
       or a[t.name].data.tobytes() != t.data.tobytes()]
if bad or len(a) != len(theirs.tensors):
    sys.exit(f"{what}: {len(bad)} tensors differ, first {bad[:5]}; {len(a)} against {len(theirs.tensors)} tensors")
print(f"{what}: {len(a)} tensors byte-identical", file=sys.stderr)
