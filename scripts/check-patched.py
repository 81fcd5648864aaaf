#!/usr/bin/env python3
"""Files patched by Spindle keep every tensor byte and change exactly the metadata asked for.

usage: check-patched.py SPINDLE WORKDIR [--llama-bin DIR]     (run from the repository root)

For each case below, a fixture is copied into WORKDIR (as is, or first rewritten by
`spindle rewrite --reserve 4096` so that it has header room), edited with `spindle meta
set/delete/rename` or `spindle stamp --yarn 4` (in place or -o OUT), and read back by the
peers: PyPI gguf (GGUFReader) and PyPI safetensors (safe_open, numpy), through
fixtures/check_peers.py's describe(). The patched file must have the original's tensors
(names, dtypes, shapes, sha256 of the bytes) and the original's metadata with exactly the
change this script derives from the edit it asked for (llama.cpp's GGUF keys for a YaRN
stamp; `spindle.reserved`, Spindle's padding key, is ignored). Each case also says whether
the edit must be a header-only write in place (an undo journal appears, and `spindle
restore` must give back the file byte for byte) or a rewrite, so both paths are covered.

phi3 LongRoPE (fixtures/phi3): `stamp --from-config longrope-128k.json` into the GGUF must
give exactly the phi3.* keys and rope_factors_long/short tensors that convert_hf_to_gguf.py
writes for that config (fixtures/phi3/converted-longrope.json); into the Hugging Face folders
(legacy and v5 config.json), transformers must read the stamped config as it reads the source
config (skipped, and said so, when transformers is not installed).

With --llama-bin DIR (or $LLAMA_BIN), llama.cpp must read every patched GGUF too:
`llama-gguf FILE r n` exits 0 and reports the original tensor count, and patched copies of
the tiny llama load and generate one token with `llama-simple -n 1`. Build llama.cpp with
../shared/tools/peers.sh --llama (it prints P; the programs are in P/llama.cpp/build/bin).

The last line is "N passed, M failed"; the exit status is 1 if any case failed.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import check_peers  # noqa: E402  (describe() and compare(): the peers' view of a file)

TINY_GGUF = "fixtures/gguf/tiny-llama.gguf"
HF_ST = "fixtures/hf/tiny-llama/model.safetensors"
ST_FIXTURES = [
    "fixtures/safetensors/dtypes.safetensors",
    "fixtures/safetensors/dtypes-exotic.safetensors",
    "fixtures/safetensors/sharded/model-00001-of-00003.safetensors",
    "fixtures/safetensors/sharded/model-00002-of-00003.safetensors",
    "fixtures/safetensors/sharded/model-00003-of-00003.safetensors",
]
LONG = "a long value that cannot fit the header's room " * 12
IGNORED = {"spindle.reserved"}


class Case:
    """One edit of one fixture: how the copy is prepared, the spindle arguments after the
    path, and what the write must be ("in place", "rewrite", "output" for -o, or None for
    whichever Spindle picks)."""

    def __init__(self, fixture, prep, args, mode, edit):
        self.fixture, self.prep, self.args, self.mode, self.edit = fixture, prep, args, mode, edit

    @property
    def name(self):
        args = ' '.join(a if len(a) < 40 else a[:37] + '...' for a in self.args)
        return f"{self.fixture} [{self.prep}] {args.replace('{out}', 'OUT')}"


# Expected edits, as functions of the original's metadata ({key: entry} for GGUF, where an
# entry is check_peers' {"type", "value"[, "element_type"]}; {key: str} for safetensors).
def gguf_set(key, value, vtype=None):
    def apply(meta):
        t = vtype or meta[key]["type"]
        meta[key] = {"type": t, "value": value}
    return apply


def delete(*keys):
    def apply(meta):
        for k in keys:
            del meta[k]
    return apply


def rename(old, new):
    def apply(meta):
        meta[new] = meta.pop(old)
    return apply


def st_set(**kv):
    def apply(meta):
        meta.update(kv)
    return apply


def gguf_yarn(factor):  # the keys llama.cpp reads (llama-model.cpp), for arch = general.architecture
    def apply(meta):
        arch = meta["general.architecture"]["value"]
        ctx = meta[f"{arch}.context_length"]
        original = ctx["value"]
        meta[f"{arch}.context_length"] = {"type": ctx["type"], "value": original * factor}
        meta[f"{arch}.rope.scaling.type"] = {"type": "STRING", "value": "yarn"}
        meta[f"{arch}.rope.scaling.factor"] = {"type": "FLOAT32", "value": float(factor)}
        meta[f"{arch}.rope.scaling.original_context_length"] = {"type": "UINT32", "value": original}
    return apply


def st_yarn(factor, original):  # transformers' config keys, as __metadata__ strings
    def apply(meta):
        meta["max_position_embeddings"] = str(original * factor)
        meta["rope_scaling"] = {"rope_type": "yarn", "factor": float(factor),
                                "original_max_position_embeddings": original}
    return apply


def cases():
    g = TINY_GGUF
    out = [
        Case(g, "reserved", ["meta", "set", "general.name=patched-llama"], "in place",
             gguf_set("general.name", "patched-llama")),
        Case(g, "copy", ["meta", "set", f"general.name={LONG}"], "rewrite", gguf_set("general.name", LONG)),
        Case(g, "copy", ["meta", "set", "llama.context_length=4096"], "in place",
             gguf_set("llama.context_length", 4096)),
        Case(g, "reserved", ["meta", "set", "llama.rope.freq_base=20000", "general.name=two-keys"], "in place",
             lambda m: (gguf_set("llama.rope.freq_base", 20000.0)(m), gguf_set("general.name", "two-keys")(m))),
        Case(g, "reserved", ["meta", "set", "spindle.test.flag=true", "--type", "bool"], "in place",
             gguf_set("spindle.test.flag", True, "BOOL")),
        Case(g, "copy", ["meta", "set", "general.description=added", "--type", "string"], "rewrite",
             gguf_set("general.description", "added", "STRING")),
        Case(g, "copy", ["meta", "set", "spindle.test.count=7", "--type", "uint64"], None,
             gguf_set("spindle.test.count", 7, "UINT64")),
        Case(g, "copy", ["meta", "delete", "tokenizer.chat_template"], None, delete("tokenizer.chat_template")),
        Case(g, "reserved", ["meta", "delete", "general.name", "general.file_type"], "in place",
             delete("general.name", "general.file_type")),
        Case(g, "copy", ["meta", "rename", "general.name", "general.title"], None,
             rename("general.name", "general.title")),
        Case(g, "reserved", ["stamp", "--yarn", "4", "--in-place"], "in place", gguf_yarn(4)),
        Case(g, "copy", ["stamp", "--yarn", "4", "--in-place"], "rewrite", gguf_yarn(4)),
        Case(g, "copy", ["stamp", "--yarn", "4", "-o", "{out}"], "output", gguf_yarn(4)),
        Case("fixtures/gguf/quantized.gguf", "copy", ["meta", "set", "spindle.note=every tensor type",
             "--type", "string"], None, gguf_set("spindle.note", "every tensor type", "STRING")),
    ]
    for f in [HF_ST] + ST_FIXTURES:
        out += [
            Case(f, "copy", ["meta", "set", "note=x"], None, st_set(note="x")),
            Case(f, "copy", ["meta", "set", f"note={LONG}"], "rewrite", st_set(note=LONG)),
            Case(f, "reserved", ["meta", "set", "format=np"], "in place", st_set(format="np")),
            Case(f, "reserved", ["stamp", "--yarn", "4", "--original-context", "2048", "--in-place"],
                 "in place", st_yarn(4, 2048)),
        ]
    out += [
        Case(HF_ST, "reserved", ["meta", "delete", "format"], "in place", delete("format")),
        Case(HF_ST, "copy", ["meta", "rename", "format", "fmt"], None, rename("format", "fmt")),
        Case(HF_ST, "copy", ["stamp", "--yarn", "4", "--original-context", "2048", "--in-place"], "rewrite",
             st_yarn(4, 2048)),
        Case(HF_ST, "copy", ["stamp", "--yarn", "4", "--original-context", "2048", "-o", "{out}"], "output",
             st_yarn(4, 2048)),
    ]
    return out


# Baked tables: (fixture, spindle arguments after the path, what the output must hold).
TABLE_CASES = [
    (TINY_GGUF, ["stamp", "--yarn", "4", "--tables", "-o", "{out}"], "gguf-tables"),
    (TINY_GGUF, ["stamp", "--yarn", "4", "--tables", "--bake-attention", "-o", "{out}"], "gguf-portable"),
    ("fixtures/hf/tiny-llama", ["stamp", "--yarn", "4", "--tables", "-o", "{out}"], "hf-tables"),
    ("fixtures/hf/tiny-llama", ["stamp", "--yarn", "4", "--tables", "--bake-attention", "-o", "{out}"],
     "hf-portable"),
]


def yarn_reference(base, dim, factor, original, beta_fast=32.0, beta_slow=1.0):
    """transformers' _compute_yarn_parameters in float64: (inv_freq, attention factor)."""
    import math
    import numpy as np
    pos = base ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    extrapolation, interpolation = 1.0 / pos, 1.0 / (factor * pos)

    def correction(rotations):
        return dim * math.log(original / (rotations * 2 * math.pi)) / (2 * math.log(base))
    low = max(math.floor(correction(beta_fast)), 0)
    high = min(math.ceil(correction(beta_slow)), dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
    kept = 1 - ramp
    inverse = interpolation * (1 - kept) + extrapolation * kept
    return inverse, 0.1 * math.log(factor) + 1.0, 1.0 / pos


def check_tables_case(fixture, arguments, kind, spindle, work, index):
    """The peers' view of a baked copy: the table equals an independent YaRN computation, the
    keys say no runtime scaling (GGUF), the record's checksum is the table's, Q/K tensors carry
    the attention factor in portable mode, and every other tensor is byte-identical."""
    import zlib
    import numpy as np
    target = os.path.join(work, f"t{index:02d}-{kind}" + (".gguf" if kind.startswith("gguf") else ""))
    run([spindle, arguments[0], fixture] + [a.replace("{out}", target) for a in arguments[1:]])
    portable = kind.endswith("portable")
    errs = []
    inverse, attention, theta = yarn_reference(10000.0, 16, 4.0, 2048)
    if kind.startswith("gguf"):
        import gguf
        reader, original = gguf.GGUFReader(target), gguf.GGUFReader(fixture)

        def field(r, key):
            f = r.fields.get(key)
            if f is None:
                return None
            part = f.parts[-1]
            return bytes(part).decode() if f.types[-1] == gguf.GGUFValueType.STRING else part.tolist()[0]
        if field(reader, "llama.rope.scaling.type") != "none":
            errs.append(f"rope.scaling.type is {field(reader, 'llama.rope.scaling.type')!r}, not 'none'")
        for key in ("llama.rope.scaling.factor", "llama.rope.scaling.original_context_length"):
            if field(reader, key) is not None:
                errs.append(f"{key} is still there")
        if field(reader, "llama.context_length") != 8192:
            errs.append("llama.context_length is not 8192")
        attn = field(reader, "llama.rope.scaling.attn_factor")
        want_attn = None if portable else float(np.float32(attention))
        if attn != want_attn:
            errs.append(f"rope.scaling.attn_factor is {attn}, expected {want_attn}")
        tensors = {t.name: t for t in reader.tensors}
        table = tensors.get("rope_freqs.weight")
        if table is None:
            return target, ["no rope_freqs.weight"]
        factors = np.asarray(table.data, dtype=np.float32)
        want = (theta / inverse).astype(np.float32)
        if factors.shape != (8,) or np.max(np.abs(factors / want - 1)) > 1e-6:
            errs.append(f"rope_freqs.weight {factors.tolist()} is not θ/inv_freq {want.tolist()}")
        record = json.loads(field(reader, "spindle.rope"))
        if int(record["table_crc32"], 16) != zlib.crc32(bytes(table.data)):
            errs.append("spindle.rope's table_crc32 is not the CRC-32 of the table")
        for t in original.tensors:
            new = tensors.get(t.name)
            old_bytes, new_bytes = bytes(t.data), bytes(new.data)
            if portable and (t.name.endswith("attn_q.weight") or t.name.endswith("attn_k.weight")):
                old = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
                got = gguf.quants.dequantize(new.data, new.tensor_type).astype(np.float64)
                if np.max(np.abs(got - old * attention)) > np.max(np.abs(old)) * attention * 2 ** -10:
                    errs.append(f"{t.name} does not carry the attention factor {attention}")
            elif old_bytes != new_bytes:
                errs.append(f"{t.name} changed")
    else:
        from safetensors import safe_open
        config = json.load(open(os.path.join(target, "config.json")))
        scaling = config.get("rope_scaling") or {}
        if scaling.get("rope_type") != "yarn" or scaling.get("factor") != 4.0:
            errs.append(f"config.json rope_scaling is {scaling}")
        if portable != (scaling.get("attention_factor") == 1.0):
            errs.append(f"config.json attention_factor is {scaling.get('attention_factor')}")
        with safe_open(os.path.join(target, "model.safetensors"), "np") as new, \
                safe_open(os.path.join(fixture, "model.safetensors"), "np") as old:
            table = new.get_tensor("model.rotary_emb.inv_freq")
            if table.dtype != np.float32 or np.max(np.abs(table / inverse - 1)) > 1e-6:
                errs.append(f"model.rotary_emb.inv_freq {table.tolist()} is not inv_freq {inverse.tolist()}")
            record = json.loads(new.metadata()["spindle.rope"])
            if record["attention"] != ("weights" if portable else "metadata"):
                errs.append(f"record says attention in {record['attention']}")
            for name in old.keys():
                a, b = old.get_tensor(name), new.get_tensor(name)
                if portable and (name.endswith("q_proj.weight") or name.endswith("k_proj.weight")):
                    if not np.array_equal(b, a * np.float32(record["attention_factor"])):
                        errs.append(f"{name} is not the original × the attention factor")
                elif not np.array_equal(a, b):
                    errs.append(f"{name} changed")
    return target, errs


# phi3 LongRoPE (fixtures/phi3): stamped from a config, checked against convert_hf_to_gguf.py's
# output for that config (GGUF) and against transformers' reading of the config (HF folders).
PHI3 = "fixtures/phi3"
LONGROPE_CASES = [
    (f"{PHI3}/tiny-phi3.gguf", "gguf"),
    (f"{PHI3}/hf", "hf"),
    (f"{PHI3}/hf-v5", "hf"),
]


def check_longrope_case(fixture, kind, spindle, work, index):
    """GGUF: every phi3.* key and both factor tensors equal the converter's (bits), every other
    tensor keeps its bytes. HF: transformers reads the stamped config.json as it reads the
    LongRoPE config it came from (rope parameters, both inv_freq tables, attention factor), and
    the weights keep their bytes. Returns (output, errors, skipped)."""
    import numpy as np
    config = f"{PHI3}/longrope-128k.json"
    target = os.path.join(work, f"l{index:02d}-" + os.path.basename(fixture))
    run([spindle, "stamp", fixture, "--from-config", config, "-o", target])
    errs = []
    if kind == "gguf":
        import gguf
        reference = json.load(open(f"{PHI3}/converted-longrope.json"))
        reader, original = gguf.GGUFReader(target), gguf.GGUFReader(fixture)
        got = {}
        for key, f in reader.fields.items():
            if key.startswith("phi3."):
                got[key] = {"type": f.types[0].name, "value": f.parts[-1].tolist()[0]}
        if got != reference["keys"]:
            errs.append(f"phi3.* keys {got} are not the converter's {reference['keys']}")
        tensors = {t.name: t for t in reader.tensors}
        for name, want in reference["tensors"].items():
            t = tensors.get(name)
            if t is None:
                errs.append(f"no {name}")
                continue
            bits = [f"{int(b):08x}" for b in np.asarray(t.data, dtype=np.float32).view(np.uint32)]
            if t.tensor_type.name != want["type"] or [int(n) for n in t.shape] != want["shape"] \
                    or bits != want["f32_bits"]:
                errs.append(f"{name} {t.tensor_type.name} {t.shape.tolist()} {bits} is not the converter's")
        for t in original.tensors:
            if bytes(tensors[t.name].data) != bytes(t.data):
                errs.append(f"{t.name} changed")
        if len(tensors) != len(original.tensors) + 2:
            errs.append(f"{len(tensors)} tensors, expected {len(original.tensors) + 2}")
        return target, errs, False
    try:
        import torch
        from transformers import AutoConfig
        from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
    except ImportError:
        return target, [], True
    source = os.path.join(work, f"l{index:02d}-source")
    os.makedirs(source)
    shutil.copyfile(config, os.path.join(source, "config.json"))

    def view(folder):
        c = AutoConfig.from_pretrained(folder)
        params = dict(c.rope_parameters)
        params.pop("type", None)  # the legacy spelling transformers keeps beside rope_type
        tables = []
        for length in (None, 4097):  # short, then long (beyond the original 4096)
            inv, attention = ROPE_INIT_FUNCTIONS["longrope"](c, torch.device("cpu"), seq_len=length)
            tables.append((inv.to(torch.float64).numpy().tobytes(), float(attention)))
        return params, c.max_position_embeddings, tables
    want, got = view(source), view(target)
    if got != want:
        errs.append(f"transformers reads {got[:2]}, the source config as {want[:2]}")
    if want[0].get("rope_type") != "longrope":
        errs.append(f"the source config reads as {want[0]}")
    from safetensors import safe_open
    with safe_open(os.path.join(target, "model.safetensors"), "np") as new, \
            safe_open(os.path.join(fixture, "model.safetensors"), "np") as old:
        for name in old.keys():
            if not np.array_equal(old.get_tensor(name), new.get_tensor(name)):
                errs.append(f"{name} changed")
    return target, errs, False


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-400:]}")
    return p.stdout


