import Tensors
import Testing

@testable import VectorKernels

/// `Kernels.dotGGMLVectorBF16` against ggml's `ggml_vec_dot_bf16` written out one lane at a
/// time (the SmolLM2 BF16 one-token case checks the AVX2 form against llama.cpp itself; its
/// rows are whole steps of 32, so the leftover products and the AVX-512 form are checked here).
@Suite("ggml_vec_dot_bf16's order")
struct VectorDotBF16Tests {
  /// BF16 values of mixed magnitude, so that the order of the sums shows in the last bits.
  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let mantissa = Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1e6
      let scale = Float(1 << Int((state >> 60) & 7))
      return HalfFloat.float(fromBFloat16: HalfFloat.bfloat16(from: mantissa * scale))
    }
  }

  /// The C code's arithmetic, lane by lane: AVX2's four 8-lane fused accumulators, then
  /// `(c1 + c3) + (c2 + c4)`, the high half plus the low, `vmovhlps` and `vmovshdup` pairing;
  /// AVX512F's two 16-lane accumulators, each `_mm512_reduce_add_ps`, added in Double.
  static func reference(lanes: Int, _ a: [Float], _ b: [Float]) -> Float {
    let whole = a.count - a.count % 32
    let chains = 32 / lanes
    var accumulators = [[Float]](repeating: [Float](repeating: 0, count: lanes), count: chains)
    for i in 0..<whole {
      let chain = (i % 32) / lanes
      let lane = i % lanes
      accumulators[chain][lane] = accumulators[chain][lane].addingProduct(a[i], b[i])
    }
    func halves(_ v: [Float]) -> [Float] {
      (0..<(v.count / 2)).map { v[$0 + v.count / 2] + v[$0] }
    }
    var sum: Double
    if lanes == 8 {
      let c = (0..<8).map {
        (accumulators[0][$0] + accumulators[2][$0]) + (accumulators[1][$0] + accumulators[3][$0])
      }
      let g = halves(c)
      sum = Double((g[0] + g[2]) + (g[1] + g[3]))
    } else {
      sum = 0
      for accumulator in accumulators {
        let u = halves(halves(accumulator))
        sum += Double((u[0] + u[2]) + (u[1] + u[3]))
      }
    }
    for i in whole..<a.count { sum += Double(a[i] * b[i]) }
    return Float(sum)
  }

  @Test(arguments: [8, 16], [32, 72, 576, 1543])
  func matchesTheCCode(lanes: Int, count: Int) {
    for seed: UInt64 in 1...20 {
      let a = Self.values(count, seed: seed)
      let b = Self.values(count, seed: seed &+ 1000)
      let ours = Kernels.dotGGMLVectorBF16(lanes: lanes, a, b, count: count)
      let expected = Self.reference(lanes: lanes, a, b)
      #expect(ours.bitPattern == expected.bitPattern, "seed \(seed): \(ours) vs \(expected)")
    }
  }

  /// The pairing matters: on these rows ggml's F32 order (`GGML_F32x8_REDUCE`) and the BF16 one
  /// differ in some last bits, so taking one for the other would show.
  @Test func theF32OrderDiffers() {
    let differing = (1...50).filter { (seed: UInt64) in
      let a = Self.values(576, seed: seed)
      let b = Self.values(576, seed: seed &+ 1000)
      return Kernels.dotGGMLVectorBF16(lanes: 8, a, b, count: 576)
        != Kernels.dotGGMLVector(SIMD8<Float>.self, a, b, count: 576)
    }
    #expect(differing.count > 5, "\(differing.count) of 50 rows differ")
  }
}
