import Tensors

extension Kernels {
  /// `2²³` as a Float: `bitcast(0x4B000000 | n) − 2²³ = n` exactly for `n < 2²³`.
  static let magic: Float = 8_388_608

  @inline(__always)
  static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }

  @inline(__always)
  static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
  }

  /// Small unsigned integers in 32-bit lanes as exact Floats, offset by `bias`.
  @inline(__always)
  static func exactFloats(_ n: SIMD8<UInt32>, minus bias: Float) -> SIMD8<Float> {
    unsafeBitCast(n | 0x4B00_0000, to: SIMD8<Float>.self) - SIMD8(repeating: bias)
  }

  /// Unpacks `blocks` `block_q8_0` of a weight row into lane-ordered quants (see
  /// ``BlockActivations``) and their F16 scales.
  static func unpackQ8Zero(
    _ row: UnsafeRawPointer, blocks: Int, lanes: UnsafeMutablePointer<Float>,
    scales: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<blocks {
      let b = row + block * 34
      scales[block] = Dequantization.half(b, 0)
      let v = b.loadUnaligned(fromByteOffset: 2, as: SIMD8<UInt32>.self) ^ 0x8080_8080
      let out = lanes + block * 32
      for j in 0..<4 {
        store8(exactFloats((v &>> UInt32(8 * j)) & 0xFF, minus: magic + 128), out + 8 * j)
      }
    }
  }

  /// Unpacks `blocks` `block_q4_1` of a weight row into lane-ordered quants (low nibbles are
  /// elements 0–15, high nibbles 16–31), their F16 scales `d` and minimums `m`.
  static func unpackQ4One(
    _ row: UnsafeRawPointer, blocks: Int, lanes: UnsafeMutablePointer<Float>,
    scales: UnsafeMutablePointer<Float>, minimums: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<blocks {
      let b = row + block * 20
      scales[block] = Dequantization.half(b, 0)
      minimums[block] = Dequantization.half(b, 2)
      let w = b.loadUnaligned(fromByteOffset: 4, as: SIMD4<UInt32>.self)
      let v = SIMD8<UInt32>(lowHalf: w, highHalf: w &>> 4)
      let out = lanes + block * 32
      for j in 0..<4 {
        store8(exactFloats((v &>> UInt32(8 * j)) & 0x0F, minus: magic), out + 8 * j)
      }
    }
  }

  /// The 8 exact lane sums of one block: `Σ_b W_b·A_b` (integers below 2²⁴, so no rounding).
  @inline(__always)
  static func laneSums(_ w: UnsafePointer<Float>, _ a: UnsafePointer<Float>) -> SIMD8<Float> {
    let p0 = load8(w) * load8(a)
    let p1 = load8(w + 8) * load8(a + 8)
    let p2 = load8(w + 16) * load8(a + 16)
    let p3 = load8(w + 24) * load8(a + 24)
    return (p0 + p1) + (p2 + p3)
  }

  /// An unpacked Q8_0 row times Q8_0 activations, as tinyBLAS `Q0_AVX` sums them:
  /// `acc = fma(d_w·d_a, laneSums, acc)` per block, then ``reduce8(_:)``.
  @inline(__always)
  static func dotQ8Zero(
    lanes w: UnsafePointer<Float>, scales ws: UnsafePointer<Float>,
    activations a: UnsafePointer<Float>,
    activationScales as: UnsafePointer<Float>, blocks: Int
  ) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    for block in 0..<blocks {
      let sums = laneSums(w + 32 * block, a + 32 * block)
      acc = acc.addingProduct(SIMD8(repeating: ws[block] * `as`[block]), sums)
    }
    return reduce8(acc)
  }

  /// An unpacked Q4_1 row times Q8_1 activations, as ggml `ggml_vec_dot_q4_1_q8_1` (x86 AVX2
  /// path, GCC-contracted) sums them: `acc = fma(d_w·d_a, laneSums, acc)`,
  /// `summs = fma(m_w, s_a, summs)` per block, then `hsum_float_8(acc) + summs`.
  @inline(__always)
  static func dotQ4One(
    lanes w: UnsafePointer<Float>, scales ws: UnsafePointer<Float>,
    minimums wm: UnsafePointer<Float>, activations a: UnsafePointer<Float>,
    activationScales as: UnsafePointer<Float>, activationSums s: UnsafePointer<Float>, blocks: Int
  ) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var summs: Float = 0
    for block in 0..<blocks {
      let sums = laneSums(w + 32 * block, a + 32 * block)
      summs = summs.addingProduct(wm[block], s[block])
      acc = acc.addingProduct(SIMD8(repeating: ws[block] * `as`[block]), sums)
    }
    return reduce8(acc) + summs
  }

  /// Four block products at once: output `k` is exactly ``dotQ4One`` (when `minimums`) or
  /// ``dotQ8Zero`` of the unpacked row at `rows.k` (lanes, then `blocks` scales, then `blocks`
  /// minimums, as ``multiplyBlockRows(weights:rowBytes:rows:columns:first:end:activations:activationScales:activationSums:count:minimums:output:)``
  /// lays them out) and activation vector `vectors.k`.
  ///
  /// The same arithmetic per output, in four independent chains, so the fused multiply-adds
  /// of different outputs overlap instead of waiting on one accumulator.
  @inline(__always)
  static func dotBlocks4(
    rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
    vectors: (Int, Int, Int, Int), activations a: UnsafePointer<Float>,
    activationScales ad: UnsafePointer<Float>, activationSums s: UnsafePointer<Float>,
    blocks: Int, minimums: Bool
  ) -> SIMD4<Float> {
    let laneCount = 32 * blocks
    let (w0, w1, w2, w3) = rows
    let a0 = a + vectors.0 * laneCount
    let a1 = a + vectors.1 * laneCount
    let a2 = a + vectors.2 * laneCount
    let a3 = a + vectors.3 * laneCount
    let d0 = ad + vectors.0 * blocks
    let d1 = ad + vectors.1 * blocks
    let d2 = ad + vectors.2 * blocks
    let d3 = ad + vectors.3 * blocks
    let s0 = s + vectors.0 * blocks
    let s1 = s + vectors.1 * blocks
    let s2 = s + vectors.2 * blocks
    let s3 = s + vectors.3 * blocks
    var acc0 = SIMD8<Float>(repeating: 0)
    var acc1 = acc0
    var acc2 = acc0
    var acc3 = acc0
    var m0: Float = 0
    var m1: Float = 0
    var m2: Float = 0
    var m3: Float = 0
    let scales = laneCount
    let mins = laneCount + blocks
    for block in 0..<blocks {
      let o = 32 * block
      if minimums {
        m0 = m0.addingProduct(w0[mins + block], s0[block])
        m1 = m1.addingProduct(w1[mins + block], s1[block])
        m2 = m2.addingProduct(w2[mins + block], s2[block])
        m3 = m3.addingProduct(w3[mins + block], s3[block])
      }
      acc0 = acc0.addingProduct(
        SIMD8(repeating: w0[scales + block] * d0[block]), laneSums(w0 + o, a0 + o))
      acc1 = acc1.addingProduct(
        SIMD8(repeating: w1[scales + block] * d1[block]), laneSums(w1 + o, a1 + o))
      acc2 = acc2.addingProduct(
        SIMD8(repeating: w2[scales + block] * d2[block]), laneSums(w2 + o, a2 + o))
      acc3 = acc3.addingProduct(
        SIMD8(repeating: w3[scales + block] * d3[block]), laneSums(w3 + o, a3 + o))
    }
    if minimums {
      return SIMD4(reduce8(acc0) + m0, reduce8(acc1) + m1, reduce8(acc2) + m2, reduce8(acc3) + m3)
    }
    return SIMD4(reduce8(acc0), reduce8(acc1), reduce8(acc2), reduce8(acc3))
  }
}

