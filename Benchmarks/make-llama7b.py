#!/usr/bin/env python3
"""Writes a llama-7B-shaped GGUF with random Q4_0 weights (about 3.8 GB), with PyPI gguf.

usage: make-llama7b.py OUT.gguf [CONTEXT]

The shape of LLaMA-2-7B: vocabulary 32000, 32 layers, embedding 4096, 32 heads (head 128, no
grouped keys), feed-forward 11008, RMSNorm epsilon 1e-5, RoPE base 10000, context CONTEXT
(default 4096). Every matrix, the token embedding and the output included, is Q4_0 (ggml's
`block_q4_0`: an F16 scale, then 32 nibbles, value d·(q − 8)); the norms are F32 ones. The
nibbles are random bytes and the scale 0.0043, so the weights have a standard deviation near
0.02, as trained models do; the model means nothing, but every kernel and every byte is read as
a real model's would be. The tokenizer is a byte vocabulary padded to 32000 tokens (verify's
embedded probe needs none). Tensors are written one at a time, so the script holds one matrix.
Kept when OUT already exists with the right size.
"""
import os
import sys

import numpy as np
import gguf

VOCAB, LAYERS, EMBED, HEADS, FF = 32000, 32, 4096, 32, 11008
QK = 32
SCALE = np.float16(0.0043).view(np.uint16)


def q4_0(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    blocks = rows * cols // QK
    data = rng.integers(0, 256, size=(blocks, 18), dtype=np.uint8)
    data[:, 0] = SCALE & 0xFF
    data[:, 1] = SCALE >> 8
    return data.reshape(rows, cols // QK * 18)


def tensors():
    yield "token_embd.weight", (VOCAB, EMBED), "q4_0"
    for i in range(LAYERS):
        yield f"blk.{i}.attn_norm.weight", (EMBED,), "f32"
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            yield f"blk.{i}.{name}.weight", (EMBED, EMBED), "q4_0"
        yield f"blk.{i}.ffn_norm.weight", (EMBED,), "f32"
        yield f"blk.{i}.ffn_gate.weight", (FF, EMBED), "q4_0"
        yield f"blk.{i}.ffn_up.weight", (FF, EMBED), "q4_0"
        yield f"blk.{i}.ffn_down.weight", (EMBED, FF), "q4_0"
    yield "output_norm.weight", (EMBED,), "f32"
    yield "output.weight", (VOCAB, EMBED), "q4_0"


def main() -> None:
    out = sys.argv[1]
    context = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
    nbytes = lambda shape, kind: (shape[0] * 4 if kind == "f32" else shape[0] * shape[1] // QK * 18)
    data_bytes = sum(nbytes(s, k) for _, s, k in tensors())
    if os.path.exists(out) and data_bytes < os.path.getsize(out) < data_bytes + (8 << 20):
        print(out)
        return
    tmp = out + ".tmp"
    w = gguf.GGUFWriter(tmp, "llama")
    w.add_name("llama-7b-shaped-random-q4_0")
    w.add_context_length(context)
    w.add_embedding_length(EMBED)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FF)
    w.add_head_count(HEADS)
    w.add_head_count_kv(HEADS)
    w.add_rope_dimension_count(EMBED // HEADS)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(VOCAB)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model("llama")
    tokens = [f"<0x{b:02X}>" for b in range(256)] + [f"t{i}" for i in range(VOCAB - 256)]
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * VOCAB)
    w.add_token_types([int(gguf.TokenType.BYTE)] * 256 + [int(gguf.TokenType.NORMAL)] * (VOCAB - 256))
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    for name, shape, kind in tensors():
        if kind == "f32":
            w.add_tensor_info(name, shape, np.dtype(np.float32), nbytes(shape, kind))
        else:
            # gguf-py takes a quantized tensor's shape in bytes (rows, row bytes).
            w.add_tensor_info(
                name, (shape[0], shape[1] // QK * 18), np.dtype(np.uint8), nbytes(shape, kind),
                raw_dtype=gguf.GGMLQuantizationType.Q4_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    rng = np.random.default_rng(7)
    for name, shape, kind in tensors():
        if kind == "f32":
            w.write_tensor_data(np.ones(shape, dtype=np.float32))
        else:
            w.write_tensor_data(q4_0(shape[0], shape[1], rng))
    w.close()
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
