extension Kernels {
  /// LayerNorm times `weight` plus `bias`, in place, for every vector of `weight.count` values:
  /// the formula, as `.exact` numerics compute it.
  ///
  /// Mean and variance (two passes, population variance) in Double,
  /// `y = Float((x − mean)/√(var + ε))·w + b`.
  static func layerNorm(_ x: inout [Float], weight: [Float], bias: [Float]?, epsilon: Float) {
    let n = weight.count
    forEachVector(&x, length: n) { v in
      var sum: Double = 0
      for i in 0..<n { sum += Double(v[i]) }
      let mean = sum / Double(n)
      var squares: Double = 0
      for i in 0..<n {
        let centered = Double(v[i]) - mean
        squares += centered * centered
      }
      let inverse = 1 / (squares / Double(n) + Double(epsilon)).squareRoot()
      for i in 0..<n { v[i] = Float((Double(v[i]) - mean) * inverse) * weight[i] }
      if let bias { for i in 0..<n { v[i] += bias[i] } }
    }
  }

  /// LayerNorm as ggml's `norm` (AVX-512 build) then `mul` by `weight` then `add` of `bias`.
  ///
  /// `ggml_vec_sum_f32`: `Σx` in Double, rounded to Float; `mean = sum/n` in Float;
  /// `ggml_vec_cvar_f32`: `v = x − mean` (Float), `Σv²` with every 16 squares summed as
  /// `_mm512_reduce_add_ps` (``reduce16(_:)``) before joining a Double, the leftover squares
  /// one by one, then `var = Float(Σ/n)`; `scale = 1/sqrtf(var + ε)`; `y = ((v·scale)·w) + b`,
  /// each step rounded (separate graph nodes; ggml-cpu fuses only `rms_norm` with `mul`).
  static func layerNormGGML(
    _ x: inout [Float], weight: [Float], bias: [Float]?, epsilon: Float
  ) {
    let n = weight.count
    forEachVector(&x, length: n) { v in
      var total: Double = 0
      for i in 0..<n { total += Double(v[i]) }
      let mean = Float(total) / Float(n)
      var squares: Double = 0
      var i = 0
      while i + 16 <= n {
        var lanes = SIMD16<Float>(repeating: 0)
        for lane in 0..<16 {
          let centered = v[i + lane] - mean
          v[i + lane] = centered
          lanes[lane] = centered * centered
        }
        squares += Double(reduce16(lanes))
        i += 16
      }
      while i < n {
        let centered = v[i] - mean
        v[i] = centered
        squares += Double(centered * centered)
        i += 1
      }
      let variance = Float(squares / Double(n))
      let scale = 1 / CMath.squareRoot(variance + epsilon)
      for i in 0..<n { v[i] = v[i] * scale * weight[i] }
      if let bias { for i in 0..<n { v[i] += bias[i] } }
    }
  }

  /// Runs `body` on each whole vector of `length` values of `x`, in place.
  @inline(__always)
  static func forEachVector(
    _ x: inout [Float], length: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> Void
  ) {
    x.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress, length > 0 else { return }
      var start = 0
      while start + length <= buffer.count {
        body(UnsafeMutableBufferPointer(start: base + start, count: length))
        start += length
      }
    }
  }
}
