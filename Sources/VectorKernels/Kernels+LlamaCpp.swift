extension Kernels {
  /// Lanes of llama.cpp's x86 AVX-512 F16 product (tinyBLAS `KN = 16`).
  static let f16Lanes = 16

  /// `Σ a_i b_i` summed as tinyBLAS sums F16 rows on AVX-512.
  ///
  /// Lane `i mod 16` takes a fused multiply-add per element in order, then the lanes are
  /// reduced as GCC's `_mm512_reduce_add_ps` does (halves, quarters, pairs). Falls back to
  /// ``dot(_:_:count:)`` when `count` is not a multiple of 16 (tinyBLAS declines those too).
  static func dotF16Lanes(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int)
    -> Float
  {
    guard count.isMultiple(of: f16Lanes) else { return dot(a, b, count: count) }
    var lanes = SIMD16<Float>(repeating: 0)
    var start = 0
    while start < count {
      lanes = lanes.addingProduct(load16(a + start), load16(b + start))
      start += 16
    }
    return reduce16(lanes)
  }

  @inline(__always)
  static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
  }

  /// GCC's `_mm512_reduce_add_ps`: `t_i = l_{8+i} + l_i`, `u_i = t_{4+i} + t_i`,
  /// `(u_0 + u_2) + (u_1 + u_3)`.
  @inline(__always)
  static func reduce16(_ l: SIMD16<Float>) -> Float {
    let t = l.highHalf + l.lowHalf
    let u = t.highHalf + t.lowHalf
    return (u[0] + u[2]) + (u[1] + u[3])
  }

  /// tinyBLAS `hsum(__m256)`: `r_i = l_{4+i} + l_i`, then `(r_0 + r_2) + (r_1 + r_3)`.
  @inline(__always)
  static func reduce8(_ l: SIMD8<Float>) -> Float {
    let r = l.highHalf + l.lowHalf
    return (r[0] + r[2]) + (r[1] + r[3])
  }

  /// ggml's AVX-512 `ggml_v_expf`, one lane.
  ///
  /// `n = round(x·log₂e)`, `b = x − n·ln2` (two
  /// parts), a degree-5 polynomial `j ≈ eᵇ`, `2ⁿ·j` (`scalef`); `|n| > 192` gives `+∞` or 0.
  /// Within 1.5 ulp of `expf`, and what llama.cpp's softmax and SiLU use on this CPU.
  @inline(__always)
  static func ggmlExp(_ x: Float) -> Float {
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
    // `2ⁿ·j` rounded once, as `scalef` rounds it: a product with 2ⁿ is exactly that when 2ⁿ
    // is a normal Float; the rest (|n| ≥ 127, results near underflow) go to `scalbnf`.
    guard n >= -126, n <= 127 else { return CMath.scale(j, byPowerOfTwo: Int32(n)) }
    return j * Float(bitPattern: UInt32(Int32(n) + 127) << 23)
  }

  /// Softmax as ggml's `soft_max` on AVX-512: max, then per 16 values `ggmlExp(x − max)`
  /// summed with ``reduce16(_:)`` into a Double (the KV length is padded with masked
  /// zeros), times the Float reciprocal of the sum.
  static func softmaxGGML(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var maximum = -Float.infinity
    for i in 0..<count { maximum = max(maximum, x[i]) }
    var sum: Double = 0
    var start = 0
    while start < count {
      var chunk = SIMD16<Float>(repeating: 0)
      for lane in 0..<min(16, count - start) {
        let e = ggmlExp(x[start + lane] - maximum)
        x[start + lane] = e
        chunk[lane] = e
      }
      sum += Double(reduce16(chunk))
      start += 16
    }
    let scale = Float(1 / sum)
    for i in 0..<count { x[i] *= scale }
  }

  /// `silu(g)·u` as ggml's `swiglu` on AVX-512: `g / (1 + ggmlExp(0 − g)) · u`.
  static func swiGLUGGML(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
    for i in 0..<count {
      let g = gate[i]
      gate[i] = g / (1 + ggmlExp(0 - g)) * up[i]
    }
  }

  /// `out_t = Σ_j p_j·v_{j,t}` as tinyBLAS sums the transposed F16 V cache on AVX-512: lane
  /// `j mod 16` takes `fma(v, p, lane)` in key order, then ``reduce16(_:)`` per `t`.
  ///
  /// Vectorized over `t`: sixteen rows of `dimension` accumulators, reduced with the same
  /// pairings as ``reduce16(_:)``. Falls back to one `t` at a time when `dimension` is not a
  /// multiple of 16.
  static func accumulateValuesGGML(
    values v: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    keys: Int, dimension d: Int, into out: UnsafeMutablePointer<Float>
  ) {
    guard d.isMultiple(of: 16) else {
      for t in 0..<d {
        var lanes = SIMD16<Float>(repeating: 0)
        for j in 0..<keys {
          lanes[j & 15] = lanes[j & 15].addingProduct(v[j * stride + t], p[j])
        }
        out[t] = reduce16(lanes)
      }
      return
    }
    let acc = UnsafeMutablePointer<Float>.allocate(capacity: 16 * d)
    defer { acc.deallocate() }
    acc.initialize(repeating: 0, count: 16 * d)
    for j in 0..<keys {
      let row = acc + (j & 15) * d
      let value = v + j * stride
      let weight = SIMD16<Float>(repeating: p[j])
      var t = 0
      while t < d {
        let sum = load16(row + t).addingProduct(load16(value + t), weight)
        UnsafeMutableRawPointer(row + t).storeBytes(of: sum, as: SIMD16<Float>.self)
        t += 16
      }
    }
    var t = 0
    while t < d {
      func lane(_ i: Int) -> SIMD16<Float> { load16(acc + i * d + t) }
      let t0 = lane(8) + lane(0)
      let t1 = lane(9) + lane(1)
      let t2 = lane(10) + lane(2)
      let t3 = lane(11) + lane(3)
      let t4 = lane(12) + lane(4)
      let t5 = lane(13) + lane(5)
      let t6 = lane(14) + lane(6)
      let t7 = lane(15) + lane(7)
      let u0 = t4 + t0
      let u1 = t5 + t1
      let u2 = t6 + t2
      let u3 = t7 + t3
      UnsafeMutableRawPointer(out + t).storeBytes(of: (u0 + u2) + (u1 + u3), as: SIMD16<Float>.self)
      t += 16
    }
  }
}

