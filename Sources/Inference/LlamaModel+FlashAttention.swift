extension LlamaModel {
  /// llama.cpp's micro-batch (`n_ubatch`, 512 by default): its flash-attention path is chosen
  /// per micro-batch.
  static let llamaCppMicroBatch = 512

  /// Causal attention as llama.cpp's flash-attention kernel computes it, for queries at
  /// `queryRows` (absolute rows of `k`/`v`) of a call that added `callTokens` rows after
  /// `callStart`.
  ///
  /// Each query's path follows its llama.cpp micro-batch: the call's rows in groups of
  /// ``llamaCppMicroBatch``, with `n_kv` the cells in use after that group rounded up to 256;
  /// the split path divides keys among `threads`, as llama.cpp divides them among its own.
  static func flashAttention(
    q: [Float], k: [Float], v: [Float], queryRows: [Int], callStart: Int, callTokens: Int,
    configuration c: LlamaConfiguration, scoreScale: Float?, threads: Int
  ) -> [Float] {
    let d = c.headDimension
    let stride = c.keyValueLength
    let scale = scoreScale ?? 1 / CMath.squareRoot(Float(d))
    return perQueryHead(q: q, k: k, v: v, queryCount: queryRows.count, configuration: c) {
      i, _, query, keys, values, out, _ in
      let row = queryRows[i]
      let microStart = (row - callStart) / llamaCppMicroBatch * llamaCppMicroBatch
      let tokens = min(llamaCppMicroBatch, callTokens - microStart)
      let keysInView = Kernels.keysInView(used: callStart + microStart + tokens)
      switch Kernels.flashAttentionPath(tokens: tokens, keysInView: keysInView) {
      case .oneChunk:
        Kernels.flashAttentionOneChunk(
          query: query, keys: keys, values: values, stride: stride, count: row + 1,
          dimension: d, scale: scale, into: out)
      case .tiled:
        Kernels.flashAttentionTiled(
          query: query, keys: keys, values: values, stride: stride, count: row + 1,
          keysInView: keysInView, dimension: d, scale: scale, into: out)
      case .splitKeys:
        Kernels.flashAttentionSplit(
          query: query, keys: keys, values: values, stride: stride, count: row + 1,
          keysInView: keysInView, threads: threads, dimension: d, scale: scale, into: out)
      }
    }
  }
}
