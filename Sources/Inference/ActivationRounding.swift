import Tensors

/// The values llama.cpp's CPU backend actually multiplies a weight by: activations converted to
/// the weight's `vec_dot_type` and back (see ``NumericMode/llamaCpp``).
///
/// The round trip reproduces the quantized values exactly; what remains different from ggml is
/// only the order of the Float products and sums of the dot product itself.
enum ActivationRounding {
  /// `input` (vectors of `columns` values) as the `vec_dot_type` of `weight` represents it.
  static func rounded(_ input: [Float], columns: Int, forWeight weight: DType) -> [Float] {
    switch weight {
    case .f16: input.map { HalfFloat.float(fromHalf: HalfFloat.half(from: $0)) }
    case .bf16: input.map { HalfFloat.float(fromBFloat16: HalfFloat.bfloat16(from: $0)) }
    case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1:
      columns.isMultiple(of: 32) ? blocks(input, size: 32, roundTripQ8Zero) : input
    case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
      columns.isMultiple(of: 256) ? blocks(input, size: 256, roundTripQ8K) : input
    default: input
    }
  }

  private static func blocks(
    _ input: [Float], size: Int, _ quantize: (UnsafeMutableBufferPointer<Float>) -> Void
  ) -> [Float] {
    var output = input
    output.withUnsafeMutableBufferPointer { buffer in
      var start = 0
      while start + size <= buffer.count {
        quantize(UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + size)]))
        start += size
      }
    }
    return output
  }

  /// ggml `quantize_row_q8_0` (x86 AVX path; `q8_1` quantizes the same way) and back:
  /// `d = amax/127` stored as F16, `q = round_half_even(x · 127/amax)`, value `F16(d)·q`.
  static func roundTripQ8Zero(_ block: UnsafeMutableBufferPointer<Float>) {
    var amax: Float = 0
    for x in block { amax = max(amax, x.magnitude) }
    let d = HalfFloat.float(fromHalf: HalfFloat.half(from: amax / 127))
    let id: Float = amax != 0 ? 127 / amax : 0
    for i in block.indices {
      block[i] = d * (block[i] * id).rounded(.toNearestOrEven)
    }
  }

  /// ggml `quantize_row_q8_K_ref` and back: the signed value of largest magnitude `max`,
  /// `iscale = -127/max`, `q = min(127, nearest_int(iscale·x))`, value `(1/iscale)·q` (Float).
  static func roundTripQ8K(_ block: UnsafeMutableBufferPointer<Float>) {
    var amax: Float = 0
    var extreme: Float = 0
    for x in block where x.magnitude > amax {
      amax = x.magnitude
      extreme = x
    }
    guard amax != 0 else {
      for i in block.indices { block[i] = 0 }
      return
    }
    let iscale = -127 / extreme
    let d = 1 / iscale
    for i in block.indices {
      block[i] = d * min(127, (iscale * block[i]).rounded(.toNearestOrEven))
    }
  }
}
