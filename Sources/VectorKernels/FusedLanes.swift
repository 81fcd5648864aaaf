/// A vector of Float lanes as one of llama.cpp's x86 builds uses it: `SIMD16` for the AVX-512
/// build, `SIMD8` for the AVX2 one. The width decides which lanes a fused sum goes to and how
/// they are added at the end, so the two builds round differently.
///
/// The kernels of `--numerics llama.cpp` are generic over it; the exact numerics always take
/// `SIMD16`. Either width runs on every kernel level (a `SIMD16` is two ymm registers on AVX2).
protocol FusedLanes: SIMD where Scalar == Float {
  /// tinyBLAS's `hsum` of this width (also `ggml_vec_soft_max_f32`'s and `ggml_vec_cvar_f32`'s
  /// per-vector sum).
  static func horizontalSum(_ lanes: Self) -> Float

  /// The last step of ggml's `GGML_F32_VEC_REDUCE` of this width, after its four
  /// accumulators are added pairwise.
  static func vectorReduce(_ lanes: Self) -> Float

  /// One lane of this build's `ggml_v_expf`.
  static func ggmlExp(_ x: Float) -> Float
}

extension FusedLanes {
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Self {
    UnsafeRawPointer(p).loadUnaligned(as: Self.self)
  }

  @inline(__always)
  func store(_ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
  }
}

extension SIMD16: FusedLanes where Scalar == Float {
  @inline(__always)
  static func horizontalSum(_ lanes: Self) -> Float { Kernels.reduce16(lanes) }

  /// `_mm512_reduce_add_ps`.
  @inline(__always)
  static func vectorReduce(_ lanes: Self) -> Float { Kernels.reduce16(lanes) }

  @inline(__always)
  static func ggmlExp(_ x: Float) -> Float { Kernels.ggmlExp(x) }
}

extension SIMD8: FusedLanes where Scalar == Float {
  @inline(__always)
  static func horizontalSum(_ lanes: Self) -> Float { Kernels.reduce8(lanes) }

  /// `GGML_F32x8_REDUCE`'s tail: `t_i = l_i + l_{4+i}`, then two `hadd`s,
  /// `(t_0 + t_1) + (t_2 + t_3)` (not tinyBLAS's pairing).
  @inline(__always)
  static func vectorReduce(_ lanes: Self) -> Float {
    let t = lanes.lowHalf + lanes.highHalf
    return (t[0] + t[1]) + (t[2] + t[3])
  }

  @inline(__always)
  static func ggmlExp(_ x: Float) -> Float { Kernels.ggmlExpAVX2(x) }
}