def metadata_of(doc):
    """The metadata a check compares: without Spindle's padding key, entries without file
    offsets, a missing safetensors __metadata__ as {} and rope_scaling JSON parsed."""
    meta = doc.get("metadata") or {}
    out = {}
    for k, v in meta.items():
        if k in IGNORED:
            continue
        if isinstance(v, dict):
            v = {kk: vv for kk, vv in v.items() if kk != "offset"}
        elif k == "rope_scaling" and doc["format"] == "safetensors":
            v = json.loads(v)
        out[k] = v
    return out


def command(spindle, args, path):
    """`spindle stamp PATH …`, or `spindle meta ACTION PATH … --in-place` for a meta case."""
    if args[0] == "meta":
        return [spindle, "meta", args[1], path] + args[2:] + ["--in-place"]
    return [spindle, args[0], path] + args[1:]


def check_case(case, spindle, work, index):
    ext = os.path.splitext(case.fixture)[1]
    base = os.path.join(work, f"{index:02d}-{os.path.basename(case.fixture)}")
    prepared = base.replace(ext, f".prepared{ext}")
    target = base.replace(ext, f".patched{ext}")
    if case.prep == "copy":
        shutil.copyfile(case.fixture, prepared)
    else:
        run([spindle, "rewrite", case.fixture, "-o", prepared, "--reserve", "4096"])
    before = open(prepared, "rb").read()
    args = [a.replace("{out}", target) for a in case.args]
    if "-o" in case.args:
        run(command(spindle, args, prepared))
    else:
        shutil.copyfile(prepared, target)
        run(command(spindle, args, target))
    undo = target + ".spindle-undo"
    mode = "output" if "-o" in case.args else ("in place" if os.path.exists(undo) else "rewrite")
    errs = []
    if case.mode is not None and mode != case.mode:
        errs.append(f"expected the edit to be written {case.mode!r}, it was {mode!r}")
    if "-o" in case.args and open(prepared, "rb").read() != before:
        errs.append("-o changed its input")

    original = check_peers.describe(case.fixture, case.fixture)
    patched = check_peers.describe(target, case.fixture)
    want_meta = copy.deepcopy(metadata_of(original))
    case.edit(want_meta)
    expected = dict(original, metadata=want_meta)
    got = dict(patched, metadata=metadata_of(patched))
    errs += check_peers.compare(expected, got, strict=False)

    if mode == "in place":  # the undo journal gives back the prepared file byte for byte
        run([spindle, "restore", target])
        if open(target, "rb").read() != before:
            errs.append("spindle restore did not give back the file as it was before the edit")
        shutil.copyfile(prepared, target)  # patched again for the llama.cpp check
        run(command(spindle, args, target))
    return target, mode, len(original["tensors"]), errs


