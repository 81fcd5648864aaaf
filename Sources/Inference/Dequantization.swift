import Tensors

/// Row decoders: ggml's `dequantize_row_*` (and plain conversions) for the supported types.
///
/// `count` must be a whole number of blocks of `dtype`; ``WeightMatrix`` checks that once.
enum Dequantization {
  /// Decodes `count` elements starting at `source` into `target`.
  static func decode(
    _ source: UnsafeRawPointer, dtype: DType, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    switch dtype {
    case .f32:
      for i in 0..<count {
        target[i] = source.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
      }
    case .f16:
      for i in 0..<count {
        target[i] = HalfFloat.float(
          fromHalf: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      }
    case .bf16:
      for i in 0..<count {
        target[i] = HalfFloat.float(
          fromBFloat16: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      }
    case .q8_0: decodeQ8Zero(source, count: count, into: target)
    case .q4_0: decodeQ4Zero(source, count: count, into: target)
    case .q4_1: decodeQ4One(source, count: count, into: target)
    case .q4_K: decodeQ4K(source, count: count, into: target)
    case .q6_K: decodeQ6K(source, count: count, into: target)
    default:
      preconditionFailure("no decoder for \(dtype); WeightMatrix rejects it")
    }
  }

  @inline(__always)
  static func half(_ source: UnsafeRawPointer, _ offset: Int) -> Float {
    HalfFloat.float(fromHalf: source.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  /// `block_q8_0`: `d` (F16), 32 × int8; `x = d·q`.
  static func decodeQ8Zero(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let b = source + block * 34
      let d = half(b, 0)
      let q = (b + 2).assumingMemoryBound(to: Int8.self)
      for j in 0..<32 { y[block * 32 + j] = d * Float(q[j]) }
    }
  }

  /// `block_q4_0`: `d` (F16), 16 bytes of nibbles; `x_j = d·(lo_j − 8)`, `x_{j+16} = d·(hi_j − 8)`.
  static func decodeQ4Zero(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let b = source + block * 18
      let d = half(b, 0)
      let q = (b + 2).assumingMemoryBound(to: UInt8.self)
      for j in 0..<16 {
        y[block * 32 + j] = Float(Int(q[j] & 0x0F) - 8) * d
        y[block * 32 + j + 16] = Float(Int(q[j] >> 4) - 8) * d
      }
    }
  }

  /// `block_q4_1`: `d`, `m` (F16), 16 bytes of nibbles; `x = d·q + m`.
  static func decodeQ4One(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let b = source + block * 20
      let d = half(b, 0)
      let m = half(b, 2)
      let q = (b + 4).assumingMemoryBound(to: UInt8.self)
      for j in 0..<16 {
        y[block * 32 + j] = Float(q[j] & 0x0F) * d + m
        y[block * 32 + j + 16] = Float(q[j] >> 4) * d + m
      }
    }
  }

  /// `block_q4_K`: `d`, `dmin` (F16), 12 bytes of 6-bit scales and mins, 128 bytes of nibbles.
  static func decodeQ4K(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 256) {
      let b = source + block * 144
      let d = half(b, 0)
      let dmin = half(b, 2)
      let scales = (b + 4).assumingMemoryBound(to: UInt8.self)
      var q = (b + 16).assumingMemoryBound(to: UInt8.self)
      var out = y + block * 256
      var scaleIndex = 0
      for _ in 0..<4 {
        let (sc1, m1) = scaleMinK4(scaleIndex, scales)
        let (sc2, m2) = scaleMinK4(scaleIndex + 1, scales)
        let d1 = d * Float(sc1)
        let min1 = dmin * Float(m1)
        let d2 = d * Float(sc2)
        let min2 = dmin * Float(m2)
        for l in 0..<32 { out[l] = d1 * Float(q[l] & 0x0F) - min1 }
        for l in 0..<32 { out[32 + l] = d2 * Float(q[l] >> 4) - min2 }
        out += 64
        q += 32
        scaleIndex += 2
      }
    }
  }

  /// ggml `get_scale_min_k4`: the 6-bit scale and min of sub-block `j`.
  @inline(__always)
  static func scaleMinK4(_ j: Int, _ q: UnsafePointer<UInt8>) -> (UInt8, UInt8) {
    if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
    return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
  }

  /// `block_q6_K`: 128 bytes of low nibbles, 64 of high 2-bit pairs, 16 int8 scales, `d` (F16).
  static func decodeQ6K(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 256) {
      let b = source + block * 210
      let d = half(b, 208)
      var ql = b.assumingMemoryBound(to: UInt8.self)
      var qh = (b + 128).assumingMemoryBound(to: UInt8.self)
      var sc = (b + 192).assumingMemoryBound(to: Int8.self)
      var out = y + block * 256
      for _ in 0..<2 {
        for l in 0..<32 {
          let s = l / 16
          let q1 = Int(ql[l] & 0x0F | ((qh[l] >> 0) & 3) << 4) - 32
          let q2 = Int(ql[l + 32] & 0x0F | ((qh[l] >> 2) & 3) << 4) - 32
          let q3 = Int(ql[l] >> 4 | ((qh[l] >> 4) & 3) << 4) - 32
          let q4 = Int(ql[l + 32] >> 4 | ((qh[l] >> 6) & 3) << 4) - 32
          out[l] = d * Float(sc[s]) * Float(q1)
          out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
          out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
          out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
        }
        out += 128
        ql += 64
        qh += 32
        sc += 8
      }
    }
  }
}
