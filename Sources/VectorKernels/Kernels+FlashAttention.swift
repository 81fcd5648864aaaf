/// llama.cpp's CPU flash attention (`ggml_compute_forward_flash_attn_ext_f16`, F16 K/V cache),
/// bit for bit, in the AVX-512 or the AVX2 build's sums (`V`: the scores of the one-chunk and
/// split paths, the softmax sums and `ggml_v_expf` of the tiled one).
///
/// ggml takes one of three paths, by shape (ggml/src/ggml-cpu/ops.cpp of llama.cpp 0c1e570):
/// - **one chunk** (`ops.cpp` 8843–9079; fewer than 64 query tokens in the micro-batch, or one
///   token with fewer than 512 keys in view): per (query, head), `Q` rounded to F16; for each
///   unmasked key in cache order, `s = vec_dot_f16(k, Q)·scale`; a running maximum `M` (strict
///   `>`), `ms = expf(M_old − M)` rescaling the F16 accumulator, else `vs = expf(s − M)`
///   (glibc `expf`); `acc = f16(fma(v, vs, acc))` after every key; `S = fma(S, ms, vs)`;
///   output `f32(acc) · (1/S)`;
/// - **tiled** (`ops.cpp` 9081–9368; 64 or more query tokens): all in F32, `Q` not rounded;
///   keys in tiles of 64: scores as a sequential `fma` chain over the head, `·scale`, masked to
///   `−∞`; the tile's maximum; when the maximum grows, `acc` and `S` times `expf(M − M_new)`;
///   weights `ggml_v_expf(s − M)`, summed per vector with the build's `hsum` into a Double
///   added to `S`; `acc = fma(v, p, acc)` key by key; output `acc · (1/S)`;
/// - **split over keys** (`ops.cpp` 9371–9521; one query token, 512 or more keys in view):
///   the view cut into `⌈n_kv / threads⌉`-key chunks, one chunk each as above without the
///   division, then merged chunk by chunk: `V = fma(V, expf(M − M'), acc_i·expf(M_i − M'))`,
///   `S = fma(S, expf(M − M'), S_i·expf(M_i − M'))`, output `V · (1/S)`. The only path whose
///   result depends on the thread count.
///
/// The keys in view are llama.cpp's `n_kv`: the used cells rounded up to 256 (at least 256);
/// keys past a query's position are masked. The path and `n_kv` are chosen per micro-batch by
/// the caller (Inference's `LlamaModel.flashAttentionPath`).
extension Kernels {
  /// Query tokens per tile and keys per KV tile of the tiled path (`GGML_FA_TILE_Q`, `_KV`);
  /// the tiled path scores a tile's keys in four vectors of 16 (`TransposedKeys.tile`).
  static let flashAttentionTile = 64

  /// The state of one (query, head) over a run of keys in the one-chunk order.
  struct FlashAttentionChunk {
    var maximum = -Float.infinity
    var sum: Float = 0
    /// The value accumulator (`dimension` values, the caller's memory), each element an F16
    /// value held in a Float.
    let accumulator: UnsafeMutablePointer<Float>

    /// Starts a chunk over `accumulator`, which it zeroes.
    init(accumulator: UnsafeMutablePointer<Float>, dimension: Int) {
      self.accumulator = accumulator
      accumulator.update(repeating: 0, count: dimension)
    }

    /// Adds keys `range` (all unmasked) for `query` (F16 values), the scores summed in the
    /// build of `V`'s width.
    mutating func add<V: FusedLanes>(
      _: V.Type, query: UnsafePointer<Float>, keys: UnsafePointer<Float>,
      values: UnsafePointer<Float>,
      stride: Int, range: Range<Int>, dimension d: Int, scale: Float
    ) {
      let acc = accumulator
      for j in range {
        let score = Kernels.dotGGMLVector(V.self, keys + j * stride, query, count: d) * scale
        var rescale: Float = 1
        var weight: Float = 1
        if score > maximum {
          rescale = CMath.exp(maximum - score)
          maximum = score
          for t in 0..<d { acc[t] = Kernels.roundedToHalf(acc[t] * rescale) }
        } else {
          weight = CMath.exp(score - maximum)
        }
        let value = values + j * stride
        for t in 0..<d {
          acc[t] = Kernels.roundedToHalf(acc[t].addingProduct(value[t], weight))
        }
        sum = weight.addingProduct(sum, rescale)
      }
    }
  }

  /// One (query, head) of the one-chunk path: `keys` unmasked keys from the start of the
  /// cache; `query` unrounded (rounded to F16 here). Writes `dimension` values to `out`, which
  /// holds the accumulator meanwhile.
  static func flashAttentionOneChunk<V: FusedLanes>(
    _: V.Type, query: UnsafePointer<Float>, keys: UnsafePointer<Float>,
    values: UnsafePointer<Float>,
    stride: Int, count: Int, dimension d: Int, scale: Float, into out: UnsafeMutablePointer<Float>
  ) {
    withHalfQuery(query, dimension: d) { half in
      var chunk = FlashAttentionChunk(accumulator: out, dimension: d)
      chunk.add(
        V.self, query: half, keys: keys, values: values, stride: stride, range: 0..<count,
        dimension: d, scale: scale)
      let inverse: Float = chunk.sum == 0 ? 0 : 1 / chunk.sum
      for t in 0..<d { out[t] *= inverse }
    }
  }

