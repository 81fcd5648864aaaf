import Dispatch
import Tensors

extension LlamaModel {
  /// The final hidden states (after the output norm) at `outputs`, `outputs.count × E`, every
  /// step over the whole sequence at once: the unbatched reference that `BatchedForwardTests`
  /// compares ``batchedForward(tokens:outputs:cache:keepingLayers:)`` with, bit for bit.
  func forward(tokens: [Int32], startPosition: Int, outputs: [Int]) -> [Float] {
    let c = configuration
    let e = c.embeddingLength
    let n = tokens.count
    var x = [Float]()
    x.reserveCapacity(n * e)
    for token in tokens { x += embedding.row(Int(token)) }
    let (cosines, sines) = rotary.rotations(
      positions: startPosition..<(startPosition + n))
    var rows = Array(0..<n)
    for (index, layer) in layers.enumerated() {
      let queryRows = index == layers.count - 1 ? outputs : rows
      var h = x
      Kernels.rmsNorm(&h, weight: layer.attentionNorm, epsilon: c.rmsNormEpsilon)
      let attention = attend(
        layer: layer, normalized: h, count: n, queryRows: queryRows, cosines: cosines,
        sines: sines)
      var o = layer.attentionOutput.multiply(attention, count: queryRows.count, mode: numericMode)
      if let bias = layer.attentionOutputBias { Kernels.addBias(&o, bias) }
      var residual = queryRows == rows ? x : Self.gather(x, rows: queryRows, width: e)
      for i in residual.indices { residual[i] += o[i] }
      var f = residual
      Kernels.rmsNorm(&f, weight: layer.feedForwardNorm, epsilon: c.rmsNormEpsilon)
      var gate = layer.gate.multiply(f, count: queryRows.count, mode: numericMode)
      let up = layer.up.multiply(f, count: queryRows.count, mode: numericMode)
      if numericMode == .llamaCpp {
        Kernels.swiGLUGGML(gate: &gate, up: up)
      } else {
        Kernels.swiGLU(gate: &gate, up: up)
      }
      let down = layer.down.multiply(gate, count: queryRows.count, mode: numericMode)
      for i in residual.indices { residual[i] += down[i] }
      x = residual
      rows = queryRows
    }
    Kernels.rmsNorm(&x, weight: outputNorm, epsilon: c.rmsNormEpsilon)
    return x
  }

  /// Self-attention of one layer, `queryRows.count × queryLength` values.
  ///
  /// Projections, per-head norms, rotation, causal softmax attention with grouped KV heads.
  func attend(
    layer: Layer, normalized h: [Float], count n: Int, queryRows: [Int], cosines: [Float],
    sines: [Float]
  ) -> [Float] {
    let c = configuration
    let d = c.headDimension
    let pairs = rotary.pairCount
    let llamaCpp = numericMode == .llamaCpp
    let queryInput =
      queryRows.count == n && queryRows == Array(0..<n)
      ? h : Self.gather(h, rows: queryRows, width: c.embeddingLength)
    var q = layer.query.multiply(queryInput, count: queryRows.count, mode: numericMode)
    var k = layer.key.multiply(h, count: n, mode: numericMode)
    var v = layer.value.multiply(h, count: n, mode: numericMode)
    if let bias = layer.queryBias { Kernels.addBias(&q, bias) }
    if let bias = layer.keyBias { Kernels.addBias(&k, bias) }
    if let bias = layer.valueBias { Kernels.addBias(&v, bias) }
    if let norm = layer.queryNorm { Kernels.rmsNorm(&q, weight: norm, epsilon: c.rmsNormEpsilon) }
    if let norm = layer.keyNorm { Kernels.rmsNorm(&k, weight: norm, epsilon: c.rmsNormEpsilon) }
    cosines.withUnsafeBufferPointer { cosBuffer in
      sines.withUnsafeBufferPointer { sinBuffer in
        guard let cosBase = cosBuffer.baseAddress, let sinBase = sinBuffer.baseAddress else {
          return
        }
        q.withUnsafeMutableBufferPointer { buffer in
          guard let base = buffer.baseAddress else { return }
          for (i, row) in queryRows.enumerated() {
            rotary.rotate(
              base + i * c.queryLength, heads: c.headCount, headDimension: d,
              cos: cosBase + row * pairs, sin: sinBase + row * pairs)
          }
        }
        k.withUnsafeMutableBufferPointer { buffer in
          guard let base = buffer.baseAddress else { return }
          for row in 0..<n {
            rotary.rotate(
              base + row * c.keyValueLength, heads: c.keyValueHeadCount, headDimension: d,
              cos: cosBase + row * pairs, sin: sinBase + row * pairs)
          }
        }
      }
    }
    if llamaCpp {
      // The F16 KV cache, and the F16 conversion of q for the F16 K·q product.
      q = q.map(Self.roundedToHalf)
      k = k.map(Self.roundedToHalf)
      v = v.map(Self.roundedToHalf)
    }
    return Self.causalAttention(
      q: q, k: k, v: v, queryRows: queryRows, configuration: c, roundProbabilities: llamaCpp,
      singleTokenBatch: n == 1)
  }

