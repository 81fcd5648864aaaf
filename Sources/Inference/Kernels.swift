/// The scalar kernels of the forward pass, each written to follow ggml's CPU op.
enum Kernels {
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

  /// `silu(g)·u` element-wise (SwiGLU), into `gate`.
  static func swiGLU(gate: inout [Float], up: [Float]) {
    precondition(gate.count == up.count, "gate and up differ in length")
    gate.withUnsafeMutableBufferPointer { g in
      up.withUnsafeBufferPointer { u in
        nonisolated(unsafe) let g = g
        nonisolated(unsafe) let u = u
        inParallel(count: g.count) { range in
          for i in range {
            let x = g[i]
            g[i] = x / (1 + CMath.exp(-x)) * u[i]
          }
        }
      }
    }
  }

  /// `body(range)` over `0..<count` in pieces on the worker threads when there are at least
  /// `minimum` items (by default 2¹⁶, a prompt's feed-forward), else on the calling thread.
  /// For independent items, whose values do not depend on how the work is split.
  static func inParallel(count: Int, minimum: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
    let pieces = count >= minimum ? Parallelism.threadCount * 4 : 1
    Parallelism.perform(iterations: pieces) { piece in
      body((count * piece / pieces)..<(count * (piece + 1) / pieces))
    }
  }

  /// `x += bias` for every vector of `bias.count` values.
  static func addBias(_ x: inout [Float], _ bias: [Float]) {
    let n = bias.count
    for i in x.indices { x[i] += bias[i % n] }
  }
}

extension Kernels {
  /// `silu(g)·u` element-wise as ggml's `swiglu` (`g / (1 + ggml_v_expf(0 − g))·u`, the
  /// selected ``LlamaCppBuild``'s `ggml_v_expf`), into `gate`, by the selected
  /// ``KernelLevel``'s kernels.
  static func swiGLUGGML(gate: inout [Float], up: [Float]) {
    precondition(gate.count == up.count, "gate and up differ in length")
    let kernels = KernelLevel.selected.kernels
    let lanes = LlamaCppBuild.selected.lanes
    gate.withUnsafeMutableBufferPointer { g in
      up.withUnsafeBufferPointer { u in
        guard let gb = g.baseAddress, let ub = u.baseAddress else { return }
        nonisolated(unsafe) let gate = gb
        nonisolated(unsafe) let up = ub
        inParallel(count: g.count) { range in
          kernels.swiGLUGGML(
            gate: gate + range.lowerBound, up: up + range.lowerBound, count: range.count,
            lanes: lanes)
        }
      }
    }
  }
}
