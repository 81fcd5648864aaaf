/// The decoder block, written once and driven by ``LlamaConfiguration/recipe`` and the optional
/// tensors a layer carries; every pass (the whole sequence, the KV cache, the unbatched
/// reference) runs it over batches of rows (`LlamaModel+Batches.swift`).
extension LlamaModel {
  /// How a pass multiplies activations by weights; the values are the same either way.
  enum Products: Sendable {
    /// ``WeightMatrix/product(_:count:mode:into:)``: tiles of several outputs at once.
    case tiled
    /// ``WeightMatrix/multiply(_:count:mode:)``: one output chain after another, the
    /// reference the tiles are checked against.
    case rowByRow
  }

  /// One layer over the rows `batch` of `x`.
  ///
  /// Their keys and values are appended to `store`, and the rows `queries` (a subset of
  /// `batch`, ascending) attend and are replaced by the layer's output. `callTokens`: the
  /// tokens of the whole call; one token is where llama.cpp's attention products take
  /// `ggml_vec_dot_f16`'s order (tinyBLAS declines), and its micro-batches of 512 decide the
  /// flash-attention path.
  func layerStep(
    _ layer: Layer, x: inout [Float], batch: Range<Int>, queries: [Int],
    store: inout LayerKeyValues, cosines: [Float], sines: [Float], callTokens: Int,
    products: Products
  ) {
    let c = configuration
    let e = c.embeddingLength
    let rows = batch.count
    let llamaCpp = numericMode == .llamaCpp
    var h = Array(x[(batch.lowerBound * e)..<(batch.upperBound * e)])
    normalize(&h, weight: layer.attentionNorm, bias: layer.attentionNormBias)
    var k = product(layer.key, h, count: rows, products)
    var v = product(layer.value, h, count: rows, products)
    if let bias = layer.keyBias { Kernels.addBias(&k, bias) }
    if let bias = layer.valueBias { Kernels.addBias(&v, bias) }
    if let norm = layer.keyNorm { Kernels.rmsNorm(&k, weight: norm, epsilon: c.rmsNormEpsilon) }
    rotateRows(
      &k, heads: c.keyValueHeadCount, tableRows: Array(batch), cosines: cosines, sines: sines)
    if llamaCpp {
      k = k.map(Self.roundedToHalf)
      v = v.map(Self.roundedToHalf)
    }
    store.keys += k
    store.values += v
    guard !queries.isEmpty else { return }
    let all = queries.count == rows
    let queryInput = all ? h : Self.gather(h, rows: queries.map { $0 - batch.lowerBound }, width: e)
    // llama.cpp projects every token of the micro-batch and picks the output rows later.
    var q = product(layer.query, queryInput, count: queries.count, products, alone: rows == 1)
    if let bias = layer.queryBias { Kernels.addBias(&q, bias) }
    if let norm = layer.queryNorm { Kernels.rmsNorm(&q, weight: norm, epsilon: c.rmsNormEpsilon) }
    rotateRows(&q, heads: c.headCount, tableRows: queries, cosines: cosines, sines: sines)
    let queriesScaled = llamaCpp && c.recipe.attentionScaling == .queries
    if queriesScaled {
      // phi3's graph: ggml_scale(Qcur, 1/√d) in F32, then kq_scale 1.
      let scale = 1 / CMath.squareRoot(Float(c.headDimension))
      for i in q.indices { q[i] *= scale }
    }
    let attention = AttentionTime.measure {
      attend(
        q: q, keys: store.keys, values: store.values, queryRows: queries.map { store.past + $0 },
        callStart: store.past, callTokens: callTokens, singleTokenBatch: rows == 1,
        queriesScaled: queriesScaled)
    }
    var o = product(layer.attentionOutput, attention, count: queries.count, products)
    if let bias = layer.attentionOutputBias { Kernels.addBias(&o, bias) }
    var residual = Self.gather(x, rows: queries, width: e)
    switch c.recipe.residual {
    case .sequential:
      for i in residual.indices { residual[i] += o[i] }
      var f = residual
      normalize(&f, weight: layer.feedForwardNorm, bias: layer.feedForwardNormBias)
      let ffn = feedForward(layer, f, count: queries.count, products)
      for i in residual.indices { residual[i] += ffn[i] }
    case .parallel:
      var f = residual
      normalize(&f, weight: layer.feedForwardNorm, bias: layer.feedForwardNormBias)
      let ffn = feedForward(layer, f, count: queries.count, products)
      if llamaCpp {
        // llama.cpp's gptneox graph: ggml_add(ggml_add(ffn_out, inpL), attn_out).
        for i in residual.indices { residual[i] = (ffn[i] + residual[i]) + o[i] }
      } else {
        // transformers' GPTNeoXLayer: mlp_output + attn_output + hidden_states.
        for i in residual.indices { residual[i] = (ffn[i] + o[i]) + residual[i] }
      }
    }
    x.withUnsafeMutableBufferPointer { buffer in
      for (i, row) in queries.enumerated() {
        for j in 0..<e { buffer[row * e + j] = residual[i * e + j] }
      }
    }
  }

