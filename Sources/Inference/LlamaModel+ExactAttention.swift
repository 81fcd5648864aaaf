/// The `.exact` attention, tiled: the values of the reference loop in
/// ``LlamaModel/causalAttention(q:k:v:queryRows:configuration:roundProbabilities:singleTokenBatch:tiled:)``
/// bit for bit, computed four (query, head) pairs of one KV head at a time.
///
/// Per pair and key, the score is still ``Kernels/dot(_:_:count:)``'s four partial sums
/// (`s_r = Σ_m q_{4m+r}·k_{4m+r}`, products then sums, never fused) combined as
/// `(s₀ + s₁) + (s₂ + s₃)`, times `1/√d`; the softmax is ``Kernels/softmax(_:count:)``'s; the
/// output is `Σ_j p_j·v_j` summed in key order from zero, products then sums. What changes is
/// only where the numbers sit: the partial sums of four pairs are the 16 lanes of one vector
/// (query `c`'s partial `r` in lane `4c + r`), four keys run side by side, a key's values are
/// loaded once for all four pairs, eight tiles read the keys and values block by block together
/// (the kernels' `attendExact`), and the groups go to the threads longest first.
///
/// The keys and values are read head-major: each call copies the layer's rows (position-major,
/// every KV head side by side) into one contiguous run per KV head, so a group streams only its
/// own head's `n × d` values. The copy is `n × 2·KV` values per call, against
/// `rows × heads × n × 4d` operations of attention.
extension LlamaModel {
  /// `softmax(q·Kᵀ/√d + causal mask)·V` in `.exact` numerics; `headDimension` must be a
  /// multiple of 4.
  static func exactAttention(
    q: [Float], k: [Float], v: [Float], queryRows: [Int], configuration c: LlamaConfiguration
  ) -> [Float] {
    let d = c.headDimension
    precondition(d.isMultiple(of: 4), "exactAttention needs a head dimension divisible by 4")
    let kernels = KernelLevel.selected.kernels
    let headsPerKVHead = c.headCount / c.keyValueHeadCount
    let kvHeads = c.keyValueHeadCount
    let pairsPerKVHead = queryRows.count * headsPerKVHead
    let pairsPerGroup = kernels.attentionPairsPerGroup
    let groupsPerKVHead = (pairsPerKVHead + pairsPerGroup - 1) / pairsPerGroup
    var output = [Float](repeating: 0, count: queryRows.count * c.queryLength)
    let positions = k.count / c.keyValueLength
    let keys = headMajor(k, positions: positions, configuration: c)
    let values = headMajor(v, positions: positions, configuration: c)
    q.withUnsafeBufferPointer { qBuffer in
      keys.withUnsafeBufferPointer { kBuffer in
        values.withUnsafeBufferPointer { vBuffer in
          queryRows.withUnsafeBufferPointer { rowBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
              guard let qb = qBuffer.baseAddress, let kb = kBuffer.baseAddress,
                let vb = vBuffer.baseAddress, let rb = rowBuffer.baseAddress,
                let ob = outBuffer.baseAddress
              else { return }
              nonisolated(unsafe) let qs = qb
              nonisolated(unsafe) let ks = kb
              nonisolated(unsafe) let vs = vb
              nonisolated(unsafe) let rows = rb
              nonisolated(unsafe) let os = ob
              Parallelism.perform(iterations: kvHeads * groupsPerKVHead) { index in
                // Last rows (most keys) first, so the threads finish together.
                let kvHead = index % kvHeads
                let group = groupsPerKVHead - 1 - index / kvHeads
                let first = group * pairsPerGroup
                let count = min(pairsPerGroup, pairsPerKVHead - first)
                var queries = [UnsafePointer<Float>]()
                var outputs = [UnsafeMutablePointer<Float>]()
                var keyCounts = [Int]()
                for pair in first..<(first + count) {
                  let i = pair / headsPerKVHead
                  let head = kvHead * headsPerKVHead + pair % headsPerKVHead
                  queries.append(qs + i * c.queryLength + head * d)
                  outputs.append(os + i * c.queryLength + head * d)
                  keyCounts.append(rows[i] + 1)
                }
                kernels.attendExact(
                  queries: queries, outputs: outputs, keyCounts: keyCounts, pairs: count,
                  keys: ks + kvHead * positions * d, values: vs + kvHead * positions * d,
                  stride: d, dimension: d)
              }
            }
          }
        }
      }
    }
    return output
  }

  /// `rows` (`positions` rows of `KV` values, KV head `h` at `h·d`) as one run of
  /// `positions × d` values per KV head.
  static func headMajor(_ rows: [Float], positions: Int, configuration c: LlamaConfiguration)
    -> [Float]
  {
    let d = c.headDimension
    let width = c.keyValueLength
    guard c.keyValueHeadCount > 1 else { return rows }
    return [Float](unsafeUninitializedCapacity: positions * width) { buffer, initialized in
      rows.withUnsafeBufferPointer { source in
        guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
        for head in 0..<c.keyValueHeadCount {
          let run = to + head * positions * d
          for j in 0..<positions {
            (run + j * d).initialize(from: from + j * width + head * d, count: d)
          }
        }
      }
      initialized = positions * width
    }
  }
}