  /// `softmax(q·Kᵀ/√d + causal mask)·V` for every query row and head.
  ///
  /// With `roundProbabilities` (``NumericMode/llamaCpp``), `K·q` and `V·p` are summed as
  /// llama.cpp does: tinyBLAS order, or ggml's `vec_dot_f16` order when the batch holds one
  /// token (`singleTokenBatch`), where tinyBLAS declines.
  ///
  /// `.exact` numerics (`roundProbabilities` false) go to the tiled ``exactAttention(q:k:v:queryRows:configuration:)``
  /// unless `tiled` is false (the reference loop below, which it equals bit for bit).
  static func causalAttention(
    q: [Float], k: [Float], v: [Float], queryRows: [Int], configuration c: LlamaConfiguration,
    roundProbabilities: Bool, singleTokenBatch: Bool = false, tiled: Bool = true
  ) -> [Float] {
    if tiled, !roundProbabilities, c.headDimension.isMultiple(of: 4) {
      return exactAttention(q: q, k: k, v: v, queryRows: queryRows, configuration: c)
    }
    let d = c.headDimension
    let heads = c.headCount
    let group = c.headCount / c.keyValueHeadCount
    let kvStride = c.keyValueLength
    let scale = 1 / CMath.squareRoot(Float(d))
    var output = [Float](repeating: 0, count: queryRows.count * c.queryLength)
    let maxKeys = (queryRows.max() ?? 0) + 1
    q.withUnsafeBufferPointer { qBuffer in
      k.withUnsafeBufferPointer { kBuffer in
        v.withUnsafeBufferPointer { vBuffer in
          output.withUnsafeMutableBufferPointer { outBuffer in
            guard let qb = qBuffer.baseAddress, let kb = kBuffer.baseAddress,
              let vb = vBuffer.baseAddress, let ob = outBuffer.baseAddress
            else { return }
            nonisolated(unsafe) let qs = qb
            nonisolated(unsafe) let ks = kb
            nonisolated(unsafe) let vs = vb
            nonisolated(unsafe) let os = ob
            let items = queryRows.count * heads
            let chunks = max(1, min(items, WeightMatrix.workerCount * 4))
            Parallelism.perform(iterations: chunks) { chunk in
              let scores = UnsafeMutablePointer<Float>.allocate(capacity: maxKeys)
              defer { scores.deallocate() }
              for item in (items * chunk / chunks)..<(items * (chunk + 1) / chunks) {
                let i = item / heads
                let head = item % heads
                let kvHead = head / group
                let query = qs + i * c.queryLength + head * d
                let keys = queryRows[i] + 1
                for j in 0..<keys {
                  let key = ks + j * kvStride + kvHead * d
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
                } else {
                  Kernels.softmax(scores, count: keys)
                }
                if roundProbabilities {
                  for j in 0..<keys { scores[j] = roundedToHalf(scores[j]) }
                }
                let out = os + i * c.queryLength + head * d
                if roundProbabilities && singleTokenBatch {
                  Kernels.accumulateValuesGGMLVector(
                    values: vs + kvHead * d, stride: kvStride, probabilities: scores, keys: keys,
                    dimension: d, into: out)
                } else if roundProbabilities {
                  // tinyBLAS over the transposed F16 V cache: lane j mod 16 per key.
                  Kernels.accumulateValuesGGML(
                    values: vs + kvHead * d, stride: kvStride, probabilities: scores, keys: keys,
                    dimension: d, into: out)
                } else {
                  for j in 0..<keys {
                    let p = scores[j]
                    let value = vs + j * kvStride + kvHead * d
                    for t in 0..<d { out[t] += p * value[t] }
                  }
                }
              }
            }
          }
        }
      }
    }
    return output
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
