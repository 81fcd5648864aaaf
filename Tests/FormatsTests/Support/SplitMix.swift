/// SplitMix64: a small deterministic generator, so one property-test seed reproduces a case.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension SplitMix {
  /// Overwrites 1 to `maximumEdits` bytes within the first `prefix` bytes of `bytes` (each
  /// either one of `interesting` or a random byte), then, one time in four, cuts the end off.
  mutating func damage(
    _ bytes: inout [UInt8], inFirst prefix: Int, maximumEdits: Int, interesting: [UInt8]
  ) {
    for _ in 0..<(1 + Int(next() % UInt64(maximumEdits))) {
      let position = Int(next() % UInt64(prefix))
      let choice = next()
      bytes[position] =
        choice % 2 == 0
        ? interesting[Int(choice / 2 % UInt64(interesting.count))]
        : UInt8(truncatingIfNeeded: choice >> 8)
    }
    if next() % 4 == 0 { bytes.removeLast(Int(next() % UInt64(bytes.count / 2 + 1))) }
  }
}
