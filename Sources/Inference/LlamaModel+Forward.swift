import Dispatch
import Tensors

extension LlamaModel {
  /// The final hidden states (after the output norm) at `outputs`, `outputs.count × E`: the
  /// unbatched reference that `BatchedForwardTests` compares
  /// ``batchedForward(tokens:outputs:cache:keepingLayers:batchRows:products:)`` with, bit for
  /// bit.
  ///
  /// The same block, with every step over the whole sequence at once (one batch) and every
  /// product one output chain after another (``Products/rowByRow``).
  func forward(tokens: [Int32], startPosition: Int, outputs: [Int]) -> [Float] {
    var transient = KeyValueCache(for: self, startPosition: startPosition)
    return batchedForward(
      tokens: tokens, outputs: outputs, cache: &transient, keepingLayers: false,
      batchRows: Swift.max(1, tokens.count), products: .rowByRow)
  }

  /// `softmax(q·Kᵀ·scoreScale + causal mask)·V` for every query row and head; `scoreScale` is
  /// `1/√d` unless the queries were scaled already (``BlockRecipe/AttentionScaling/queries``,
  /// llama.cpp numerics only).
  ///
  /// With `roundProbabilities` (``NumericMode/llamaCpp``), `K·q` and `V·p` are summed as
  /// llama.cpp does: tinyBLAS order, or ggml's `vec_dot_f16` order when the batch holds one
  /// token (`singleTokenBatch`), where tinyBLAS declines.
  ///
  /// `.exact` numerics (`roundProbabilities` false) go to the tiled ``exactAttention(q:k:v:queryRows:configuration:)``
  /// unless `tiled` is false (the reference loop, one (query, head) at a time: the kernels'
  /// `attendOne`, which the tiles equal bit for bit).
  static func causalAttention(
    q: [Float], k: [Float], v: [Float], queryRows: [Int], configuration c: LlamaConfiguration,
    roundProbabilities: Bool, singleTokenBatch: Bool = false, tiled: Bool = true,
    scoreScale: Float? = nil
  ) -> [Float] {
    if tiled, !roundProbabilities, scoreScale == nil, c.headDimension.isMultiple(of: 4) {
      return exactAttention(q: q, k: k, v: v, queryRows: queryRows, configuration: c)
    }
    let d = c.headDimension
    let kvStride = c.keyValueLength
    let scale = scoreScale ?? 1 / CMath.squareRoot(Float(d))
    let maxKeys = (queryRows.max() ?? 0) + 1
    let kernels = KernelLevel.selected.kernels
    let lanes = LlamaCppBuild.selected.lanes
    return perQueryHead(
      q: q, k: k, v: v, queryCount: queryRows.count, configuration: c, scratch: maxKeys
    ) { i, _, query, kb, vb, out, scores in
      kernels.attendOne(
        query: query, keys: kb, values: vb, stride: kvStride, keyCount: queryRows[i] + 1,
        dimension: d, scale: scale, roundProbabilities: roundProbabilities,
        singleTokenBatch: singleTokenBatch, lanes: lanes, scores: scores, into: out)
    }
  }

  static func gather(_ x: [Float], rows: [Int], width: Int) -> [Float] {
    var result = [Float]()
    result.reserveCapacity(rows.count * width)
    for row in rows { result += x[(row * width)..<((row + 1) * width)] }
    return result
  }

  @inline(__always)
  static func roundedToHalf(_ x: Float) -> Float {
    HalfFloat.float(fromHalf: HalfFloat.half(from: x))
  }
}