  /// One query token of the split path: the `keysInView` keys cut into `threads` chunks, the
  /// first `count` unmasked. `out` holds the merged values meanwhile.
  static func flashAttentionSplit<V: FusedLanes>(
    _: V.Type, query: UnsafePointer<Float>, keys: UnsafePointer<Float>,
    values: UnsafePointer<Float>,
    stride: Int, count: Int, keysInView: Int, threads: Int, dimension d: Int, scale: Float,
    into out: UnsafeMutablePointer<Float>
  ) {
    withHalfQuery(query, dimension: d) { half in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { buffer in
        guard let accumulator = buffer.baseAddress else { return }
        let chunkLength = (keysInView + threads - 1) / threads
        var maximum = -Float.infinity
        var sum: Float = 0
        out.update(repeating: 0, count: d)
        for chunkIndex in 0..<threads {
          let start = chunkIndex * chunkLength
          let end = min(start + chunkLength, count)
          guard start < end else { continue }
          var chunk = FlashAttentionChunk(accumulator: accumulator, dimension: d)
          chunk.add(
            V.self, query: half, keys: keys, values: values, stride: stride, range: start..<end,
            dimension: d, scale: scale)
          guard chunk.sum != 0 else { continue }
          let newMaximum = Swift.max(maximum, chunk.maximum)
          let old = CMath.exp(maximum - newMaximum)
          let new = CMath.exp(chunk.maximum - newMaximum)
          for t in 0..<d { out[t] = (accumulator[t] * new).addingProduct(out[t], old) }
          sum = (chunk.sum * new).addingProduct(sum, old)
          maximum = newMaximum
        }
        if sum != 0 {
          let inverse = 1 / sum
          for t in 0..<d { out[t] *= inverse }
        }
      }
    }
  }

  /// One (query, head) of the tiled path: `count` unmasked keys of `keysInView`, the rest
  /// masked (their values are the cache's zeros). `out` holds the accumulator meanwhile.
  ///
  /// The keys come as ``TransposedKeys`` lays them out, so 16 keys' scores are the lanes of
  /// one vector: per lane the same sequential `fma` chain over the head as ggml's one score,
  /// four vectors (a tile's 64 keys) side by side instead of one chain at a time.
  static func flashAttentionTiled<V: FusedLanes>(
    _: V.Type, query: UnsafePointer<Float>, transposedKeys: UnsafePointer<Float>,
    values: UnsafePointer<Float>, stride: Int, count: Int, keysInView: Int, dimension d: Int,
    scale: Float, into out: UnsafeMutablePointer<Float>
  ) {
    let tile = flashAttentionTile
    withUnsafeTemporaryAllocation(of: Float.self, capacity: tile) { buffer in
      guard let weights = buffer.baseAddress else { return }
      var maximum = -Float.infinity
      var sum: Float = 0
      out.update(repeating: 0, count: d)
      var tileStart = 0
      while tileStart < keysInView {
        let live = Swift.max(0, Swift.min(tile, count - tileStart))
        guard live > 0 else { break }
        var block = 0
        while block < tile {
          let keys = transposedKeys + (tileStart + block) * d
          var a0 = SIMD16<Float>(repeating: 0)
          var (a1, a2, a3) = (a0, a0, a0)
          for t in 0..<d {
            let component = SIMD16(repeating: query[t])
            a0 = a0.addingProduct(load16(keys + 16 * t), component)
            a1 = a1.addingProduct(load16(keys + 16 * (d + t)), component)
            a2 = a2.addingProduct(load16(keys + 16 * (2 * d + t)), component)
            a3 = a3.addingProduct(load16(keys + 16 * (3 * d + t)), component)
          }
          let zero = SIMD16<Float>(repeating: 0)
          store16(a0 * scale + zero, weights + block)
          store16(a1 * scale + zero, weights + block + 16)
          store16(a2 * scale + zero, weights + block + 32)
          store16(a3 * scale + zero, weights + block + 48)
          block += 64
        }
        var tileMaximum = -Float.infinity
        for j in 0..<tile {
          let score = j < live ? weights[j] : -Float.infinity
          weights[j] = score
          tileMaximum = tileMaximum > score ? tileMaximum : score
        }
        let newMaximum = Swift.max(maximum, tileMaximum)
        if newMaximum > maximum {
          let rescale = CMath.exp(maximum - newMaximum)
          for t in 0..<d { out[t] *= rescale }
          sum *= rescale
        }
        maximum = newMaximum
        var tileSum: Double = 0
        for group in Swift.stride(from: 0, to: tile, by: V.scalarCount) {
          var lanes = V(repeating: 0)
          for lane in 0..<V.scalarCount {
            let weight = V.ggmlExp(weights[group + lane] - newMaximum)
            weights[group + lane] = weight
            lanes[lane] = weight
          }
          tileSum += Double(V.horizontalSum(lanes))
        }
        sum = Float(Double(sum) + tileSum)
        for j in 0..<live {
          let value = values + (tileStart + j) * stride
          let weight = weights[j]
          for t in 0..<d { out[t] = out[t].addingProduct(value[t], weight) }
        }
        tileStart += tile
      }
      let inverse: Float = sum == 0 ? 0 : 1 / sum
      for t in 0..<d { out[t] *= inverse }
    }
  }

  /// `query` rounded to F16, for the one-chunk and split paths.
  private static func withHalfQuery(
    _ query: UnsafePointer<Float>, dimension d: Int, _ body: (UnsafePointer<Float>) -> Void
  ) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { buffer in
      guard let half = buffer.baseAddress else { return }
      for t in 0..<d { half[t] = Kernels.roundedToHalf(query[t]) }
      body(half)
    }
  }
}
