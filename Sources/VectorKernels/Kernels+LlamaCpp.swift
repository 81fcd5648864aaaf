extension Kernels {
  /// Lanes of llama.cpp's x86 AVX-512 F16 product (tinyBLAS `KN = 16`).
  static let f16Lanes = 16

  /// `Σ a_i b_i` summed as tinyBLAS sums F32 and F16 rows in the build of `V`'s width (`KN`).
  ///
  /// Lane `i mod KN` takes a fused multiply-add per element in order, then the lanes are
  /// added as the build's `hsum` (``FusedLanes/horizontalSum(_:)``). Falls back to
  /// ``dot(_:_:count:)`` when `count` is not a multiple of `KN` (tinyBLAS declines those too).
  static func dotF16Lanes<V: FusedLanes>(
    _: V.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int
  ) -> Float {
    guard count.isMultiple(of: V.scalarCount) else { return dot(a, b, count: count) }
    var lanes = V(repeating: 0)
    var start = 0
    while start < count {
      lanes = lanes.addingProduct(V.load(a + start), V.load(b + start))
      start += V.scalarCount
    }
    return V.horizontalSum(lanes)
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

  /// The part both builds' `ggml_v_expf` share: `z = x·log₂e + 1.5·2²³` (fused), `n = z − 1.5·2²³`
  /// (`round(x·log₂e)`), `b = x − n·ln2` in two fused steps, `u = b²`, and the polynomial's
  /// upper terms `(c₅b + c₄)u + (c₃b + c₂)`.
  @inline(__always)
  static func ggmlExpReduction(_ x: Float) -> (
    z: Float, n: Float, b: Float, u: Float, terms: Float
  ) {
    let r: Float = 0x1.8p23
    let z = r.addingProduct(x, 0x1.715476p+0)
    let n = z - r
    let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
    let u = b * b
    let high = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
    let low = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
    return (z, n, b, u, low.addingProduct(high, u))
  }

  /// ggml's AVX-512 `ggml_v_expf`, one lane.
  ///
  /// `n = round(x·log₂e)`, `b = x − n·ln2` (two
  /// parts), a degree-5 polynomial `j ≈ eᵇ`, `2ⁿ·j` (`scalef`); `|n| > 192` gives `+∞` or 0.
  /// Within 1.5 ulp of `expf`, and what llama.cpp's softmax and SiLU use on this CPU.
  @inline(__always)
  static func ggmlExp(_ x: Float) -> Float {
    let (_, n, b, u, terms) = ggmlExpReduction(x)
    if n.magnitude > 192 { return n <= 0 ? 0 : .infinity }
    let first = Float(1).addingProduct(0x1.ffffecp-1, b)
    let j = first.addingProduct(terms, u)
    // `2ⁿ·j` rounded once, as `scalef` rounds it: a product with 2ⁿ is exactly that when 2ⁿ
    // is a normal Float; the rest (|n| ≥ 127, results near underflow) go to `scalbnf`.
    guard n >= -126, n <= 127 else { return CMath.scale(j, byPowerOfTwo: Int32(n)) }
    return j * Float(bitPattern: UInt32(Int32(n) + 127) << 23)
  }

  /// ggml's AVX2 `ggml_v_expf`, one lane: the same reduction as ``ggmlExp(_:)`` but a
  /// polynomial without its constant term, `j = (c₅b + c₄)u + (c₃b + c₂))u + c₁·b` (`c₁·b`
  /// rounded alone), and `2ⁿ·(1 + j)` as `fma(k, j, k)` with `k = 2ⁿ` built from the bits of
  /// `z`; `126 < |n| ≤ 192` scales in two steps, `|n| > 192` gives `+∞` or 0. So the two
  /// builds' exponentials differ in the last bit for some inputs.
  @inline(__always)
  static func ggmlExpAVX2(_ x: Float) -> Float {
    let (z, n, b, u, terms) = ggmlExpReduction(x)
    let e = z.bitPattern &<< 23
    let j = (0x1.ffffecp-1 * b).addingProduct(terms, u)
    let magnitude = n.magnitude
    if magnitude > 192 { return n <= 0 ? 0 : .infinity }
    if magnitude > 126 {
      let g: UInt32 = n <= 0 ? 0x8200_0000 : 0
      let s1 = Float(bitPattern: g &+ 0x7f00_0000)
      let s2 = Float(bitPattern: e &- g)
      return s2.addingProduct(s2, j) * s1
    }
    let k = Float(bitPattern: e &+ Float(1).bitPattern)
    return k.addingProduct(k, j)
  }

  /// Softmax as ggml's `soft_max` in the build of `V`'s width: max, then per `V.scalarCount`
  /// values `ggml_v_expf(x − max)` summed with the build's `hsum` into a Double (the KV length
  /// is padded with masked zeros), times the Float reciprocal of the sum.
  static func softmaxGGML<V: FusedLanes>(
    _: V.Type, _ x: UnsafeMutablePointer<Float>, count: Int
  ) {
    var maximum = -Float.infinity
    for i in 0..<count { maximum = max(maximum, x[i]) }
    var sum: Double = 0
    var start = 0
    while start < count {
      var chunk = V(repeating: 0)
      for lane in 0..<min(V.scalarCount, count - start) {
        let e = V.ggmlExp(x[start + lane] - maximum)
        x[start + lane] = e
        chunk[lane] = e
      }
      sum += Double(V.horizontalSum(chunk))
      start += V.scalarCount
    }
    let scale = Float(1 / sum)
    for i in 0..<count { x[i] *= scale }
  }

  /// `silu(g)·u` as ggml's `swiglu` in the build of `V`'s width:
  /// `g / (1 + ggml_v_expf(0 − g)) · u` (rows a whole number of vectors, as every model's
  /// feed-forward width is).
  static func swiGLUGGML<V: FusedLanes>(
    _: V.Type, gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int
  ) {
    for i in 0..<count {
      let g = gate[i]
      gate[i] = g / (1 + V.ggmlExp(0 - g)) * up[i]
    }
  }

  /// `out_t = Σ_j p_j·v_{j,t}` as tinyBLAS sums the transposed F16 V cache in the build of
  /// `V`'s width (`KN`): lane `j mod KN` takes `fma(v, p, lane)` in key order, then the build's
  /// `hsum` per `t`.
  ///
  /// Vectorized over `t`: `KN` rows of `dimension` accumulators, reduced with the same
  /// pairings as the `hsum`. Falls back to one `t` at a time when `dimension` is not a
  /// multiple of 16.
  static func accumulateValuesGGML<V: FusedLanes>(
    _: V.Type, values v: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    keys: Int, dimension d: Int, into out: UnsafeMutablePointer<Float>
  ) {
    let width = V.scalarCount
    guard d.isMultiple(of: 16) else {
      for t in 0..<d {
        var lanes = V(repeating: 0)
        for j in 0..<keys {
          lanes[j % width] = lanes[j % width].addingProduct(v[j * stride + t], p[j])
        }
        out[t] = V.horizontalSum(lanes)
      }
      return
    }
    let acc = UnsafeMutablePointer<Float>.allocate(capacity: width * d)
    defer { acc.deallocate() }
    acc.initialize(repeating: 0, count: width * d)
    for j in 0..<keys {
      let row = acc + (j % width) * d
      let value = v + j * stride
      let weight = SIMD16<Float>(repeating: p[j])
      var t = 0
      while t < d {
        load16(row + t).addingProduct(load16(value + t), weight).store(row + t)
        t += 16
      }
    }
    var t = 0
    while t < d {
      func lane(_ i: Int) -> SIMD16<Float> { load16(acc + i * d + t) }
      if width == 8 {
        // hsum(__m256): r_i = l_{4+i} + l_i, then (r_0 + r_2) + (r_1 + r_3).
        let r0 = lane(4) + lane(0)
        let r1 = lane(5) + lane(1)
        let r2 = lane(6) + lane(2)
        let r3 = lane(7) + lane(3)
        ((r0 + r2) + (r1 + r3)).store(out + t)
      } else {
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
        ((u0 + u2) + (u1 + u3)).store(out + t)
      }
      t += 16
    }
  }
}

extension Kernels {
  /// `Σ a_i b_i` as ggml's `ggml_vec_dot_f16` / `ggml_vec_dot_f32` sum it in the build of
  /// `V`'s width (`EPR`), the path of a one-token batch (tinyBLAS declines `n < 2`).
  ///
  /// Per `4·EPR` values, four fused accumulators (values `4·EPR·s + EPR·j + lane` go to
  /// accumulator `j`); then `(s₀ + s₂) + (s₁ + s₃)` and the build's reduction
  /// (``FusedLanes/vectorReduce(_:)``). The leftover products join in Double for F16 rows
  /// (`ggml_float sumf`); for F32 rows `ggml_vec_dot_f32` keeps a Float sum, and GCC fuses its
  /// `sumf += x·y` (`halfRows` false).
  static func dotGGMLVector<V: FusedLanes>(
    _: V.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
    halfRows: Bool = true
  ) -> Float {
    let width = V.scalarCount
    var s0 = V(repeating: 0)
    var s1 = s0
    var s2 = s0
    var s3 = s0
    let whole = count - count % (4 * width)
    var i = 0
    while i < whole {
      s0 = s0.addingProduct(V.load(a + i), V.load(b + i))
      s1 = s1.addingProduct(V.load(a + i + width), V.load(b + i + width))
      s2 = s2.addingProduct(V.load(a + i + 2 * width), V.load(b + i + 2 * width))
      s3 = s3.addingProduct(V.load(a + i + 3 * width), V.load(b + i + 3 * width))
      i += 4 * width
    }
    let reduced = V.vectorReduce((s0 + s2) + (s1 + s3))
    guard halfRows else {
      var sum = reduced
      while i < count {
        sum = sum.addingProduct(a[i], b[i])
        i += 1
      }
      return sum
    }
    var sum = Double(reduced)
    while i < count {
      sum += Double(a[i] * b[i])
      i += 1
    }
    return Float(sum)
  }

  /// `Σ a_i b_i` of BF16 values (held as Floats) as ggml's `ggml_vec_dot_bf16` sums it in the
  /// build of `lanes` (8 or 16) Floats: a one-token batch, which tinyBLAS declines.
  ///
  /// AVX2 build: per 32 values four fused 8-lane accumulators (value `32s + 8j + lane` to
  /// accumulator `j`), then `(s₀ + s₂) + (s₁ + s₃)` and tinyBLAS's `hsum` pairing, not
  /// `GGML_F32x8_REDUCE`'s (its disassembly: `vmovhlps`, `vmovshdup`). AVX-512 build without
  /// AVX512_BF16: per 32 values two 16-lane accumulators, each reduced as
  /// `_mm512_reduce_add_ps` and the two added in Double. Leftover products (Float) join in
  /// Double (`ggml_float sumf`).
  static func dotGGMLVectorBF16(
    lanes: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int
  ) -> Float {
    let whole = count - count % 32
    var i = 0
    var sum: Double
    if lanes == 8 {
      var s0 = SIMD8<Float>(repeating: 0)
      var s1 = s0
      var s2 = s0
      var s3 = s0
      while i < whole {
        s0 = s0.addingProduct(SIMD8.load(a + i), SIMD8.load(b + i))
        s1 = s1.addingProduct(SIMD8.load(a + i + 8), SIMD8.load(b + i + 8))
        s2 = s2.addingProduct(SIMD8.load(a + i + 16), SIMD8.load(b + i + 16))
        s3 = s3.addingProduct(SIMD8.load(a + i + 24), SIMD8.load(b + i + 24))
        i += 32
      }
      sum = Double(reduce8((s0 + s2) + (s1 + s3)))
    } else {
      var c1 = SIMD16<Float>(repeating: 0)
      var c2 = c1
      while i < whole {
        c1 = c1.addingProduct(SIMD16.load(a + i), SIMD16.load(b + i))
        c2 = c2.addingProduct(SIMD16.load(a + i + 16), SIMD16.load(b + i + 16))
        i += 32
      }
      sum = Double(reduce16(c1))
      sum += Double(reduce16(c2))
    }
    while i < count {
      sum += Double(a[i] * b[i])
      i += 1
    }
    return Float(sum)
  }

  /// `out_t = Σ_j p_j·v_{j,t}` in ``dotGGMLVector(_:_:_:count:halfRows:)`` order (a one-token
  /// batch).
  ///
  /// ggml takes a row of the transposed F16 V cache times the probabilities; the cache view is
  /// padded with masked keys (probability 0) to a multiple of 256, so every key falls in the
  /// vector part.
  static func accumulateValuesGGMLVector<V: FusedLanes>(
    _: V.Type, values v: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    keys: Int, dimension d: Int, into out: UnsafeMutablePointer<Float>
  ) {
    let width = V.scalarCount
    for t in 0..<d {
      var lanes = (V(repeating: 0), V(repeating: 0), V(repeating: 0), V(repeating: 0))
      for j in 0..<keys {
        let product = (v[j * stride + t], p[j])
        let lane = j % width
        switch (j / width) & 3 {
        case 0: lanes.0[lane] = lanes.0[lane].addingProduct(product.0, product.1)
        case 1: lanes.1[lane] = lanes.1[lane].addingProduct(product.0, product.1)
        case 2: lanes.2[lane] = lanes.2[lane].addingProduct(product.0, product.1)
        default: lanes.3[lane] = lanes.3[lane].addingProduct(product.0, product.1)
        }
      }
      out[t] = V.vectorReduce((lanes.0 + lanes.2) + (lanes.1 + lanes.3))
    }
  }
}
