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

  /// LayerNorm as ggml's `norm` (in the selected ``LlamaCppBuild``'s sums) then `mul` by
  /// `weight` then `add` of `bias`, in place, for every vector of `weight.count` values, by the
  /// selected ``KernelLevel``'s kernels (`layerNormGGML`).
  static func layerNormGGML(
    _ x: inout [Float], weight: [Float], bias: [Float]?, epsilon: Float
  ) {
    let kernels = KernelLevel.selected.kernels
    let lanes = LlamaCppBuild.selected.lanes
    let b = bias ?? []
    weight.withUnsafeBufferPointer { w in
      b.withUnsafeBufferPointer { biasBuffer in
        guard let wb = w.baseAddress else { return }
        let bb = bias == nil ? nil : biasBuffer.baseAddress
        forEachVector(&x, length: w.count) { v in
          guard let vb = v.baseAddress else { return }
          kernels.layerNormGGML(
            vb, count: v.count, weight: wb, bias: bb, epsilon: epsilon, lanes: lanes)
        }
      }
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