extension Kernels {
  /// `Σ a_i b_i` as ggml's `ggml_vec_dot_f16` / `ggml_vec_dot_f32` sum it on AVX-512, the
  /// path of a one-token batch (tinyBLAS declines `n < 2`).
  ///
  /// Per 64 values, four 16-lane fused accumulators (values `64s + 16j + lane` go to
  /// accumulator `j`); then `(s₀ + s₂) + (s₁ + s₃)`, ``reduce16(_:)`` into a Double, the
  /// leftover products added in Double, and the result rounded to Float.
  static func dotGGMLVector(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int)
    -> Float
  {
    var s0 = SIMD16<Float>(repeating: 0)
    var s1 = s0
    var s2 = s0
    var s3 = s0
    let whole = count & ~63
    var i = 0
    while i < whole {
      s0 = s0.addingProduct(load16(a + i), load16(b + i))
      s1 = s1.addingProduct(load16(a + i + 16), load16(b + i + 16))
      s2 = s2.addingProduct(load16(a + i + 32), load16(b + i + 32))
      s3 = s3.addingProduct(load16(a + i + 48), load16(b + i + 48))
      i += 64
    }
    var sum = Double(reduce16((s0 + s2) + (s1 + s3)))
    while i < count {
      sum += Double(a[i] * b[i])
      i += 1
    }
    return Float(sum)
  }

  /// `out_t = Σ_j p_j·v_{j,t}` in ``dotGGMLVector(_:_:count:)`` order (a one-token batch).
  ///
  /// ggml takes a row of the transposed F16 V cache times the probabilities; the cache view is
  /// padded with masked keys (probability 0) to a multiple of 256, so every key falls in the
  /// vector part.
  static func accumulateValuesGGMLVector(
    values v: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    keys: Int, dimension d: Int, into out: UnsafeMutablePointer<Float>
  ) {
    for t in 0..<d {
      var lanes = (
        SIMD16<Float>(repeating: 0), SIMD16<Float>(repeating: 0), SIMD16<Float>(repeating: 0),
        SIMD16<Float>(repeating: 0)
      )
      for j in 0..<keys {
        let product = (v[j * stride + t], p[j])
        switch (j >> 4) & 3 {
        case 0: lanes.0[j & 15] = lanes.0[j & 15].addingProduct(product.0, product.1)
        case 1: lanes.1[j & 15] = lanes.1[j & 15].addingProduct(product.0, product.1)
        case 2: lanes.2[j & 15] = lanes.2[j & 15].addingProduct(product.0, product.1)
        default: lanes.3[j & 15] = lanes.3[j & 15].addingProduct(product.0, product.1)
        }
      }
      out[t] = reduce16((lanes.0 + lanes.2) + (lanes.1 + lanes.3))
    }
  }
}
