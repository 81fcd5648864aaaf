import Testing

@testable import VectorKernels

#if canImport(Glibc)
import Glibc
#endif

@Suite("Vector expf")
struct ExponentialTests {
  /// `exp8` returns glibc `expf`'s bits on a sample of every 4099th Float bit pattern (about a
  /// million values over every exponent and both signs: the table path, the `|x| ≥ 88` lanes,
  /// subnormal results, infinities and NaN).
  @Test func matchesLibmOnBitPatterns() {
    var mismatches: [(Float, Float, Float)] = []
    var pattern: UInt64 = 0
    var batch = SIMD8<Float>()
    var lane = 0
    func check() {
      let vector = Kernels.exp8(batch)
      for i in 0..<lane {
        let expected = expf(batch[i])
        let same =
          vector[i].bitPattern == expected.bitPattern || (vector[i].isNaN && expected.isNaN)
        if !same && mismatches.count < 5 { mismatches.append((batch[i], vector[i], expected)) }
      }
      lane = 0
    }
    while pattern <= UInt64(UInt32.max) {
      batch[lane] = Float(bitPattern: UInt32(pattern))
      lane += 1
      if lane == 8 { check() }
      pattern += 4099
    }
    if lane > 0 { check() }
    #expect(mismatches.isEmpty, "first mismatches (x, exp8, expf): \(mismatches)")
  }

  /// 2¹⁸ consecutive Floats from each start, bit for bit: arguments next to 0, around -0.5
  /// and -10 (where attention's softmax lives), and just inside -88 (the last table lanes).
  @Test(arguments: [UInt32(0x8000_0000), 0xbf00_0000, 0xc120_0000, 0xc2af_c000])
  func matchesLibmOnConsecutiveFloats(start: UInt32) {
    var mismatches = 0
    var pattern = start
    while pattern < start + (1 << 18) {
      var batch = SIMD8<Float>()
      for i in 0..<8 { batch[i] = Float(bitPattern: pattern + UInt32(i)) }
      let vector = Kernels.exp8(batch)
      for i in 0..<8 where vector[i].bitPattern != expf(batch[i]).bitPattern { mismatches += 1 }
      pattern += 8
    }
    #expect(mismatches == 0)
  }

  /// `ggmlExp` scales by `2ⁿ` with one product when `2ⁿ` is a normal Float, and by `scalbnf`
  /// otherwise; both round `2ⁿ·j` once, so every input gives what the `scalbnf`-only form (ggml's
  /// `_mm512_scalef_ps`) gives: checked on every 97th Float bit pattern of [−110, 100] (the
  /// underflowing results near −87.3 and −103, overflow past 88.7 included) and on ±0, ±∞.
  @Test func ggmlExpScalesAsScalef() {
    func scalefForm(_ x: Float) -> Float {
      let r: Float = 0x1.8p23
      let z = r.addingProduct(x, 0x1.715476p+0)
      let n = z - r
      let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
      if n.magnitude > 192 { return n <= 0 ? 0 : .infinity }
      let u = b * b
      let high = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
      let low = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
      let first = Float(1).addingProduct(0x1.ffffecp-1, b)
      let j = first.addingProduct(low.addingProduct(high, u), u)
      return scalbnf(j, Int32(n))
    }
    var inputs: [Float] = [0, -0, .infinity, -.infinity]
    for range in [(Float(0), Float(100)), (Float(-0.0), Float(-110))] {
      var bits = range.0.bitPattern
      while Float(bitPattern: bits).magnitude <= range.1.magnitude {
        inputs.append(Float(bitPattern: bits))
        bits &+= 97
      }
    }
    let differing = inputs.filter { Kernels.ggmlExp($0).bitPattern != scalefForm($0).bitPattern }
    #expect(inputs.count > 20_000_000)
    #expect(differing.isEmpty, "\(differing.prefix(5))")
  }

  /// ggml's AVX2 `ggml_v_expf` (`ggmlExpAVX2`): within 2 ulp of glibc `expf` wherever the result
  /// is a normal Float (every 97th bit pattern of [−87, 88]), flushing as ggml says (`+∞` past
  /// 88.38, 0 past −103.97), NaN kept; and not the AVX-512 form, which rounds its polynomial
  /// differently: the two differ in the last bit on a share of the inputs, so a softmax in one
  /// build's order is not the other's. (Bit-exactness with ggml itself: FlashAttentionTests'
  /// AVX2 recordings.)
  @Test func ggmlExpAVX2IsCloseToExpfAndNotTheAVX512Form() {
    var worst: Float = 0
    var differing = 0
    var count = 0
    // Every 97th bit pattern of [−87, −0] (descending patterns) and of [0, 88].
    let negative = stride(from: (-87 as Float).bitPattern, to: 0x8000_0000, by: -97)
    let positive = stride(from: UInt32(0), to: (88 as Float).bitPattern, by: 97)
    for pattern in Array(negative) + Array(positive) {
      let x = Float(bitPattern: pattern)
      let ours = Kernels.ggmlExpAVX2(x)
      let expected = expf(x)
      worst = max(worst, (ours - expected).magnitude / expected.ulp)
      if ours.bitPattern != Kernels.ggmlExp(x).bitPattern { differing += 1 }
      count += 1
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
    #expect(differing > count / 1000 && differing < count / 2, "\(differing) of \(count) differ")
    #expect(Kernels.ggmlExpAVX2(-.infinity) == 0)
    #expect(Kernels.ggmlExpAVX2(89) == .infinity)
    #expect(Kernels.ggmlExpAVX2(-104) == 0)
    #expect(Kernels.ggmlExpAVX2(.nan).isNaN)
    // 126 < |n| ≤ 192: scaled in two steps into the subnormals, as expf gives them to within 2 ulp.
    let small = Kernels.ggmlExpAVX2(-95)
    #expect(small.isSubnormal && (small - expf(-95)).magnitude <= 2 * expf(-95).ulp)
  }
}
