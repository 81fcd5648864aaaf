/// The number of Float values between `a` and `b` (0 when equal, 1 for neighbours).
func ulpDistance(_ a: Float, _ b: Float) -> Int {
  func ordered(_ x: Float) -> Int {
    let bits = Int(x.bitPattern & 0x7FFF_FFFF)
    return x.sign == .minus ? -bits : bits
  }
  return abs(ordered(a) - ordered(b))
}
