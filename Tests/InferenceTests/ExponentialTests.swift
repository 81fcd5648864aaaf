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
}
