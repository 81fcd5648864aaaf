extension LlamaModel {
  /// Runs `tokens` after those in `cache`, adds their keys and values to it, and returns the
  /// logits of the last of them.
  ///
  /// The same computation as ``logits(tokens:startPosition:outputs:)`` for the whole
  /// sequence, restricted to the new rows: every step is row-independent (norms, products,
  /// per-row activation rounding) except attention, which reads the cached rows.
  ///
  /// - Throws: `invalidInput` for an empty `tokens`, a token outside the vocabulary, or a
  ///   cache made for another model.
  public func logits(
    appending tokens: [Int32], to cache: inout KeyValueCache
  ) throws(InferenceError) -> [Float] {
    let vocabulary = configuration.vocabularySize
    guard !tokens.isEmpty else {
      throw InferenceError(.invalidInput, name: "tokens", "no tokens to append")
    }
    for (index, token) in tokens.enumerated() where token < 0 || Int(token) >= vocabulary {
      throw InferenceError(
        .invalidInput, name: "tokens",
        "token \(token) at index \(index) is outside the vocabulary 0..<\(vocabulary)")
    }
    guard cache.keys.count == layers.count,
      cache.keys.allSatisfy({ $0.count == cache.count * configuration.keyValueLength })
    else {
      throw InferenceError(
        .invalidInput, name: "cache", "the cache was made for a model of another shape")
    }
    guard cache.nextPosition <= Int(Int32.max) - tokens.count else {
      throw InferenceError(
        .invalidInput, name: "cache", "position \(cache.nextPosition) leaves no room")
    }
    let hidden = forward(appending: tokens, to: &cache)
    let e = configuration.embeddingLength
    let last = Array(hidden[((tokens.count - 1) * e)..<(tokens.count * e)])
    return output.multiply(last, count: 1, mode: numericMode)
  }

  /// The final hidden states (after the output norm) of every new row, `tokens.count × E`.
  func forward(appending tokens: [Int32], to cache: inout KeyValueCache) -> [Float] {
    let c = configuration
    let n = tokens.count
    let past = cache.count
    var x = [Float]()
    x.reserveCapacity(n * c.embeddingLength)
    for token in tokens { x += embedding.row(Int(token)) }
    let (cosines, sines) = rotary.rotations(
      positions: cache.nextPosition..<(cache.nextPosition + n))
    for (index, layer) in layers.enumerated() {
      var h = x
      Kernels.rmsNorm(&h, weight: layer.attentionNorm, epsilon: c.rmsNormEpsilon)
      var (q, k, v) = projections(layer: layer, normalized: h, count: n)
      rotate(&q, heads: c.headCount, rows: n, cosines: cosines, sines: sines)
      rotate(&k, heads: c.keyValueHeadCount, rows: n, cosines: cosines, sines: sines)
      let llamaCpp = numericMode == .llamaCpp
      if llamaCpp {
        q = q.map(Self.roundedToHalf)
        k = k.map(Self.roundedToHalf)
        v = v.map(Self.roundedToHalf)
      }
      cache.append(layer: index, keys: k, values: v)
      let attention = Self.causalAttention(
        q: q, k: cache.keys[index], v: cache.values[index], queryRows: Array(past..<(past + n)),
        configuration: c, roundProbabilities: llamaCpp, singleTokenBatch: n == 1)
      var o = layer.attentionOutput.multiply(attention, count: n, mode: numericMode)
      if let bias = layer.attentionOutputBias { Kernels.addBias(&o, bias) }
      var residual = x
      for i in residual.indices { residual[i] += o[i] }
      var f = residual
      Kernels.rmsNorm(&f, weight: layer.feedForwardNorm, epsilon: c.rmsNormEpsilon)
      var gate = layer.gate.multiply(f, count: n, mode: numericMode)
      let up = layer.up.multiply(f, count: n, mode: numericMode)
      if llamaCpp {
        Kernels.swiGLUGGML(gate: &gate, up: up)
      } else {
        Kernels.swiGLU(gate: &gate, up: up)
      }
      let down = layer.down.multiply(gate, count: n, mode: numericMode)
      for i in residual.indices { residual[i] += down[i] }
      x = residual
    }
    cache.advance(by: n)
    Kernels.rmsNorm(&x, weight: outputNorm, epsilon: c.rmsNormEpsilon)
    return x
  }

  /// Queries, keys and values of `count` normalized rows: biases added, per-head norms
  /// applied, not yet rotated.
  func projections(layer: Layer, normalized h: [Float], count n: Int) -> (
    [Float], [Float], [Float]
  ) {
    let c = configuration
    var q = layer.query.multiply(h, count: n, mode: numericMode)
    var k = layer.key.multiply(h, count: n, mode: numericMode)
    var v = layer.value.multiply(h, count: n, mode: numericMode)
    if let bias = layer.queryBias { Kernels.addBias(&q, bias) }
    if let bias = layer.keyBias { Kernels.addBias(&k, bias) }
    if let bias = layer.valueBias { Kernels.addBias(&v, bias) }
    if let norm = layer.queryNorm { Kernels.rmsNorm(&q, weight: norm, epsilon: c.rmsNormEpsilon) }
    if let norm = layer.keyNorm { Kernels.rmsNorm(&k, weight: norm, epsilon: c.rmsNormEpsilon) }
    return (q, k, v)
  }

  /// Rotates `rows` rows of `heads` heads each; row `i` takes the angles of table row `i`.
  func rotate(_ x: inout [Float], heads: Int, rows: Int, cosines: [Float], sines: [Float]) {
    let d = configuration.headDimension
    let pairs = rotary.pairCount
    let width = heads * d
    cosines.withUnsafeBufferPointer { cosBuffer in
      sines.withUnsafeBufferPointer { sinBuffer in
        x.withUnsafeMutableBufferPointer { buffer in
          guard let cosBase = cosBuffer.baseAddress, let sinBase = sinBuffer.baseAddress,
            let base = buffer.baseAddress
          else { return }
          for row in 0..<rows {
            rotary.rotate(
              base + row * width, heads: heads, headDimension: d, cos: cosBase + row * pairs,
              sin: sinBase + row * pairs)
          }
        }
      }
    }
  }
}
