import Tensors

/// ggml's 256-value super-block quantizers `quantize_row_{q4_K,q5_K,q6_K}_ref` with their
/// helpers `nearest_int`, `make_qkx2_quants` (Q4_K, Q5_K: weights `av_x + |x|`, no importance
/// matrix) and `make_qx_quants` (Q6_K: `rmse_type` 1, weights `x²`).
///
/// Sums run in the C's order with one rounding per operation; a sub-block whose scale rounds
/// to zero keeps the levels its search found, as in the C.
enum KQuants {
  /// ggml `GROUP_MAX_EPS`: a sub-block whose largest magnitude is below it is all zero.
  static let groupMaxEpsilon: Float = 1e-15

  /// ggml `nearest_int`: round to nearest even by adding 1.5·2²³ and reading the mantissa.
  @inline(__always)
  static func nearestInt(_ value: Float) -> Int32 {
    let bits = Int32(bitPattern: (value + 12_582_912).bitPattern)
    return (bits & 0x007F_FFFF) - 0x0040_0000
  }

  @inline(__always)
  static func storeHalf(_ value: Float, _ y: UnsafeMutableRawPointer, _ offset: Int) -> UInt16 {
    let bits = FloatConversion.half(value)
    y.storeBytes(of: bits.littleEndian, toByteOffset: offset, as: UInt16.self)
    return bits
  }

  /// ggml's F16 → F32 (exact; the scales stored here are never NaN).
  @inline(__always)
  static func float(fromHalf bits: UInt16) -> Float { HalfFloat.float(fromHalf: bits) }

  /// Scratch for one super-block: levels, search levels, weights, sub-block scales and mins.
  struct Scratch {
    var levels: UnsafeMutablePointer<UInt8>
    var signedLevels: UnsafeMutablePointer<Int8>
    var trial: UnsafeMutablePointer<UInt8>
    var weights: UnsafeMutablePointer<Float>
    var scales: UnsafeMutablePointer<Float>
    var mins: UnsafeMutablePointer<Float>

