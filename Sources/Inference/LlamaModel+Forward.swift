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
  /// unless `tiled` is false (the reference loop below, which it equals bit for bit).
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
    return perQueryHead(
      q: q, k: k, v: v, queryCount: queryRows.count, configuration: c, scratch: maxKeys
    ) { i, _, query, kb, vb, out, scores in
      let keys = queryRows[i] + 1
      for j in 0..<keys {
        let key = kb + j * kvStride
        let product =
          !roundProbabilities
          ? Kernels.dot(query, key, count: d)
          : singleTokenBatch
            ? Kernels.dotGGMLVector(query, key, count: d)
            : Kernels.dotF16Lanes(query, key, count: d)
        scores[j] = product * scale
      }
      if roundProbabilities {
        Kernels.softmaxGGML(scores, count: keys)
        for j in 0..<keys { scores[j] = roundedToHalf(scores[j]) }
      } else {
        Kernels.softmax(scores, count: keys)
      }
      if roundProbabilities && singleTokenBatch {
        Kernels.accumulateValuesGGMLVector(
          values: vb, stride: kvStride, probabilities: scores, keys: keys, dimension: d,
          into: out)
      } else if roundProbabilities {
        // tinyBLAS over the transposed F16 V cache: lane j mod 16 per key.
        Kernels.accumulateValuesGGML(
          values: vb, stride: kvStride, probabilities: scores, keys: keys, dimension: d,
          into: out)
      } else {
        for j in 0..<keys {
          let p = scores[j]
          let value = vb + j * kvStride
          for t in 0..<d { out[t] += p * value[t] }
        }
      }
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
