/// Conversions between `Float` and the 16-bit float formats (IEEE binary16 and bfloat16).
///
/// binary16 goes through Swift's `Float16` where the platform has it (one `vcvtph2ps` /
/// `vcvtps2ph` with F16C, a runtime call without), else through the integer arithmetic of
/// ``softwareFloat(fromHalf:)`` and ``softwareHalf(from:)``; both are exact IEEE conversions
/// with round-to-nearest-even and give the same bits (a signaling NaN comes back quiet from
/// `Float16`), as `HalfFloatTests` checks for every binary16 value.
public enum HalfFloat {
  /// binary16 bits → `Float` (exact).
  @inlinable
  public static func float(fromHalf bits: UInt16) -> Float {
    #if !(os(macOS) && arch(x86_64))
    Float(Float16(bitPattern: bits))
    #else
    softwareFloat(fromHalf: bits)
    #endif
  }

  /// `Float` → binary16 bits, rounding to nearest even (as numpy and ggml do).
  @inlinable
  public static func half(from value: Float) -> UInt16 {
    #if !(os(macOS) && arch(x86_64))
    Float16(value).bitPattern
    #else
    softwareHalf(from: value)
    #endif
  }

  /// binary16 bits → `Float` in integer arithmetic (exact; a NaN keeps its payload).
  @inlinable
  public static func softwareFloat(fromHalf bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F {
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    if exponent == 0 {
      // Subnormal or zero: mantissa × 2^-24.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
  }

  /// `Float` → binary16 bits in integer arithmetic, rounding to nearest even.
  @inlinable
  public static func softwareHalf(from value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF {
      if mantissa == 0 { return sign | 0x7C00 }
      return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    let unbiased = exponent - 127
    if unbiased > 15 { return sign | 0x7C00 }
    if unbiased >= -14 {
      var half = UInt32(unbiased + 15) << 10 | (mantissa >> 13)
      let rest = mantissa & 0x1FFF
      if rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1) { half += 1 }
      return sign | UInt16(truncatingIfNeeded: half)
    }
    if unbiased < -25 { return sign }
    // Subnormal half: shift the full significand into place and round to nearest even.
    let significand = mantissa | 0x80_0000
    let shift = UInt32(-unbiased - 14 + 13)
    var half = significand >> shift
    let rest = significand & ((1 << shift) - 1)
    let halfway = UInt32(1) << (shift - 1)
    if rest > halfway || (rest == halfway && (half & 1) == 1) { half += 1 }
    return sign | UInt16(truncatingIfNeeded: half)
  }

  /// bfloat16 bits → `Float` (exact).
  @inlinable
  public static func float(fromBFloat16 bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }

  /// `Float` → bfloat16 bits, rounding to nearest even; NaN stays a quiet NaN.
  @inlinable
  public static func bfloat16(from value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x40) }
    let rounding = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
  }
}