  /// The attention of the rotated queries `q` at `queryRows` (absolute rows of `keys` and
  /// `values`) in this model's numerics and path: llama.cpp's flash-attention kernel, its
  /// order without it, or the exact tiles. `singleTokenBatch`: the batch holds one row;
  /// `queriesScaled`: `q` already carries `1/√d`.
  func attend(
    q: [Float], keys: [Float], values: [Float], queryRows: [Int], callStart: Int,
    callTokens: Int, singleTokenBatch: Bool, queriesScaled: Bool
  ) -> [Float] {
    let c = configuration
    let llamaCpp = numericMode == .llamaCpp
    if llamaCpp && flashAttention {
      return Self.flashAttention(
        q: q, k: keys, v: values, queryRows: queryRows, callStart: callStart,
        callTokens: callTokens, configuration: c, scoreScale: queriesScaled ? 1 : nil,
        threads: flashAttentionThreads ?? Parallelism.threadCount)
    }
    return Self.causalAttention(
      q: llamaCpp ? q.map(Self.roundedToHalf) : q, k: keys, v: values, queryRows: queryRows,
      configuration: c, roundProbabilities: llamaCpp, singleTokenBatch: singleTokenBatch,
      scoreScale: queriesScaled ? 1 : nil)
  }

  /// The recipe's norm times `weight`, plus `bias` when the tensors carry one, over every row
  /// of `x` (ggml's `build_norm` adds a bias after either kind).
  func normalize(_ x: inout [Float], weight: [Float], bias: [Float]?) {
    let epsilon = configuration.rmsNormEpsilon
    switch configuration.recipe.normalization {
    case .rms:
      Kernels.rmsNorm(&x, weight: weight, epsilon: epsilon)
      if let bias { Kernels.addBias(&x, bias) }
    case .layer:
      if numericMode == .llamaCpp {
        Kernels.layerNormGGML(&x, weight: weight, bias: bias, epsilon: epsilon)
      } else {
        Kernels.layerNorm(&x, weight: weight, bias: bias, epsilon: epsilon)
      }
    }
  }

  /// The feed-forward network of `count` normalized rows `f`, biases included.
  ///
  /// SwiGLU: `down(silu(gate·f)·(up·f))`; GELU: `down(gelu(up·f + b_up)) + b_down`, with
  /// ggml's table GELU in ``NumericMode/llamaCpp`` (its graph calls `ggml_gelu` for either
  /// form).
  func feedForward(_ layer: Layer, _ f: [Float], count: Int, _ products: Products) -> [Float] {
    var up = product(layer.up, f, count: count, products)
    if let bias = layer.upBias { Kernels.addBias(&up, bias) }
    let llamaCpp = numericMode == .llamaCpp
    switch configuration.recipe.feedForward {
    case .swiGLU:
      guard let gateMatrix = layer.gate else { preconditionFailure("checked by init") }
      var gate = product(gateMatrix, f, count: count, products)
      if llamaCpp {
        Kernels.swiGLUGGML(gate: &gate, up: up)
      } else {
        Kernels.swiGLU(gate: &gate, up: up)
      }
      up = gate
    case .gelu(let form):
      switch (llamaCpp, form) {
      case (true, _): for i in up.indices { up[i] = Kernels.geluGGML(up[i]) }
      case (false, .erf): for i in up.indices { up[i] = Kernels.geluErf(up[i]) }
      case (false, .tanh): for i in up.indices { up[i] = Kernels.geluTanh(up[i]) }
      }
    }
    var down = product(layer.down, up, count: count, products)
    if let bias = layer.downBias { Kernels.addBias(&down, bias) }
    return down
  }

  /// Logits of `count` final hidden states: the output projection plus its bias, if any.
  ///
  /// `alone` (default: `count == 1`) says the one row is the only output of its llama.cpp
  /// micro-batch (``WeightMatrix/usesVectorDot(alone:mode:)``).
  func outputLogits(_ hidden: [Float], count: Int, alone: Bool? = nil) -> [Float] {
    var logits = product(output, hidden, count: count, .tiled, alone: alone)
    if let bias = outputBias { Kernels.addBias(&logits, bias) }
    return logits
  }
}
