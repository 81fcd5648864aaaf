/// ggml's 32-value block quantizers `quantize_row_{q8_0,q4_0,q4_1,q5_0,q5_1}_ref`.
///
/// The C converts `x·id + 8.5f` and friends to `int8_t`/`uint8_t` by truncation; for the
/// finite values a block produces that is Swift's `Int32(_:)`. ``truncated(_:)`` keeps a NaN
/// or infinite input (undefined behaviour in C) from trapping: it gives x86's `cvttss2si`
/// answer, `Int32.min`.
enum LegacyQuants {
  @inline(__always)
  static func truncated(_ v: Float) -> Int32 {
    v.magnitude < 0x1p31 ? Int32(v) : Int32.min
  }

  @inline(__always)
  static func storeHalf(_ value: Float, _ y: UnsafeMutableRawPointer, _ offset: Int) {
    y.storeBytes(
      of: FloatConversion.half(value).littleEndian, toByteOffset: offset, as: UInt16.self)
  }

  /// The block's value of largest magnitude, the first one on ties (`amax < |v|`).
  @inline(__always)
  static func signedAbsoluteMax(_ x: UnsafePointer<Float>) -> Float {
    var amax: Float = 0
    var max: Float = 0
    for j in 0..<32 where amax < x[j].magnitude {
      amax = x[j].magnitude
      max = x[j]
    }
    return max
  }

  @inline(__always)
  static func minMax(_ x: UnsafePointer<Float>) -> (min: Float, max: Float) {
    var min = Float.greatestFiniteMagnitude
    var max = -Float.greatestFiniteMagnitude
    for j in 0..<32 {
      if x[j] < min { min = x[j] }
      if x[j] > max { max = x[j] }
    }
    return (min, max)
  }

  /// `block_q8_0`: `d = amax/127` (F16), `q = roundf(x/d)`.
  static func q8Zero(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for block in 0..<(count / 32) {
      let v = x + block * 32
      let b = y + block * 34
      var amax: Float = 0
      for j in 0..<32 {
        let a = v[j].magnitude
        amax = amax > a ? amax : a
      }
      let d = amax / 127
      let id: Float = d != 0 ? 1 / d : 0
      storeHalf(d, b, 0)
      let qs = (b + 2).assumingMemoryBound(to: UInt8.self)
      for j in 0..<32 {
        qs[j] = UInt8(truncatingIfNeeded: truncated((v[j] * id).rounded()))
      }
    }
  }

  /// `block_q4_0`: `d = max/−8` with `max` the signed value of largest magnitude.
  static func q4Zero(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for block in 0..<(count / 32) {
      let v = x + block * 32
      let b = y + block * 18
      let d = signedAbsoluteMax(v) / -8
      let id: Float = d != 0 ? 1 / d : 0
      storeHalf(d, b, 0)
      let qs = (b + 2).assumingMemoryBound(to: UInt8.self)
      for j in 0..<16 {
        let q0 = Swift.min(15, Int8(truncatingIfNeeded: truncated(v[j] * id + 8.5)))
        let q1 = Swift.min(15, Int8(truncatingIfNeeded: truncated(v[j + 16] * id + 8.5)))
        qs[j] = UInt8(truncatingIfNeeded: q0) | UInt8(truncatingIfNeeded: q1) << 4
      }
    }
  }

  /// `block_q4_1`: `d = (max − min)/15`, `m = min`.
  static func q4One(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for block in 0..<(count / 32) {
      let v = x + block * 32
      let b = y + block * 20
      let (min, max) = minMax(v)
      let d = (max - min) / 15
      let id: Float = d != 0 ? 1 / d : 0
      storeHalf(d, b, 0)
      storeHalf(min, b, 2)
      let qs = (b + 4).assumingMemoryBound(to: UInt8.self)
      for j in 0..<16 {
        let q0 = Swift.min(15, Int8(truncatingIfNeeded: truncated((v[j] - min) * id + 0.5)))
        let q1 = Swift.min(15, Int8(truncatingIfNeeded: truncated((v[j + 16] - min) * id + 0.5)))
        qs[j] = UInt8(truncatingIfNeeded: q0) | UInt8(truncatingIfNeeded: q1) << 4
      }
    }
  }

  /// `block_q5_0`: `d = max/−16`; the fifth bits go to `qh` (bit `j` for value `j`).
  static func q5Zero(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for block in 0..<(count / 32) {
      let v = x + block * 32
      let b = y + block * 22
      let d = signedAbsoluteMax(v) / -16
      let id: Float = d != 0 ? 1 / d : 0
      storeHalf(d, b, 0)
      let qs = (b + 6).assumingMemoryBound(to: UInt8.self)
      var qh: UInt32 = 0
      for j in 0..<16 {
        let q0 = UInt8(
          truncatingIfNeeded: Swift.min(31, Int8(truncatingIfNeeded: truncated(v[j] * id + 16.5))))
        let q1 = UInt8(
          truncatingIfNeeded: Swift.min(
            31, Int8(truncatingIfNeeded: truncated(v[j + 16] * id + 16.5))))
        qs[j] = (q0 & 0x0F) | (q1 & 0x0F) << 4
        qh |= UInt32((q0 & 0x10) >> 4) << UInt32(j)
        qh |= UInt32((q1 & 0x10) >> 4) << UInt32(j + 16)
      }
      b.storeBytes(of: qh.littleEndian, toByteOffset: 2, as: UInt32.self)
    }
  }

  /// `block_q5_1`: `d = (max − min)/31`, `m = min`; fifth bits in `qh` as for Q5_0.
  static func q5One(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    for block in 0..<(count / 32) {
      let v = x + block * 32
      let b = y + block * 24
      let (min, max) = minMax(v)
      let d = (max - min) / 31
      let id: Float = d != 0 ? 1 / d : 0
      storeHalf(d, b, 0)
      storeHalf(min, b, 2)
      let qs = (b + 8).assumingMemoryBound(to: UInt8.self)
      var qh: UInt32 = 0
      for j in 0..<16 {
        let q0 = UInt8(truncatingIfNeeded: truncated((v[j] - min) * id + 0.5))
        let q1 = UInt8(truncatingIfNeeded: truncated((v[j + 16] - min) * id + 0.5))
        qs[j] = (q0 & 0x0F) | (q1 & 0x0F) << 4
        qh |= UInt32((q0 & 0x10) >> 4) << UInt32(j)
        qh |= UInt32((q1 & 0x10) >> 4) << UInt32(j + 16)
      }
      b.storeBytes(of: qh.littleEndian, toByteOffset: 4, as: UInt32.self)
    }
  }
}
