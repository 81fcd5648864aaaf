/// The scalar kernels of the forward pass, each written to follow ggml's CPU op.
enum Kernels {
  /// `Σ a_i b_i` in Float with four accumulators.
  @inline(__always)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var s0: Float = 0
    var s1: Float = 0
    var s2: Float = 0
    var s3: Float = 0
    var i = 0
    while i + 4 <= count {
      s0 += a[i] * b[i]
      s1 += a[i + 1] * b[i + 1]
      s2 += a[i + 2] * b[i + 2]
      s3 += a[i + 3] * b[i + 3]
      i += 4
    }
    while i < count {
      s0 += a[i] * b[i]
      i += 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  /// RMSNorm times `weight`, in place, for every vector of `weight.count` values in `x`.
  ///
  /// As ggml `rms_norm` then `mul`: `Σx²` in Double, `mean` rounded to Float,
  /// `scale = 1/sqrtf(mean + eps)`, `y = (x·scale)·w`.
  static func rmsNorm(_ x: inout [Float], weight: [Float], epsilon: Float) {
    let n = weight.count
    x.withUnsafeMutableBufferPointer { buffer in
      var start = 0
      while start + n <= buffer.count {
        var sum: Double = 0
        for i in start..<(start + n) { sum += Double(buffer[i] * buffer[i]) }
        let mean = Float(sum / Double(n))
        let scale = 1 / CMath.squareRoot(mean + epsilon)
        for i in 0..<n { buffer[start + i] = buffer[start + i] * scale * weight[i] }
        start += n
      }
    }
  }

  /// Softmax of `x[0..<count]` in place, as ggml `soft_max`: max, `expf(x − max)`, sum in
  /// Double, multiplied by the Float reciprocal of the sum.
  static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var maximum = -Float.infinity
    for i in 0..<count { maximum = max(maximum, x[i]) }
    var sum: Double = 0
    for i in 0..<count {
      let e = CMath.exp(x[i] - maximum)
      x[i] = e
      sum += Double(e)
    }
    let scale = Float(1 / sum)
    for i in 0..<count { x[i] *= scale }
  }

  /// `silu(g)·u` element-wise (SwiGLU), into `gate`.
  static func swiGLU(gate: inout [Float], up: [Float]) {
    for i in gate.indices {
      let g = gate[i]
      gate[i] = g / (1 + CMath.exp(-g)) * up[i]
    }
  }

  /// `x += bias` for every vector of `bias.count` values.
  static func addBias(_ x: inout [Float], _ bias: [Float]) {
    let n = bias.count
    for i in x.indices { x[i] += bias[i % n] }
  }
}
