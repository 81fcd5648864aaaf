extension Kernels {
  /// Lanes of llama.cpp's x86 AVX-512 F16 product (tinyBLAS `KN = 16`).
  static let f16Lanes = 16

  /// `Σ a_i b_i` summed as tinyBLAS sums F16 rows on AVX-512.
  ///
  /// Lane `i mod 16` takes a fused multiply-add per element in order, then the lanes are
  /// reduced as GCC's `_mm512_reduce_add_ps` does (halves, quarters, pairs). Falls back to
  /// ``dot(_:_:count:)`` when `count` is not a multiple of 16 (tinyBLAS declines those too).
  static func dotF16Lanes(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int)
    -> Float
  {
    guard count.isMultiple(of: f16Lanes) else { return dot(a, b, count: count) }
    var lanes = SIMD16<Float>(repeating: 0)
    var start = 0
    while start < count {
      for lane in 0..<16 {
        lanes[lane] = lanes[lane].addingProduct(a[start + lane], b[start + lane])
      }
      start += 16
    }
    return reduce16(lanes)
  }

  /// GCC's `_mm512_reduce_add_ps`: `t_i = l_{8+i} + l_i`, `u_i = t_{4+i} + t_i`,
  /// `(u_0 + u_2) + (u_1 + u_3)`.
  @inline(__always)
  static func reduce16(_ l: SIMD16<Float>) -> Float {
    var t = SIMD8<Float>(repeating: 0)
    for i in 0..<8 { t[i] = l[8 + i] + l[i] }
    var u = SIMD4<Float>(repeating: 0)
    for i in 0..<4 { u[i] = t[4 + i] + t[i] }
    return (u[0] + u[2]) + (u[1] + u[3])
  }

  /// tinyBLAS `hsum(__m256)`: `r_i = l_{4+i} + l_i`, then `(r_0 + r_2) + (r_1 + r_3)`.
  @inline(__always)
  static func reduce8(_ l: SIMD8<Float>) -> Float {
    var r = SIMD4<Float>(repeating: 0)
    for i in 0..<4 { r[i] = l[4 + i] + l[i] }
    return (r[0] + r[2]) + (r[1] + r[3])
  }

  /// A Q8_0 weight row times Q8_0-quantized activations as tinyBLAS `Q0_AVX` computes it:
  /// per block, 8 lanes of exact 4-term integer sums, `acc = fma(d_w·d_a, sum, acc)`, then
  /// ``reduce8(_:)``.
  static func dotQ8Zero(
    weight: UnsafeRawPointer, scales: UnsafePointer<Float>, quants: UnsafePointer<Int8>,
    blocks: Int
  ) -> Float {
    var lanes = SIMD8<Float>(repeating: 0)
    for block in 0..<blocks {
      let w = weight + block * 34
      let dw = Dequantization.half(w, 0)
      let qw = (w + 2).assumingMemoryBound(to: Int8.self)
      let qa = quants + block * 32
      let d = dw * scales[block]
      for lane in 0..<8 {
        var sum: Int32 = 0
        for k in (4 * lane)..<(4 * lane + 4) { sum += Int32(qw[k]) * Int32(qa[k]) }
        lanes[lane] = lanes[lane].addingProduct(d, Float(sum))
      }
    }
    return reduce8(lanes)
  }
}
