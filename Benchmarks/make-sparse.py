#!/usr/bin/env python3
"""Writes valid GGUF and safetensors files whose tensor data is a sparse hole.

usage: make-sparse.py OUT_DIR SIZE_GIB
Writes OUT_DIR/sparse-SIZEg.gguf and OUT_DIR/sparse-SIZEg.safetensors (headers only, then
truncate to the full size), plus OUT_DIR/small.gguf / small.safetensors with the same tensor
count and 1 KiB tensors, so `inspect` can be timed on both and compared.
"""
import json, os, struct, sys

def gguf(path, n_tensors, tensor_elems, fill=None):
    """A 64-tensor F32 GGUF; `fill(f, nbytes)` writes the data, else it is a hole."""
    def s(x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b
    kv = [(s("general.architecture"), 8, s("llama")), (s("general.name"), 8, s("sparse bench"))]
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, n_tensors, len(kv)))
    for k, t, v in kv:
        out += k + struct.pack("<I", t) + v
    nbytes = tensor_elems * 4
    pad = lambda x: (x + 31) // 32 * 32
    offset = 0
    for i in range(n_tensors):
        out += s(f"blk.{i}.weight") + struct.pack("<I", 2)
        out += struct.pack("<QQ", 4096, tensor_elems // 4096) + struct.pack("<IQ", 0, offset)
        offset += pad(nbytes)
    data_start = pad(len(out))
    out += b"\0" * (data_start - len(out))
    with open(path, "wb") as f:
        f.write(out)
        if fill is not None:
            fill(f, offset)
        f.truncate(data_start + offset)

def safetensors(path, n_tensors, tensor_elems):
    header, off = {}, 0
    for i in range(n_tensors):
        header[f"blk.{i}.weight"] = {"dtype": "F32", "shape": [tensor_elems // 4096, 4096],
                                     "data_offsets": [off, off + tensor_elems * 4]}
        off += tensor_elems * 4
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        f.truncate(8 + len(h) + off)

N_TENSORS = 64

def elems_per_tensor(total_bytes):
    return total_bytes // 4 // N_TENSORS // 4096 * 4096

if __name__ == "__main__":
    out, gib = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    big_elems = elems_per_tensor(gib << 30)
    gguf(f"{out}/sparse-{gib}g.gguf", N_TENSORS, big_elems)
    safetensors(f"{out}/sparse-{gib}g.safetensors", N_TENSORS, big_elems)
    gguf(f"{out}/small.gguf", N_TENSORS, 4096)
    safetensors(f"{out}/small.safetensors", N_TENSORS, 4096)
