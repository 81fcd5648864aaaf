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
      lanes = lanes.addingProduct(load16(a + start), load16(b + start))
      start += 16
    }
    return reduce16(lanes)
  }

  @inline(__always)
  static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
  }

  /// GCC's `_mm512_reduce_add_ps`: `t_i = l_{8+i} + l_i`, `u_i = t_{4+i} + t_i`,
  /// `(u_0 + u_2) + (u_1 + u_3)`.
  @inline(__always)
  static func reduce16(_ l: SIMD16<Float>) -> Float {
    let t = l.highHalf + l.lowHalf
    let u = t.highHalf + t.lowHalf
    return (u[0] + u[2]) + (u[1] + u[3])
  }

  /// tinyBLAS `hsum(__m256)`: `r_i = l_{4+i} + l_i`, then `(r_0 + r_2) + (r_1 + r_3)`.
  @inline(__always)
  static func reduce8(_ l: SIMD8<Float>) -> Float {
    let r = l.highHalf + l.lowHalf
    return (r[0] + r[2]) + (r[1] + r[3])
  }
}
