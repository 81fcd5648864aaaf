internal import KernelInterface

extension LlamaModel {
  /// llama.cpp's micro-batch (`n_ubatch`, 512 by default): its flash-attention path is chosen
  /// per micro-batch.
  static let llamaCppMicroBatch = 512

  /// The path ggml takes for a micro-batch of `tokens` queries with `keysInView` keys.
  enum FlashAttentionPath: Hashable {
    case oneChunk, tiled, splitKeys
  }

  /// ggml's choice of path (`ops.cpp` 9441–9574).
  static func flashAttentionPath(tokens: Int, keysInView: Int) -> FlashAttentionPath {
    if tokens == 1 && keysInView >= 512 { return .splitKeys }
    return tokens >= KernelLevel.selected.kernels.flashAttentionTile ? .tiled : .oneChunk
  }

  /// llama.cpp's `n_kv` for `used` cells: a multiple of 256, at least 256.
  static func keysInView(used: Int) -> Int { max(256, (used + 255) / 256 * 256) }

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
    let kernels = KernelLevel.selected.kernels
    let lanes = LlamaCppBuild.selected.lanes
    func route(_ row: Int) -> (FlashAttentionPath, keysInView: Int) {
      let microStart = (row - callStart) / llamaCppMicroBatch * llamaCppMicroBatch
      let tokens = min(llamaCppMicroBatch, callTokens - microStart)
      let keysInView = Self.keysInView(used: callStart + microStart + tokens)
      return (Self.flashAttentionPath(tokens: tokens, keysInView: keysInView), keysInView)
    }
    // The tiled path reads the keys 16 to a vector: each KV head's keys transposed once here.
    let rows = k.count / stride
    let perHead = TransposedKeys.count(rows: rows, dimension: d)
    var transposed = [Float]()
    if queryRows.contains(where: { route($0).0 == .tiled }) {
      transposed = [Float](repeating: 0, count: perHead * c.keyValueHeadCount)
      k.withUnsafeBufferPointer { keys in
        transposed.withUnsafeMutableBufferPointer { target in
          guard let keys = keys.baseAddress, let target = target.baseAddress else { return }
          for head in 0..<c.keyValueHeadCount {
            TransposedKeys.transpose(
              keys: keys + head * d, stride: stride, rows: rows, dimension: d,
              into: target + head * perHead)
          }
        }
      }
    }
    let group = c.headCount / c.keyValueHeadCount
    return transposed.withUnsafeBufferPointer { transposedBuffer in
      nonisolated(unsafe) let transposedKeys = transposedBuffer.baseAddress
      return perQueryHead(q: q, k: k, v: v, queryCount: queryRows.count, configuration: c) {
        i, head, query, keys, values, out, _ in
        let row = queryRows[i]
        let (path, keysInView) = route(row)
        switch path {
        case .oneChunk:
          kernels.flashAttentionOneChunk(
            query: query, keys: keys, values: values, stride: stride, count: row + 1,
            dimension: d, scale: scale, lanes: lanes, into: out)
        case .tiled:
          guard let transposedKeys else { return }
          kernels.flashAttentionTiled(
            query: query, transposedKeys: transposedKeys + head / group * perHead,
            values: values, stride: stride, count: row + 1, keysInView: keysInView, dimension: d,
            scale: scale, lanes: lanes, into: out)
        case .splitKeys:
          kernels.flashAttentionSplit(
            query: query, keys: keys, values: values, stride: stride, count: row + 1,
            keysInView: keysInView, threads: threads, dimension: d, scale: scale, lanes: lanes,
            into: out)
        }
      }
    }
  }
}
