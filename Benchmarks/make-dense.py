#!/usr/bin/env python3
"""Writes a GGUF with make-sparse.py's 64-tensor header whose data is real random bytes.

usage: make-dense.py OUT_DIR SIZE_MIB
Writes OUT_DIR/dense-SIZEm.gguf (kept if it already has the right size: 2 GiB of urandom
takes a while), so patching and rewriting can be timed on a file whose bytes are really on
disk, unlike the sparse files, and compared with the same header on a small file.
"""
import importlib.util, os, sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("make_sparse", f"{here}/make-sparse.py")
sparse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sparse)

def random_bytes(f, nbytes):
    chunk = 16 << 20
    while nbytes > 0:
        f.write(os.urandom(min(chunk, nbytes)))
        nbytes -= chunk

out, mib = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
path = f"{out}/dense-{mib}m.gguf"
tmp = f"{path}.tmp"
sparse.gguf(tmp, sparse.N_TENSORS, sparse.elems_per_tensor(mib << 20), fill=lambda f, n: None)
expected = os.path.getsize(tmp)
if os.path.exists(path) and os.path.getsize(path) == expected:
    os.remove(tmp)
else:
    sparse.gguf(tmp, sparse.N_TENSORS, sparse.elems_per_tensor(mib << 20), fill=random_bytes)
    os.replace(tmp, path)
print(path)
