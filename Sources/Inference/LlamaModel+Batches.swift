/// The forward pass in batches of rows, for both the whole-sequence pass and the KV cache.
///
/// Every step of a layer is row-independent except attention, and a row's attention reads only
/// the keys and values of rows at or before it. So a layer can run over batches of
/// ``LlamaModel/rowsPerBatch`` rows in order: a batch's keys and values are stored, then its
/// queries attend to everything stored so far, then its rows of the residual stream are
/// replaced by the layer's output in place. The values are those of running each step over the
/// whole sequence at once, bit for bit (in llama.cpp numerics, whose batches are llama.cpp's
/// micro-batches, except that a one-row batch or a batch's one output row is multiplied alone,
/// as llama.cpp does), while the memory is
/// - the residual stream `n × E` and one layer's keys and values `n × 2·KV` (the whole-sequence
///   pass; a ``KeyValueCache`` keeps every layer's instead), the rotation table `n × pairs × 2`;
/// - per batch, `rowsPerBatch × (E + Q + 2·KV + 3·FF)` values of temporaries (256 rows, 512 in
///   llama.cpp numerics);
/// - per attention worker, one row of `n` scores; in exact numerics, per attention call, a
///   head-major copy of the layer's keys and values (`n × 2·KV`, `exactAttention`),
///
/// so it grows linearly with the sequence, and no `n × n` matrix is ever formed.
extension LlamaModel {
  /// Rows per batch (llama.cpp's `n_ubatch` is 512): products over a batch decode every weight
  /// row once for all its rows.
  static let batchRows = 256

  /// Where a layer's keys and values live while it runs: `past` rows are already there, the
  /// new rows go after them.
  struct LayerKeyValues {
    var keys: [Float]
    var values: [Float]
    var past: Int
  }

  /// The final hidden states (after the output norm) of `tokens` at `outputs`.
  ///
  /// `outputs` are indices into `tokens`, in the order wanted (`outputs.count × E` values); the
  /// tokens follow those in `cache`. With `keepingLayers`, their keys and values are added to the cache; without (the
  /// whole-sequence pass, `cache` empty), one layer's at a time are kept, and `cache` is left
  /// as it was. Only the last layer's queries at `outputs` are computed, as llama.cpp does with
  /// its output ids. `layerDone` hears the number of layers run after each one (the blocks
  /// cost the same, so it is the pass's progress).
  func batchedForward(
    tokens: [Int32], outputs: [Int], cache: inout KeyValueCache, keepingLayers: Bool,
    batchRows: Int? = nil, products: Products = .tiled,
    layerDone: (Int) -> Void = { _ in }
  ) -> [Float] {
    let batchRows = batchRows ?? rowsPerBatch
    let c = configuration
    let e = c.embeddingLength
    let n = tokens.count
    let kvWidth = c.keyValueLength
    var x = [Float](repeating: 0, count: n * e)
    x.withUnsafeMutableBufferPointer { buffer in
      for (row, token) in tokens.enumerated() {
        let values = embedding.row(Int(token))
        for i in 0..<e { buffer[row * e + i] = values[i] }
      }
    }
    let first = cache.nextPosition
    let (cosines, sines) = rotary.rotations(positions: first..<(first + n))
    let lastRows = Array(Set(outputs)).sorted()
    var scratch = LayerKeyValues(keys: [], values: [], past: 0)
    for (index, layer) in layers.enumerated() {
      var store = LayerKeyValues(keys: [], values: [], past: 0)
      if keepingLayers {
        // Move the arrays out of the cache, so appending to them does not copy them.
        store = LayerKeyValues(
          keys: cache.keys[index], values: cache.values[index], past: cache.count)
        cache.keys[index] = []
        cache.values[index] = []
      } else {
        swap(&store, &scratch)
        store.keys.removeAll(keepingCapacity: true)
        store.values.removeAll(keepingCapacity: true)
      }
      store.keys.reserveCapacity((store.past + n) * kvWidth)
      store.values.reserveCapacity((store.past + n) * kvWidth)
      let isLast = index == layers.count - 1
      var batchStart = 0
      while batchStart < n {
        let batch = batchStart..<min(n, batchStart + batchRows)
        let queries =
          isLast ? lastRows.filter { batch.contains($0) } : Array(batch)
        layerStep(
          layer, x: &x, batch: batch, queries: queries, store: &store, cosines: cosines,
          sines: sines, callTokens: n, products: products)
        batchStart = batch.upperBound
      }
      if keepingLayers {
        cache.keys[index] = store.keys
        cache.values[index] = store.values
      } else {
        scratch = store
      }
      layerDone(index + 1)
    }
    if keepingLayers { cache.advance(by: n) }
    var hidden = Self.gather(x, rows: outputs, width: e)
    normalize(&hidden, weight: outputNorm, bias: outputNormBias)
    return hidden
  }

  /// Rows per batch of this model's passes: ``batchRows``, or llama.cpp's micro-batch in
  /// llama.cpp numerics, so that a batch's one-row products are llama.cpp's (which sums them
  /// in `vec_dot`'s order).
  var rowsPerBatch: Int { numericMode == .llamaCpp ? Self.llamaCppMicroBatch : Self.batchRows }

  /// `input · Wᵀ` of `count` vectors, tiled (``WeightMatrix/product(_:count:mode:alone:into:)``)
  /// or row by row (``WeightMatrix/multiply(_:count:mode:alone:)``); `alone` as theirs.
  func product(
    _ matrix: WeightMatrix, _ input: [Float], count: Int, _ products: Products = .tiled,
    alone: Bool? = nil
  ) -> [Float] {
    if products == .rowByRow {
      return matrix.multiply(input, count: count, mode: numericMode, alone: alone)
    }
    var output = [Float](repeating: 0, count: count * matrix.rows)
    input.withUnsafeBufferPointer { x in
      output.withUnsafeMutableBufferPointer { y in
        guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
        matrix.product(xb, count: count, mode: numericMode, alone: alone, into: yb)
      }
    }
    return output
  }

  /// Rotates row `i` of `x` (`heads` heads) by the angles of table row `tableRows[i]`.
  func rotateRows(
    _ x: inout [Float], heads: Int, tableRows: [Int], cosines: [Float], sines: [Float]
  ) {
    let d = configuration.headDimension
    let pairs = rotary.pairCount
    let width = heads * d
    cosines.withUnsafeBufferPointer { cosBuffer in
      sines.withUnsafeBufferPointer { sinBuffer in
        x.withUnsafeMutableBufferPointer { buffer in
          guard let cosBase = cosBuffer.baseAddress, let sinBase = sinBuffer.baseAddress,
            let base = buffer.baseAddress
          else { return }
          for (i, row) in tableRows.enumerated() {
            rotary.rotate(
              base + i * width, heads: heads, headDimension: d, cos: cosBase + row * pairs,
              sin: sinBase + row * pairs)
          }
        }
      }
    }
  }
}
