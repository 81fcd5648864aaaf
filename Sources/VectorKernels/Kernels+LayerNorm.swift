extension Kernels {
  /// LayerNorm of one vector of `n` values in place, as ggml's `norm` (in the build of `V`'s
  /// width) then `mul` by `weight` then `add` of `bias`.
  ///
  /// `ggml_vec_sum_f32`: `Σx` in Double, rounded to Float; `mean = sum/n` in Float;
  /// `ggml_vec_cvar_f32`: `v = x − mean` (Float), `Σv²` with every vector of squares summed
  /// as the build's `hsum` (``FusedLanes/horizontalSum(_:)``) before joining a Double, the leftover squares
  /// one by one, then `var = Float(Σ/n)`; `scale = 1/sqrtf(var + ε)`; `y = ((v·scale)·w) + b`,
  /// each step rounded (separate graph nodes; ggml-cpu fuses only `rms_norm` with `mul`).
  static func layerNormGGML<V: FusedLanes>(
    _: V.Type, _ v: UnsafeMutablePointer<Float>, count n: Int, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, epsilon: Float
  ) {
    var total: Double = 0
    for i in 0..<n { total += Double(v[i]) }
    let mean = Float(total) / Float(n)
    var squares: Double = 0
    var i = 0
    while i + V.scalarCount <= n {
      var lanes = V(repeating: 0)
      for lane in 0..<V.scalarCount {
        let centered = v[i + lane] - mean
        v[i + lane] = centered
        lanes[lane] = centered * centered
      }
      squares += Double(V.horizontalSum(lanes))
      i += V.scalarCount
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