def llama_check(bin_dir, path, n_tensors, tiny):
    errs = []
    p = subprocess.run([os.path.join(bin_dir, "llama-gguf"), path, "r", "n"], capture_output=True, text=True)
    if p.returncode != 0:
        return [f"llama-gguf {path} r n exited {p.returncode}: {(p.stderr or p.stdout).strip()[-300:]}"]
    m = re.search(r"n_tensors:\s*(\d+)", p.stdout + p.stderr) or re.search(r"n_tensors\s*=\s*(\d+)", p.stdout + p.stderr)
    if not m:
        errs.append("llama-gguf printed no tensor count")
    elif int(m[1]) != n_tensors:
        errs.append(f"llama-gguf read {m[1]} tensors, the original has {n_tensors}")
    if tiny:
        p = subprocess.run([os.path.join(bin_dir, "llama-simple"), "-m", path, "-n", "1", "hello"],
                           capture_output=True, text=True, errors="replace")  # random-weight token
        if p.returncode != 0:
            errs.append(f"llama-simple -n 1 exited {p.returncode}: {p.stderr.strip()[-300:]}")
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spindle")
    ap.add_argument("work")
    ap.add_argument("--llama-bin", default=os.environ.get("LLAMA_BIN") or None)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    passed = failed = 0
    llama_files = 0
    for i, case in enumerate(cases()):
        try:
            target, mode, n_tensors, errs = check_case(case, a.spindle, a.work, i)
            if a.llama_bin and target.endswith(".gguf"):
                errs += llama_check(a.llama_bin, target, n_tensors, case.fixture == TINY_GGUF)
                llama_files += 1
        except Exception as e:  # spindle failed, or a peer could not read the file
            mode, errs = "-", [f"{type(e).__name__}: {e}"]
        if errs:
            failed += 1
            print(f"FAIL {case.name} ({mode})")
            for e in errs:
                print(f"     {e}")
        else:
            passed += 1
            print(f"ok   {case.name} ({mode})")
    for i, (fixture, arguments, kind) in enumerate(TABLE_CASES):
        name = f"{fixture} {' '.join(arguments).replace('{out}', 'OUT')}"
        try:
            target, errs = check_tables_case(fixture, arguments, kind, a.spindle, a.work, i)
            if a.llama_bin and target.endswith(".gguf"):
                errs += llama_check(a.llama_bin, target, 22, True)
                llama_files += 1
        except Exception as e:
            errs = [f"{type(e).__name__}: {e}"]
        if errs:
            failed += 1
            print(f"FAIL {name}")
            for e in errs:
                print(f"     {e}")
        else:
            passed += 1
            print(f"ok   {name}")
    for i, (fixture, kind) in enumerate(LONGROPE_CASES):
        name = f"{fixture} stamp --from-config {PHI3}/longrope-128k.json -o OUT"
        skipped = False
        try:
            target, errs, skipped = check_longrope_case(fixture, kind, a.spindle, a.work, i)
            if a.llama_bin and target.endswith(".gguf"):
                errs += llama_check(a.llama_bin, target, 11, True)
                llama_files += 1
        except Exception as e:
            errs = [f"{type(e).__name__}: {e}"]
        if skipped:
            print(f"skip {name} (transformers is not installed)")
        elif errs:
            failed += 1
            print(f"FAIL {name}")
            for e in errs:
                print(f"     {e}")
        else:
            passed += 1
            print(f"ok   {name}")
    if a.llama_bin:
        print(f"llama.cpp ({a.llama_bin}) read {llama_files} patched GGUF files")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