    /// Runs `body` with scratch allocated once for all the blocks it quantizes.
    static func with<R>(_ body: (Scratch) -> R) -> R {
      let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 256 + 32)
      let signed = UnsafeMutablePointer<Int8>.allocate(capacity: 256)
      let floats = UnsafeMutablePointer<Float>.allocate(capacity: 32 + 16 + 16)
      defer {
        bytes.deallocate()
        signed.deallocate()
        floats.deallocate()
      }
      return body(
        Scratch(
          levels: bytes, signedLevels: signed, trial: bytes + 256, weights: floats,
          scales: floats + 32, mins: floats + 48))
    }
  }

  /// `make_qkx2_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, false)`:
  /// levels `L` in `0...nmax` for `x ≈ scale·L − theMin`, searching `nstep + 1` scales.
  @inline(__always)
  static func makeQKX2(
    _ n: Int, _ nmax: Int32, _ x: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
    _ levels: UnsafeMutablePointer<UInt8>, _ trial: UnsafeMutablePointer<UInt8>,
    rmin: Float, rdelta: Float, nstep: Int
  ) -> (scale: Float, theMin: Float) {
    var min = x[0]
    var max = x[0]
    var sumW = weights[0]
    var sumX = sumW * x[0]
    for i in 1..<n {
      if x[i] < min { min = x[i] }
      if x[i] > max { max = x[i] }
      let w = weights[i]
      sumW += w
      sumX += w * x[i]
    }
    if min > 0 { min = 0 }
    if max == min {
      for i in 0..<n { levels[i] = 0 }
      return (0, -min)
    }
    let fmax = Float(nmax)
    var iscale = fmax / (max - min)
    var scale = 1 / iscale
    var bestError: Float = 0
    for i in 0..<n {
      let l = nearestInt(iscale * (x[i] - min))
      levels[i] = UInt8(truncatingIfNeeded: Swift.max(0, Swift.min(nmax, l)))
      let diff = scale * Float(levels[i]) + min - x[i]
      bestError += weights[i] * (diff * diff)
    }
    if nstep < 1 { return (scale, -min) }
    for step in 0...nstep {
      iscale = (rmin + rdelta * Float(step) + fmax) / (max - min)
      var sumL: Float = 0
      var sumL2: Float = 0
      var sumXL: Float = 0
      for i in 0..<n {
        let l = Swift.max(0, Swift.min(nmax, nearestInt(iscale * (x[i] - min))))
        trial[i] = UInt8(truncatingIfNeeded: l)
        let w = weights[i]
        let fl = Float(l)
        sumL += w * fl
        sumL2 += w * fl * fl
        sumXL += w * fl * x[i]
      }
      let determinant = sumW * sumL2 - sumL * sumL
      if determinant > 0 {
        var thisScale = (sumW * sumXL - sumX * sumL) / determinant
        var thisMin = (sumL2 * sumX - sumL * sumXL) / determinant
        if thisMin > 0 {
          thisMin = 0
          thisScale = sumXL / sumL2
        }
        var error: Float = 0
        for i in 0..<n {
          let diff = thisScale * Float(trial[i]) + thisMin - x[i]
          error += weights[i] * (diff * diff)
        }
        if error < bestError {
          for i in 0..<n { levels[i] = trial[i] }
          bestError = error
          scale = thisScale
          min = thisMin
        }
      }
    }
    return (scale, -min)
  }

  /// `make_qx_quants(n, nmax, x, L, 1, NULL)`: levels `L − nmax` in `-nmax..<nmax` for
  /// `x ≈ scale·(L − nmax)`, weights `x²`, searching 18 scales around `nmax/max`.
  @inline(__always)
  static func makeQX(
    _ n: Int, _ nmax: Int32, _ x: UnsafePointer<Float>, _ levels: UnsafeMutablePointer<Int8>
  ) -> Float {
    var max: Float = 0
    var amax: Float = 0
    for i in 0..<n where x[i].magnitude > amax {
      amax = x[i].magnitude
      max = x[i]
    }
    if amax < groupMaxEpsilon {
      for i in 0..<n { levels[i] = 0 }
      return 0
    }
    let fmax = Float(nmax)
    var iscale = Float(-nmax) / max
    var sumLX: Float = 0
    var sumL2: Float = 0
    for i in 0..<n {
      let l = Swift.max(-nmax, Swift.min(nmax - 1, nearestInt(iscale * x[i])))
      levels[i] = Int8(truncatingIfNeeded: l + nmax)
      let w = x[i] * x[i]
      let fl = Float(l)
      sumLX += w * x[i] * fl
      sumL2 += w * fl * fl
    }
    var scale: Float = sumL2 != 0 ? sumLX / sumL2 : 0
    var best = scale * sumLX
    for step in -9...9 where step != 0 {
      iscale = -(fmax + 0.1 * Float(step)) / max
      sumLX = 0
      sumL2 = 0
      for i in 0..<n {
        let l = Swift.max(-nmax, Swift.min(nmax - 1, nearestInt(iscale * x[i])))
        let w = x[i] * x[i]
        let fl = Float(l)
        sumLX += w * x[i] * fl
        sumL2 += w * fl * fl
      }
      if sumL2 > 0 && sumLX * sumLX > best * sumL2 {
        for i in 0..<n {
          let l = Swift.max(-nmax, Swift.min(nmax - 1, nearestInt(iscale * x[i])))
          levels[i] = Int8(truncatingIfNeeded: nmax + l)
        }
        scale = sumLX / sumL2
        best = scale * sumLX
      }
    }
    return scale
  }

  /// Q4_K/Q5_K's scales, mins, `d`, `dmin` and levels of one super-block.
  ///
  /// The 6-bit scales and mins: sub-blocks 0–3 in the low six bits of bytes 0–3
  /// (scales) and 4–7 (mins); 4–7 as nibbles of bytes 8–11 with their top two bits in the top
  /// bits of bytes 0–7. Then `d`, `dmin` (F16) at bytes 0 and 2 of the block, and each value's
  /// level `nearest_int((x + dmin·m)/(d·sc))` clamped to `0...nmax` into `scratch.levels`.
  @inline(__always)
  static func scalesAndLevels(
    _ x: UnsafePointer<Float>, _ b: UnsafeMutableRawPointer, _ scratch: Scratch, nmax: Int32,
    rmin: Float, nstep: Int
  ) {
    var maxScale: Float = 0
    var maxMin: Float = 0
    for j in 0..<8 {
      let v = x + 32 * j
      var sumX2: Float = 0
      for l in 0..<32 { sumX2 += v[l] * v[l] }
      let averageX = (sumX2 / 32).squareRoot()
      for l in 0..<32 { scratch.weights[l] = averageX + v[l].magnitude }
      let (scale, min) = makeQKX2(
        32, nmax, v, scratch.weights, scratch.levels + 32 * j, scratch.trial, rmin: rmin,
        rdelta: 0.1, nstep: nstep)
      scratch.scales[j] = scale
      scratch.mins[j] = min
      if scale > maxScale { maxScale = scale }
      if min > maxMin { maxMin = min }
    }
    let inverseScale: Float = maxScale > 0 ? 63 / maxScale : 0
    let inverseMin: Float = maxMin > 0 ? 63 / maxMin : 0
    let packed = (b + 4).assumingMemoryBound(to: UInt8.self)
    for j in 0..<8 {
      let ls = Swift.min(
        63, UInt8(truncatingIfNeeded: nearestInt(inverseScale * scratch.scales[j])))
      let lm = Swift.min(63, UInt8(truncatingIfNeeded: nearestInt(inverseMin * scratch.mins[j])))
      if j < 4 {
        packed[j] = ls
        packed[j + 4] = lm
      } else {
        packed[j + 4] = (ls & 0x0F) | (lm & 0x0F) << 4
        packed[j - 4] |= (ls >> 4) << 6
        packed[j] |= (lm >> 4) << 6
      }
    }
    let d = float(fromHalf: storeHalf(maxScale / 63, b, 0))
    let dmin = float(fromHalf: storeHalf(maxMin / 63, b, 2))
    for j in 0..<8 {
      let (sc, m) = scaleMin(j, packed)
      let scaled = d * Float(sc)
      if scaled == 0 { continue }
      let shift = dmin * Float(m)
      for i in 0..<32 {
        let l = nearestInt((x[32 * j + i] + shift) / scaled)
        scratch.levels[32 * j + i] = UInt8(truncatingIfNeeded: Swift.max(0, Swift.min(nmax, l)))
      }
    }
  }

  /// ggml `get_scale_min_k4`.
  @inline(__always)
  static func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (UInt8, UInt8) {
    if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
    return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
  }

  /// `block_q4_K` (144 bytes): `d`, `dmin`, 12 bytes of scales and mins, 128 bytes of nibbles
  /// (values `64k + l` low, `64k + 32 + l` high, in byte `32k + l`).
  static func q4K(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    Scratch.with { scratch in
      for block in 0..<(count / 256) {
        let v = x + block * 256
        let b = y + block * 144
        scalesAndLevels(v, b, scratch, nmax: 15, rmin: -1, nstep: 20)
        let q = (b + 16).assumingMemoryBound(to: UInt8.self)
        let levels = scratch.levels
        for k in 0..<4 {
          for l in 0..<32 { q[32 * k + l] = levels[64 * k + l] | levels[64 * k + l + 32] << 4 }
        }
      }
    }
  }

  /// `block_q5_K` (176 bytes): as Q4_K with 32 bytes of fifth bits `qh` before the nibbles
  /// (bit `2k` of `qh[l]` for value `64k + l`, bit `2k + 1` for `64k + 32 + l`).
  static func q5K(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    Scratch.with { scratch in
      for block in 0..<(count / 256) {
        let v = x + block * 256
        let b = y + block * 176
        scalesAndLevels(v, b, scratch, nmax: 31, rmin: -0.5, nstep: 15)
        let qh = (b + 16).assumingMemoryBound(to: UInt8.self)
        let ql = (b + 48).assumingMemoryBound(to: UInt8.self)
        let levels = scratch.levels
        for j in 0..<32 { qh[j] = 0 }
        var m1: UInt8 = 1
        var m2: UInt8 = 2
        for k in 0..<4 {
          for j in 0..<32 {
            var l1 = levels[64 * k + j]
            if l1 > 15 {
              l1 -= 16
              qh[j] |= m1
            }
            var l2 = levels[64 * k + j + 32]
            if l2 > 15 {
              l2 -= 16
              qh[j] |= m2
            }
            ql[32 * k + j] = l1 | l2 << 4
          }
          m1 <<= 2
          m2 <<= 2
        }
      }
    }
  }

  /// `block_q6_K` (210 bytes): 128 bytes of low nibbles, 64 of high bit pairs, 16 int8
  /// sub-block scales, `d` (F16) at 208; a super-block whose scales are all below
  /// `GROUP_MAX_EPS` is all zero bytes.
  static func q6K(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutableRawPointer) {
    Scratch.with { scratch in
      let levels = scratch.signedLevels
      let scales = scratch.weights  // 16 floats: the sub-block scales
      for block in 0..<(count / 256) {
        let v = x + block * 256
        let b = y + block * 210
        var maxScale: Float = 0
        var maxAbsScale: Float = 0
        for ib in 0..<16 {
          let scale = makeQX(16, 32, v + 16 * ib, levels + 16 * ib)
          scales[ib] = scale
          if scale.magnitude > maxAbsScale {
            maxAbsScale = scale.magnitude
            maxScale = scale
          }
        }
        if maxAbsScale < groupMaxEpsilon {
          b.initializeMemory(as: UInt8.self, repeating: 0, count: 210)
          continue
        }
        let iscale = -128 / maxScale
        let d = float(fromHalf: storeHalf(1 / iscale, b, 208))
        let blockScales = (b + 192).assumingMemoryBound(to: Int8.self)
        for ib in 0..<16 {
          blockScales[ib] = Int8(
            truncatingIfNeeded: Swift.min(127, nearestInt(iscale * scales[ib])))
        }
        for j in 0..<16 {
          let scaled = d * Float(blockScales[j])
          if scaled == 0 { continue }
          for i in 0..<16 {
            let l = Swift.max(-32, Swift.min(31, nearestInt(v[16 * j + i] / scaled)))
            levels[16 * j + i] = Int8(truncatingIfNeeded: l + 32)
          }
        }
        let ql = b.assumingMemoryBound(to: UInt8.self)
        let qh = (b + 128).assumingMemoryBound(to: UInt8.self)
        for half in 0..<2 {
          let level = levels + 128 * half
          let low = ql + 64 * half
          let high = qh + 32 * half
          for l in 0..<32 {
            let l0 = UInt8(bitPattern: level[l])
            let l1 = UInt8(bitPattern: level[l + 32])
            let l2 = UInt8(bitPattern: level[l + 64])
            let l3 = UInt8(bitPattern: level[l + 96])
            let q1 = l0 & 0x0F
            let q2 = l1 & 0x0F
            let q3 = l2 & 0x0F
            let q4 = l3 & 0x0F
            low[l] = q1 | q3 << 4
            low[l + 32] = q2 | q4 << 4
            high[l] =
              (l0 >> 4) | (l1 >> 4) << 2 | (l2 >> 4) << 4 | (l3 >> 4) << 6
          }
        }
      }
    }
  }
}
