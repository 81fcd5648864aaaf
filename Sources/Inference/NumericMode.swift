/// How the forward pass rounds intermediate values.
///
/// `.exact` keeps every activation in `Float` and dequantizes weights exactly. `.llamaCpp`
/// rounds where llama.cpp's CPU backend rounds (non-flash attention, F16 KV cache), so logits
/// can be compared with it tightly:
/// - the activations entering a matrix product are converted to the weight's `vec_dot_type`
///   first: Q8_0 blocks for Q8_0/Q4_0/Q5_0 weights, Q8_1 for Q4_1/Q5_1, Q8_K for k-quants,
///   F16 for F16 weights, BF16 for BF16 weights (F32 weights take F32);
/// - keys and values are stored in F16, queries are rounded to F16 for `K·q`, and the softmax
///   probabilities are rounded to F16 for `V·p`;
/// - Q8_0 and F16 products are summed in the order of llama.cpp's x86 tinyBLAS kernels
///   (integer block sums with 8 fused lanes for Q8_0; 16 fused lanes, the AVX-512 width, for
///   F16), so on the tiny test model the logits come out bit-identical to an AVX-512 build;
/// - BF16 products take tinyBLAS's Float chains for a batch and `ggml_vec_dot_bf16`'s order for
///   one token. The AVX2 build's are checked against llama.cpp; the AVX-512 build's follow its
///   AVX512F source, not the `vdpbf16ps` path llama.cpp takes on a CPU with AVX512_BF16.
public enum NumericMode: Sendable, Hashable {
  /// Every activation in Float.
  case exact
  /// llama.cpp's CPU rounding (see the type's description).
  case llamaCpp
}
