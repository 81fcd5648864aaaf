/// Up to ``capacity`` (query, head) pairs that read the same keys and values.
struct AttentionTile {
  /// (query, head) pairs per tile: their partial sums fill the 16 lanes of one vector.
  static let capacity = 4

  var count: Int
  var queries: [UnsafePointer<Float>]
  var outputs: [UnsafeMutablePointer<Float>]
  /// Keys each pair attends to (its position + 1).
  var keyCounts: [Int]

  init(count: Int) {
    self.count = count
    // Placeholders for absent pairs (index ≥ count), never read or written.
    let none = UnsafeMutablePointer<Float>(bitPattern: 16)!
    queries = Array(repeating: UnsafePointer(none), count: Self.capacity)
    outputs = Array(repeating: none, count: Self.capacity)
    keyCounts = Array(repeating: 0, count: Self.capacity)
  }

  /// Keys per block: a block's keys and values (`2 · 256 · d` floats) stay in the core's L2
  /// cache while every tile of a group uses them.
  static let keyBlock = 256

  /// Scores, softmax and `V·p` of every pair of every tile into its output (`dimension` values).
  ///
  /// The tiles share one KV head. Keys go block by block (``keyBlock``), each block scored for
  /// every tile before the next, and values likewise, so a long sequence's keys and values are
  /// read from memory once per group instead of once per tile. Per pair the arithmetic and its
  /// order are those of one tile alone: scores are independent, the softmax sees the whole row,
  /// and `V·p` continues each output's sum in key order from where the previous block left it.
  static func attend(
    _ tiles: [AttentionTile], keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, dimension d: Int
  ) {
    let groups = d / 4
    let longest = tiles.map(\.longest).max() ?? 0
    // Queries interleaved: vector m of tile t holds q_c[4m + r] in lane 4c + r (zero for absent
    // pairs).
    let interleaved = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: tiles.count * groups)
    defer { interleaved.deallocate() }
    // Scores of key j for tile t's four pairs at scores[t · rowLength + j].
    let rowLength = longest + 3
    let scores = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: tiles.count * rowLength)
    defer { scores.deallocate() }
    for (t, tile) in tiles.enumerated() {
      tile.interleave(into: interleaved + t * groups, dimension: d)
    }
    var start = 0
    while start < longest {
      let end = min(longest, start + keyBlock)
      for (t, tile) in tiles.enumerated() where start < tile.longest {
        tile.score(
          keys: keys, stride: stride, dimension: d, queries: interleaved + t * groups,
          range: start..<min(end, tile.longest), into: scores + t * rowLength)
      }
      start = end
    }
    for (t, tile) in tiles.enumerated() {
      tile.softmax(scores + t * rowLength)
      for c in 0..<tile.count { tile.outputs[c].initialize(repeating: 0, count: d) }
    }
    start = 0
    while start < longest {
      let end = min(longest, start + keyBlock)
      for (t, tile) in tiles.enumerated() where start < tile.longest {
        UnsafeMutableRawPointer(scores + t * rowLength).withMemoryRebound(
          to: Float.self, capacity: 4 * rowLength
        ) { probabilities in
          tile.accumulateValues(
            values: values, stride: stride, probabilities: probabilities, dimension: d,
            range: start..<min(end, tile.longest))
        }
      }
      start = end
    }
  }

  /// Keys the pair with the most keys attends to.
  var longest: Int { keyCounts[0..<count].max() ?? 0 }

  /// Keys every pair attends to.
  var shortest: Int { keyCounts[0..<count].min() ?? 0 }

  /// The queries as `dimension / 4` vectors: vector m holds q_c[4m + r] in lane 4c + r.
  private func interleave(into interleaved: UnsafeMutablePointer<SIMD16<Float>>, dimension d: Int) {
    for m in 0..<(d / 4) {
      var lanes = SIMD16<Float>(repeating: 0)
      for c in 0..<count {
        for r in 0..<4 { lanes[4 * c + r] = queries[c][4 * m + r] }
      }
      interleaved[m] = lanes
    }
  }

  /// Scores of keys `range` for the four pairs, key j's at `scores[j]` (zero-padded lanes are
  /// scores too, never read); `range` starts at a multiple of 4.
  private func score(
    keys: UnsafePointer<Float>, stride: Int, dimension d: Int,
    queries interleaved: UnsafePointer<SIMD16<Float>>, range: Range<Int>,
    into scores: UnsafeMutablePointer<SIMD4<Float>>
  ) {
    let groups = d / 4
    let scale = 1 / CMath.squareRoot(Float(d))
    var j = range.lowerBound
    while j + 4 <= range.upperBound {
      let k0 = keys + j * stride
      let k1 = k0 + stride
      let k2 = k1 + stride
      let k3 = k2 + stride
      var a0 = SIMD16<Float>(repeating: 0)
      var (a1, a2, a3) = (a0, a0, a0)
      for m in 0..<groups {
        let query = interleaved[m]
        a0 = a0 + query * Self.repeated(k0 + 4 * m)
        a1 = a1 + query * Self.repeated(k1 + 4 * m)
        a2 = a2 + query * Self.repeated(k2 + 4 * m)
        a3 = a3 + query * Self.repeated(k3 + 4 * m)
      }
      Self.storeCombined(a0, a1, a2, a3, scale: scale, at: scores + j)
      j += 4
    }
    while j < range.upperBound {
      let key = keys + j * stride
      var a = SIMD16<Float>(repeating: 0)
      for m in 0..<groups { a = a + interleaved[m] * Self.repeated(key + 4 * m) }
      scores[j] = Self.combined(a) * scale
      j += 1
    }
  }

  /// `out_c += Σ_j p_{j,c}·v_j` over keys `range` for every pair, continuing each output's sum:
  /// keys below ``shortest`` for all pairs together (a value row loaded once), the rest pair by
  /// pair; products then sums, in key order.
  private func accumulateValues(
    values: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    dimension d: Int, range: Range<Int>
  ) {
    let shortest = shortest
    let shared = range.lowerBound..<max(range.lowerBound, min(range.upperBound, shortest))
    if d.isMultiple(of: 16) {
      // Sums in registers: 4 pairs × ``valueStrip`` values per pass over the keys, then 4 × 16.
      var t = 0
      while Self.valueStrip == 64, t + 64 <= d {
        accumulate64(values: values + t, stride: stride, probabilities: p, keys: shared, at: t)
        t += 64
      }
      while t < d {
        accumulate16(values: values + t, stride: stride, probabilities: p, keys: shared, at: t)
        t += 16
      }
    } else {
      for j in shared {
        let value = values + j * stride
        for c in 0..<count {
          let weight = p[4 * j + c]
          for t in 0..<d { outputs[c][t] += weight * value[t] }
        }
      }
    }
    for c in 0..<count where keyCounts[c] > shortest {
      let first = max(shortest, range.lowerBound)
      let last = min(keyCounts[c], range.upperBound)
      guard first < last else { continue }
      for j in first..<last {
        let weight = p[4 * j + c]
        let value = values + j * stride
        for t in 0..<d { outputs[c][t] += weight * value[t] }
      }
    }
  }

  /// Values of each pair's output summed per pass over a block's keys: 64 (16 zmm registers
  /// for four pairs), but 16 on AVX2, where 4 × 64 Floats would take 32 ymm registers of its 16
  /// and spill. The same operations per value either way.
  #if SPINDLE_KERNELS_AVX2
  static let valueStrip = 16
  #else
  static let valueStrip = 64
  #endif

  /// Values `at..<at + 64` of every pair's sum continued over `keys`, held in 16 registers.
  @inline(__always)
  private func accumulate64(
    values: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    keys: Range<Int>, at t: Int
  ) {
    func load(_ c: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
      let zero = SIMD16<Float>(repeating: 0)
      guard c < count else { return (zero, zero, zero, zero) }
      let out = outputs[c] + t
      return (
        Kernels.load16(out), Kernels.load16(out + 16), Kernels.load16(out + 32),
        Kernels.load16(out + 48)
      )
    }
    var (a00, a01, a02, a03) = load(0)
    var (a10, a11, a12, a13) = load(1)
    var (a20, a21, a22, a23) = load(2)
    var (a30, a31, a32, a33) = load(3)
    for j in keys {
      let value = values + j * stride
      let (v0, v1, v2, v3) = (
        Kernels.load16(value), Kernels.load16(value + 16), Kernels.load16(value + 32),
        Kernels.load16(value + 48)
      )
      let w = UnsafeRawPointer(p + 4 * j).loadUnaligned(as: SIMD4<Float>.self)
      let w0 = SIMD16(repeating: w[0])
      a00 = a00 + w0 * v0
      a01 = a01 + w0 * v1
      a02 = a02 + w0 * v2
      a03 = a03 + w0 * v3
      let w1 = SIMD16(repeating: w[1])
      a10 = a10 + w1 * v0
      a11 = a11 + w1 * v1
      a12 = a12 + w1 * v2
      a13 = a13 + w1 * v3
      let w2 = SIMD16(repeating: w[2])
      a20 = a20 + w2 * v0
      a21 = a21 + w2 * v1
      a22 = a22 + w2 * v2
      a23 = a23 + w2 * v3
      let w3 = SIMD16(repeating: w[3])
      a30 = a30 + w3 * v0
      a31 = a31 + w3 * v1
      a32 = a32 + w3 * v2
      a33 = a33 + w3 * v3
    }
    func store(
      _ c: Int, _ s0: SIMD16<Float>, _ s1: SIMD16<Float>, _ s2: SIMD16<Float>, _ s3: SIMD16<Float>
    ) {
      guard c < count else { return }
      let out = outputs[c] + t
      Kernels.store16(s0, out)
      Kernels.store16(s1, out + 16)
      Kernels.store16(s2, out + 32)
      Kernels.store16(s3, out + 48)
    }
    store(0, a00, a01, a02, a03)
    store(1, a10, a11, a12, a13)
    store(2, a20, a21, a22, a23)
    store(3, a30, a31, a32, a33)
  }

  /// Values `at..<at + 16` of every pair's sum continued over `keys`, in four registers.
  @inline(__always)
  private func accumulate16(
    values: UnsafePointer<Float>, stride: Int, probabilities p: UnsafePointer<Float>,
    keys: Range<Int>, at t: Int
  ) {
    func load(_ c: Int) -> SIMD16<Float> {
      c < count ? Kernels.load16(outputs[c] + t) : SIMD16<Float>(repeating: 0)
    }
    var (a0, a1, a2, a3) = (load(0), load(1), load(2), load(3))
    for j in keys {
      let v = Kernels.load16(values + j * stride)
      let w = UnsafeRawPointer(p + 4 * j).loadUnaligned(as: SIMD4<Float>.self)
      a0 = a0 + SIMD16(repeating: w[0]) * v
      a1 = a1 + SIMD16(repeating: w[1]) * v
      a2 = a2 + SIMD16(repeating: w[2]) * v
      a3 = a3 + SIMD16(repeating: w[3]) * v
    }
    Kernels.store16(a0, outputs[0] + t)
    if count > 1 { Kernels.store16(a1, outputs[1] + t) }
    if count > 2 { Kernels.store16(a2, outputs[2] + t) }
    if count > 3 { Kernels.store16(a3, outputs[3] + t) }
  }

  /// ``Kernels/softmax(_:count:)`` of every pair, pair `c`'s scores in lane `c`: per pair the
  /// same operations in the same order (max; `expf(x − max)` summed in Double key by key;
  /// times the Float reciprocal of the sum), four pairs per vector, the exponentials by
  /// ``Kernels/exp8(_:)``, eight at a time.
  private func softmax(_ scores: UnsafeMutablePointer<SIMD4<Float>>) {
    let maximum = maximum(scores)
    var sum = SIMD4<Double>.zero
    Self.exponentiate(scores, maximum: maximum, range: 0..<shortest, sum: &sum)
    normalize(scores, maximum: maximum, sum: sum)
  }

  /// Per lane the largest score over the pair's keys.
  private func maximum(_ scores: UnsafeMutablePointer<SIMD4<Float>>) -> SIMD4<Float> {
    let shortest = shortest
    // Four running maxima side by side (a max is exact, so grouping cannot change it).
    var maxima = (
      SIMD4<Float>(repeating: -.infinity), SIMD4<Float>(repeating: -.infinity),
      SIMD4<Float>(repeating: -.infinity), SIMD4<Float>(repeating: -.infinity)
    )
    var k = 0
    while k + 4 <= shortest {
      maxima.0.replace(with: scores[k], where: scores[k] .>= maxima.0)
      maxima.1.replace(with: scores[k + 1], where: scores[k + 1] .>= maxima.1)
      maxima.2.replace(with: scores[k + 2], where: scores[k + 2] .>= maxima.2)
      maxima.3.replace(with: scores[k + 3], where: scores[k + 3] .>= maxima.3)
      k += 4
    }
    var maximum = maxima.0
    maximum.replace(with: maxima.1, where: maxima.1 .>= maximum)
    maximum.replace(with: maxima.2, where: maxima.2 .>= maximum)
    maximum.replace(with: maxima.3, where: maxima.3 .>= maximum)
    while k < shortest {
      maximum.replace(with: scores[k], where: scores[k] .>= maximum)
      k += 1
    }
    for c in 0..<count where keyCounts[c] > shortest {
      for j in shortest..<keyCounts[c] { maximum[c] = max(maximum[c], scores[j][c]) }
    }
    return maximum
  }

  /// The exponentials of the keys past ``shortest`` (pair by pair, continuing `sum`), then
  /// every probability times the Float reciprocal of its pair's sum.
  private func normalize(
    _ scores: UnsafeMutablePointer<SIMD4<Float>>, maximum: SIMD4<Float>, sum: SIMD4<Double>
  ) {
    let shortest = shortest
    var sum = sum
    for c in 0..<count where keyCounts[c] > shortest {
      for j in shortest..<keyCounts[c] {
        let e = CMath.exp(scores[j][c] - maximum[c])
        scores[j][c] = e
        sum[c] += Double(e)
      }
    }
    let scale = SIMD4<Float>(1 / sum)
    for j in 0..<shortest { scores[j] *= scale }
    for c in 0..<count where keyCounts[c] > shortest {
      for j in shortest..<keyCounts[c] { scores[j][c] *= scale[c] }
    }
  }

  /// `scores[j] = expf(scores[j] − maximum)` for keys `range`, each added to `sum` in Double,
  /// key by key.
  ///
  /// Its own function so that ``Kernels/exp8(_:)`` is compiled as in a small body: inlined
  /// into the whole softmax, the compiler split its Double vectors into 128-bit halves.
  @inline(never)
  private static func exponentiate(
    _ scores: UnsafeMutablePointer<SIMD4<Float>>, maximum: SIMD4<Float>, range: Range<Int>,
    sum: inout SIMD4<Double>
  ) {
    let maxima = SIMD8(lowHalf: maximum, highHalf: maximum)
    var j = range.lowerBound
    while j + 2 <= range.upperBound {
      let pair = UnsafeMutableRawPointer(scores + j)
      let e = Kernels.exp8(pair.loadUnaligned(as: SIMD8<Float>.self) - maxima)
      pair.storeBytes(of: e, as: SIMD8<Float>.self)
      sum += Kernels.widened(e.lowHalf)
      sum += Kernels.widened(e.highHalf)
      j += 2
    }
    if j < range.upperBound {
      let e = Kernels.exp8(SIMD8(lowHalf: scores[j] - maximum, highHalf: .zero)).lowHalf
      scores[j] = e
      sum += Kernels.widened(e)
    }
  }

  /// Four values repeated over the 16 lanes.
  @inline(__always)
  private static func repeated(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    let four = UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    let eight = SIMD8(lowHalf: four, highHalf: four)
    return SIMD16(lowHalf: eight, highHalf: eight)
  }

  /// ``combined(_:)`` of four keys' sums times `scale`, into `scores[0…3]`.
  ///
  /// With AVX-512 the four are combined together: even and odd lanes of two keys' sums side by
  /// side (`s₀ + s₁`, `s₂ + s₃` of keys j and j + 1 in one vector), then of those two vectors
  /// (`(s₀ + s₁) + (s₂ + s₃)` of four keys × four pairs, the layout of `scores`): the same
  /// additions of the same lanes as one key at a time, in six two-source permutes instead of
  /// sixteen narrower shuffles. Elsewhere (a SIMD32 is four or more registers) key by key.
  @inline(__always)
  private static func storeCombined(
    _ a0: SIMD16<Float>, _ a1: SIMD16<Float>, _ a2: SIMD16<Float>, _ a3: SIMD16<Float>,
    scale: Float, at scores: UnsafeMutablePointer<SIMD4<Float>>
  ) {
    #if SPINDLE_KERNELS_AVX512
    let keys01 = SIMD32(lowHalf: a0, highHalf: a1)
    let keys23 = SIMD32(lowHalf: a2, highHalf: a3)
    let halves = SIMD32(
      lowHalf: keys01.evenHalf + keys01.oddHalf, highHalf: keys23.evenHalf + keys23.oddHalf)
    let four = (halves.evenHalf + halves.oddHalf) * scale
    UnsafeMutableRawPointer(scores).storeBytes(of: four, as: SIMD16<Float>.self)
    #else
    scores[0] = combined(a0) * scale
    scores[1] = combined(a1) * scale
    scores[2] = combined(a2) * scale
    scores[3] = combined(a3) * scale
    #endif
  }

  /// Lanes `4c…4c+3` (`s₀…s₃` of pair `c`) to `(s₀ + s₁) + (s₂ + s₃)`, one lane per pair.
  @inline(__always)
  private static func combined(_ a: SIMD16<Float>) -> SIMD4<Float> {
    let pairs = a.evenHalf + a.oddHalf
    return pairs.evenHalf + pairs.oddHalf
  }
}
