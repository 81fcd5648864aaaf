extension LlamaModel {
  /// The attention scores of layer `layer` between hidden states placed at `positions`, as
  /// its rotary embedding makes them: `s[h][i][j] = q_{i,h} · k_{j,h/g} / √d` for every query
  /// head `h`, query row `i` and key row `j` (all pairs, not only the causal ones),
  /// `heads × n × n` values.
  ///
  /// Row `i` of `hidden` (`n × E`) is taken to sit at `positions[i]`: the layer's norm, then
  /// Q and K (with their biases and per-head norms) as the block computes them, rotated at
  /// those positions; the dot products are summed in Double. Nothing is rounded to F16 and
  /// queries are never pre-scaled, whatever the numerics: this compares rotary embeddings
  /// (tables, frequencies, attention factor), not rounding paths. The cost is two products of
  /// `n` rows and `heads · n² · d` multiply-adds, whatever the model's context.
  public func attentionScores(layer index: Int, hidden: [Float], positions: [Int]) -> [Float] {
    let c = configuration
    let n = positions.count
    precondition(hidden.count == n * c.embeddingLength, "hidden is not positions × E")
    let layer = layers[index]
    var h = hidden
    normalize(&h, weight: layer.attentionNorm, bias: layer.attentionNormBias)
    var q = product(layer.query, h, count: n)
    var k = product(layer.key, h, count: n)
    if let bias = layer.queryBias { Kernels.addBias(&q, bias) }
    if let bias = layer.keyBias { Kernels.addBias(&k, bias) }
    if let norm = layer.queryNorm { Kernels.rmsNorm(&q, weight: norm, epsilon: c.rmsNormEpsilon) }
    if let norm = layer.keyNorm { Kernels.rmsNorm(&k, weight: norm, epsilon: c.rmsNormEpsilon) }
    let (cosines, sines) = rotary.rotations(positions: positions)
    rotateRows(&q, heads: c.headCount, tableRows: Array(0..<n), cosines: cosines, sines: sines)
    rotateRows(
      &k, heads: c.keyValueHeadCount, tableRows: Array(0..<n), cosines: cosines, sines: sines)
    let d = c.headDimension
    let group = c.headCount / c.keyValueHeadCount
    let scale = 1 / Double(d).squareRoot()
    var scores = [Float](repeating: 0, count: c.headCount * n * n)
    for head in 0..<c.headCount {
      let kvHead = head / group
      for i in 0..<n {
        let query = i * c.queryLength + head * d
        for j in 0..<n {
          let key = j * c.keyValueLength + kvHead * d
          var sum = 0.0
          for t in 0..<d { sum += Double(q[query + t]) * Double(k[key + t]) }
          scores[(head * n + i) * n + j] = Float(sum * scale)
        }
      }
    }
    return scores
  }

  /// The token embeddings of `tokens`, `tokens.count × E` (rows of the embedding matrix).
  public func embeddings(_ tokens: [Int32]) -> [Float] {
    tokens.flatMap { embedding.row(Int($0)) }
  }
}
