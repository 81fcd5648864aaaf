import Tensors

/// The vector kernels of the forward pass: matrix rows, attention and their helpers, each
/// written to follow ggml's CPU op or Spindle's exact order.
///
/// This source is compiled three times (`VectorKernels`, `VectorKernelsAVX2`,
/// `VectorKernelsAVX512`), each for one instruction-set level; callers reach it only through
/// ``CompiledKernels``, whose entry points are never inlined into code built for another level.
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

  /// `x` rounded to F16 and back (the F16 KV cache and activations of llama.cpp numerics).
  @inline(__always)
  static func roundedToHalf(_ x: Float) -> Float {
    HalfFloat.float(fromHalf: HalfFloat.half(from: x))
  }
}
