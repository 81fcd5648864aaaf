"""Issue 12's acceptance on a real model: `spindle convert` against llama.cpp's convert_hf_to_gguf.py.

    python scripts/check-convert.py SPINDLE LLAMA_CPP_DIR HF_FOLDER [WORK_DIR]   # `make check-convert`

Run with the peers venv's python (transformers for HF tokenizers); the converter runs with
PYTHONPATH=LLAMA_CPP_DIR/gguf-py, and so does this script's gguf reader. For F32, F16, BF16 and
Q8_0, both tools convert HF_FOLDER; the two files are compared tensor by tensor (names, shapes,
types, bytes) and key by key (every difference listed, expected ones with their reason), then
llama.cpp (scripts/llama_tokenize.cpp and fixtures/architectures/llama_logits.cpp, built here
against LLAMA_CPP_DIR's static libraries) tokenizes recorded texts and computes the logits of a
fixed prompt plus 8 greedy steps on both files: the logits must be bit-identical and the tokens
equal. Last, Spindle's tokenization (`spindle run --json`, on the folder's tokenizer.json and on
its own GGUF) of the texts must equal transformers' AutoTokenizer's. Exit status 1 on any
unexpected difference; a summary table in Markdown ends the output (docs/convert.md). The files
are left in WORK_DIR when given; a temporary folder is removed.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPES = ["f32", "f16", "bf16", "q8_0"]
PROMPT = "The capital of France is"
GREEDY = 8
TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    " leading space and  double  spaces\ttab\nnewline",
    "Numbers 1234567 and 3.14159, dates 2024-01-31",
    "Ünïcödé: café, naïve, 日本語のテキスト, emoji 🙂👍",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "don't won't it's I'm we'll they've",
    "def f(x):\n    return x ** 2  # square",
]
# Keys Spindle writes and the converter does not (or with another value), with the reason; the
# same table as Tests/ConversionTests/ConversionAgreementTests.swift's for llama.
EXPECTED = {
    "spindle.convert": "Spindle's provenance record; the converter writes none",
}


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def read(path, gguf):
    reader = gguf.GGUFReader(str(path))
    keys = {name: field.contents() for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    tensors = {t.name: (tuple(int(d) for d in t.shape), t.tensor_type.name,
                        hashlib.sha256(t.data.tobytes()).hexdigest()) for t in reader.tensors}
    order = [t.name for t in reader.tensors]
    return keys, tensors, order


def short(v):
    text = repr(v)
    return text if len(text) <= 120 else text[:117] + "..."


def compare(ours, theirs, gguf):
    """Differences between the two files, as (expected, unexpected) lists of lines."""
    our_keys, our_tensors, our_order = read(ours, gguf)
    their_keys, their_tensors, their_order = read(theirs, gguf)
    expected, unexpected = [], []
    for key in sorted(set(our_keys) | set(their_keys)):
        a, b = our_keys.get(key, "<absent>"), their_keys.get(key, "<absent>")
        if a == b:
            continue
        line = f"{key}: spindle {short(a)} vs converter {short(b)}"
        if key in EXPECTED:
            expected.append(f"{line} ({EXPECTED[key]})")
        else:
            unexpected.append(line)
    for name in sorted(set(our_tensors) | set(their_tensors)):
        a, b = our_tensors.get(name), their_tensors.get(name)
        if a is None or b is None:
            unexpected.append(f"tensor {name}: only in {'the converter' if a is None else 'spindle'}'s file")
        elif a[:2] != b[:2]:
            unexpected.append(f"tensor {name}: spindle {a[0]} {a[1]} vs converter {b[0]} {b[1]}")
        elif a[2] != b[2]:
            unexpected.append(f"tensor {name}: {a[1]} bytes differ")
    if our_order != their_order:
        expected.append("tensor order differs (GGUF readers look tensors up by name)")
    return expected, unexpected, len(our_tensors), len(our_keys)


def build(tool, source, llama, work):
    binary = work / tool
    if binary.exists():
        return binary
    run(["c++", "-std=c++17", "-O2", "-o", str(binary), str(source),
         f"-I{llama}/include", f"-I{llama}/ggml/include",
         f"{llama}/build/src/libllama.a", f"{llama}/build/ggml/src/libggml.a",
         f"{llama}/build/ggml/src/libggml-cpu.a", f"{llama}/build/ggml/src/libggml-base.a",
         "-fopenmp", "-lpthread", "-ldl", "-lm"])
    return binary


def llama_tokens(tool, model, texts):
    lines = run([str(tool), str(model), *texts]).stdout.splitlines()
    return [[int(t) for t in line.split(",") if t] for line in lines]


def llama_logits(tool, model, tokens):
    out = run([str(tool), str(model), "--tokens", ",".join(map(str, tokens)),
               "--greedy", str(GREEDY), "--threads", "2"]).stdout
    document = json.loads(out)
    rows = [o["logits"] for o in document["outputs"]] + [s["logits"] for s in document["greedy_steps"]]
    return document["greedy"], hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def spindle_tokens(spindle, model, text):
    out = run([str(spindle), "run", str(model), "--prompt", text, "-n", "1", "--json", "--threads", "2"]).stdout
    return json.loads(out)["prompt"]


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    spindle, llama, folder = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), Path(sys.argv[3])
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(llama / "gguf-py"))
    import gguf
    from transformers import AutoTokenizer

    keep = len(sys.argv) == 5
    work = Path(sys.argv[4]) if keep else Path(tempfile.mkdtemp(prefix="check-convert-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        failures = check(spindle, llama, folder, root, work, gguf, AutoTokenizer)
    finally:
        if not keep:
            shutil.rmtree(work)
    sys.exit(1 if failures else 0)


def check(spindle, llama, folder, root, work, gguf, AutoTokenizer):
    """Runs every comparison, prints the findings and the summary; returns the failure count."""
    environment = dict(os.environ, PYTHONPATH=str(llama / "gguf-py"))
    tokenize = build("llama_tokenize", root / "scripts/llama_tokenize.cpp", llama, work)
    logits = build("llama_logits", root / "fixtures/architectures/llama_logits.cpp", llama, work)
    failures = 0
    table = []
    for dtype in TYPES:
        ours, theirs = work / f"spindle-{dtype}.gguf", work / f"converter-{dtype}.gguf"
        for path in (ours, theirs):
            path.unlink(missing_ok=True)
        start = time.monotonic()
        run([str(spindle), "convert", str(folder), "-o", str(ours), "--dtype", dtype])
        spindle_seconds = time.monotonic() - start
        start = time.monotonic()
        run([sys.executable, str(llama / "convert_hf_to_gguf.py"), str(folder), "--outtype", dtype,
             "--outfile", str(theirs)], env=environment)
        converter_seconds = time.monotonic() - start
        expected, unexpected, tensor_count, key_count = compare(ours, theirs, gguf)
        print(f"## {dtype}: {tensor_count} tensors, {key_count} keys"
              f" (spindle {spindle_seconds:.1f} s, convert_hf_to_gguf.py {converter_seconds:.1f} s)")
        for line in expected:
            print(f"  expected: {line}")
        for line in unexpected:
            print(f"  DIFFERENT: {line}")
        bytes_equal = not any(line.startswith("tensor") for line in unexpected)
        keys_equal = not any(not line.startswith("tensor") for line in unexpected)
        prompt = llama_tokens(tokenize, theirs, [PROMPT])[0]
        our_greedy, our_logits = llama_logits(logits, ours, prompt)
        their_greedy, their_logits = llama_logits(logits, theirs, prompt)
        logits_equal = our_logits == their_logits
        greedy_equal = our_greedy == their_greedy
        print(f"  llama.cpp on {PROMPT!r} {prompt}: logits (every prompt row and {GREEDY} greedy steps)"
              f" {'bit-identical' if logits_equal else 'DIFFERENT'}, greedy {our_greedy}"
              f"{'' if greedy_equal else f' vs converter {their_greedy} DIFFERENT'}")
        ours_tokens, theirs_tokens = llama_tokens(tokenize, ours, TEXTS), llama_tokens(tokenize, theirs, TEXTS)
        tokens_equal = ours_tokens == theirs_tokens
        for text, a, b in zip(TEXTS, ours_tokens, theirs_tokens):
            if a != b:
                print(f"  DIFFERENT llama.cpp tokens for {text!r}: spindle's file {a} vs converter's {b}")
        print(f"  llama.cpp tokenization of {len(TEXTS)} texts: {'equal' if tokens_equal else 'DIFFERENT'}")
        row_ok = bytes_equal and keys_equal and logits_equal and greedy_equal and tokens_equal
        failures += not row_ok
        table.append((dtype, bytes_equal, keys_equal, logits_equal, greedy_equal, tokens_equal,
                      spindle_seconds, converter_seconds))

    hf = AutoTokenizer.from_pretrained(str(folder))
    hf_tokens = [hf(text)["input_ids"] for text in TEXTS]
    llama_f32 = llama_tokens(tokenize, work / "converter-f32.gguf", TEXTS)
    agreement = {"spindle (tokenizer.json)": folder, "spindle (its F32 GGUF)": work / "spindle-f32.gguf"}
    tokenizer_rows = []
    for label, model in agreement.items():
        equal = 0
        for text, expected_ids in zip(TEXTS, hf_tokens):
            ids = spindle_tokens(spindle, model, text)
            if ids == expected_ids:
                equal += 1
            else:
                print(f"  DIFFERENT {label} tokens for {text!r}: {ids} vs HF {expected_ids}")
        tokenizer_rows.append((label, equal))
        failures += equal != len(TEXTS)
    llama_equal = sum(a == b for a, b in zip(llama_f32, hf_tokens))
    for text, a, b in zip(TEXTS, llama_f32, hf_tokens):
        if a != b:
            print(f"  note: llama.cpp tokens for {text!r}: {a} vs HF {b}")
    tokenizer_rows.append(("llama.cpp (converter's F32 GGUF)", llama_equal))

    yes = lambda ok: "yes" if ok else "**no**"
    print("\n| type | tensors: names, shapes, types, bytes | metadata (but the expected keys) |"
          " llama.cpp logits | greedy tokens | llama.cpp tokens | spindle s | converter s |")
    print("|---|---|---|---|---|---|---|---|")
    for dtype, b, k, l, g, t, s, c in table:
        print(f"| {dtype.upper()} | {yes(b)} | {yes(k)} | {'bit-identical' if l else '**different**'} |"
              f" {yes(g)} | {yes(t)} | {s:.1f} | {c:.1f} |")
    print("\n| tokenizer | texts equal to HF AutoTokenizer's |")
    print("|---|---|")
    for label, equal in tokenizer_rows:
        print(f"| {label} | {equal}/{len(TEXTS)} |")
    return failures


if __name__ == "__main__":
    main()
