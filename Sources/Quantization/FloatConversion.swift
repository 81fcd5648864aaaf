/// ggml's scalar F32 → F16 and F32 → BF16 conversions (ggml-impl.h), element by element.
enum FloatConversion {
  /// `ggml_compute_fp32_to_fp16`: round to nearest even by adding the value to a power of two
  /// that pushes the dropped bits out; overflow gives ±Inf, every NaN `sign | 0x7E00`.
  @inline(__always)
  static func half(_ f: Float) -> UInt16 {
    var base = (f.magnitude * 0x1p112) * 0x1p-110
    let w = f.bitPattern
    let shl1 = w &+ w
    let sign = w & 0x8000_0000
    var bias = shl1 & 0xFF00_0000
    if bias < 0x7100_0000 { bias = 0x7100_0000 }
    base = Float(bitPattern: (bias >> 1) &+ 0x0780_0000) + base
    let bits = base.bitPattern
    let nonsign = ((bits >> 13) & 0x7C00) &+ (bits & 0x0FFF)
    return UInt16(truncatingIfNeeded: (sign >> 16) | (shl1 > 0xFF00_0000 ? 0x7E00 : nonsign))
  }

  static func half(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for i in 0..<count {
      y.storeBytes(of: half(x[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
    }
  }

  /// `ggml_compute_fp32_to_bf16` (as `HalfFloat.bfloat16(from:)`), written without a branch so
  /// the loop vectorizes: round to nearest even, a NaN keeps its top bits and is made quiet.
  @inline(__always)
  static func bfloat16(_ f: Float) -> UInt16 {
    let u = f.bitPattern
    let rounded = (u &+ (0x7FFF &+ ((u >> 16) & 1))) >> 16
    let quiet = (u >> 16) | 0x40
    return UInt16(truncatingIfNeeded: (u & 0x7FFF_FFFF) > 0x7F80_0000 ? quiet : rounded)
  }

  static func bfloat16(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for i in 0..<count {
      y.storeBytes(of: bfloat16(x[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
    }
  }
}
