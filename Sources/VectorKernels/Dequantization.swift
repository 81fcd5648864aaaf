import Tensors

/// Row decoders: ggml's `dequantize_row_*` (and plain conversions) for the supported types.
///
/// `count` must be a whole number of blocks of `dtype`; ``WeightMatrix`` checks that once (the
/// converter decodes only F32, F16 and BF16 here).
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
    case .q5_0: decodeQ5Zero(source, count: count, into: target)
    case .q5_1: decodeQ5One(source, count: count, into: target)
    case .q4_K: decodeQ4K(source, count: count, into: target)
    case .q5_K: decodeQ5K(source, count: count, into: target)
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

  /// `block_q5_0`: `d` (F16), 4 bytes of high bits `qh`, 16 bytes of nibbles;
  /// `q_j = lo_j | (bit_j(qh) << 4)`, `q_{j+16} = hi_j | (bit_{j+16}(qh) << 4)`, `x = d·(q − 16)`.
  static func decodeQ5Zero(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let b = source + block * 22
      let d = half(b, 0)
      let qh = b.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
      let q = (b + 6).assumingMemoryBound(to: UInt8.self)
      for j in 0..<16 {
        let h0 = Int32((qh >> UInt32(j)) & 1) << 4
        let h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
        y[block * 32 + j] = Float((Int32(q[j] & 0x0F) | h0) - 16) * d
        y[block * 32 + j + 16] = Float((Int32(q[j] >> 4) | h1) - 16) * d
      }
    }
  }

  /// `block_q5_1`: `d`, `m` (F16), 4 bytes of high bits, 16 bytes of nibbles; `x = d·q + m`
  /// with `q` assembled as for Q5_0 (unsigned, no offset).
  static func decodeQ5One(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let b = source + block * 24
      let d = half(b, 0)
      let m = half(b, 2)
      let qh = b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
      let q = (b + 8).assumingMemoryBound(to: UInt8.self)
      for j in 0..<16 {
        let h0 = UInt32((qh >> UInt32(j)) & 1) << 4
        let h1 = UInt32((qh >> UInt32(j + 16)) & 1) << 4
        y[block * 32 + j] = Float(UInt32(q[j] & 0x0F) | h0) * d + m
        y[block * 32 + j + 16] = Float(UInt32(q[j] >> 4) | h1) * d + m
      }
    }
  }

  /// `block_q5_K`: `d`, `dmin` (F16), 12 bytes of 6-bit scales and mins, 32 bytes of high
  /// bits, 128 bytes of nibbles; sub-block `s` (32 values) is `d·sc_s·q − dmin·m_s` with
  /// `q = nibble | (bit_s(qh_l) << 4)`.
  static func decodeQ5K(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 256) {
      let b = source + block * 176
      let d = half(b, 0)
      let dmin = half(b, 2)
      let scales = (b + 4).assumingMemoryBound(to: UInt8.self)
      let qh = (b + 16).assumingMemoryBound(to: UInt8.self)
      var ql = (b + 48).assumingMemoryBound(to: UInt8.self)
      var out = y + block * 256
      var scaleIndex = 0
      var u1: UInt8 = 1
      var u2: UInt8 = 2
      for _ in 0..<4 {
        let (sc1, m1) = scaleMinK4(scaleIndex, scales)
        let (sc2, m2) = scaleMinK4(scaleIndex + 1, scales)
        let d1 = d * Float(sc1)
        let min1 = dmin * Float(m1)
        let d2 = d * Float(sc2)
        let min2 = dmin * Float(m2)
        for l in 0..<32 {
          out[l] = d1 * Float((ql[l] & 0x0F) + (qh[l] & u1 != 0 ? 16 : 0)) - min1
        }
        for l in 0..<32 {
          out[32 + l] = d2 * Float((ql[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - min2
        }
        out += 64
        ql += 32
        scaleIndex += 2
        u1 <<= 2
        u2 <<= 2
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