extension Kernels {
  /// Rows `first..<end` of Q8_0 / Q4_1 weights times Q8_0 / Q8_1 activations
  /// (``CompiledKernels/multiplyBlockRows(weights:rowBytes:rows:columns:first:end:activations:activationScales:activationSums:count:minimums:output:)``):
  /// four outputs at a time (four rows with one vector, or one row with four vectors), each
  /// still its own chain in llama.cpp's order (``dotBlocks4(rows:vectors:activations:activationScales:activationSums:blocks:minimums:)``).
  static func multiplyBlockRows(
    weights: UnsafeRawPointer, rowBytes: Int, rows: Int, columns: Int, first: Int, end: Int,
    activations a: UnsafePointer<Float>, activationScales ad: UnsafePointer<Float>,
    activationSums asum: UnsafePointer<Float>, count: Int, minimums: Bool,
    output y: UnsafeMutablePointer<Float>
  ) {
    let blocks = columns / 32
    // Four unpacked rows: lanes, then scales, then minimums (Q4_1) per row.
    let rowFloats = blocks * 34
    let w = UnsafeMutablePointer<Float>.allocate(capacity: 4 * rowFloats)
    defer { w.deallocate() }
    func unpack(_ r: Int, into slot: Int) -> UnsafePointer<Float> {
      let lanes = w + slot * rowFloats
      let row = weights + r * rowBytes
      if minimums {
        unpackQ4One(
          row, blocks: blocks, lanes: lanes, scales: lanes + blocks * 32,
          minimums: lanes + blocks * 33)
      } else {
        unpackQ8Zero(row, blocks: blocks, lanes: lanes, scales: lanes + blocks * 32)
      }
      return UnsafePointer(lanes)
    }
    func one(_ lanes: UnsafePointer<Float>, _ t: Int) -> Float {
      let scales = lanes + blocks * 32
      if minimums {
        return dotQ4One(
          lanes: lanes, scales: scales, minimums: scales + blocks,
          activations: a + t * blocks * 32, activationScales: ad + t * blocks,
          activationSums: asum + t * blocks, blocks: blocks)
      }
      return dotQ8Zero(
        lanes: lanes, scales: scales, activations: a + t * blocks * 32,
        activationScales: ad + t * blocks, blocks: blocks)
    }
    var r = first
    if count == 1 {
      // Generation: four rows with the one vector.
      while r + 4 <= end {
        let tile = (
          unpack(r, into: 0), unpack(r + 1, into: 1), unpack(r + 2, into: 2),
          unpack(r + 3, into: 3)
        )
        let out = dotBlocks4(
          rows: tile, vectors: (0, 0, 0, 0), activations: a, activationScales: ad,
          activationSums: asum, blocks: blocks, minimums: minimums)
        for i in 0..<4 { y[r + i] = out[i] }
        r += 4
      }
    }
    while r < end {
      // Prompts: each row with four vectors at a time.
      let lanes = unpack(r, into: 0)
      var t = 0
      while t + 4 <= count {
        let out = dotBlocks4(
          rows: (lanes, lanes, lanes, lanes), vectors: (t, t + 1, t + 2, t + 3),
          activations: a, activationScales: ad, activationSums: asum, blocks: blocks,
          minimums: minimums)
        for j in 0..<4 { y[(t + j) * rows + r] = out[j] }
        t += 4
      }
      while t < count {
        y[t * rows + r] = one(lanes, t)
        t += 1
      }
      r += 1
    }
  }
}
