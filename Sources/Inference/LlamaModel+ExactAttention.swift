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
/// loaded once for all four pairs, ``attentionTileGroup`` tiles read the keys and values block
/// by block together (``AttentionTile/attend(_:keys:values:stride:dimension:)``), and the groups
/// go to the threads longest first.
extension LlamaModel {
  /// (query, head) pairs per tile.
  static let attentionTile = 4

  /// Tiles that share each block of keys and values: 32 pairs, whose scores at 32k keys
  /// (4 MB) stay in the L3 cache.
  static let attentionTileGroup = 8

  /// `softmax(q·Kᵀ/√d + causal mask)·V` in `.exact` numerics; `headDimension` must be a
  /// multiple of 4.
  static func exactAttention(
    q: [Float], k: [Float], v: [Float], queryRows: [Int], configuration c: LlamaConfiguration
  ) -> [Float] {
    let d = c.headDimension
    precondition(d.isMultiple(of: 4), "exactAttention needs a head dimension divisible by 4")
    let headsPerKVHead = c.headCount / c.keyValueHeadCount
    let kvHeads = c.keyValueHeadCount
    let pairsPerKVHead = queryRows.count * headsPerKVHead
    let tilesPerKVHead = (pairsPerKVHead + attentionTile - 1) / attentionTile
    let groupsPerKVHead = (tilesPerKVHead + attentionTileGroup - 1) / attentionTileGroup
    var output = [Float](repeating: 0, count: queryRows.count * c.queryLength)
    q.withUnsafeBufferPointer { qBuffer in
      k.withUnsafeBufferPointer { kBuffer in
        v.withUnsafeBufferPointer { vBuffer in
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
                let firstTile = group * attentionTileGroup
                let tiles = (firstTile..<min(tilesPerKVHead, firstTile + attentionTileGroup)).map {
                  tile in
                  let first = tile * attentionTile
                  let count = min(attentionTile, pairsPerKVHead - first)
                  var pairs = AttentionTile(count: count)
                  for p in 0..<count {
                    let pair = first + p
                    let i = pair / headsPerKVHead
                    let head = kvHead * headsPerKVHead + pair % headsPerKVHead
                    pairs.queries[p] = qs + i * c.queryLength + head * d
                    pairs.outputs[p] = os + i * c.queryLength + head * d
                    pairs.keyCounts[p] = rows[i] + 1
                  }
                  return pairs
                }
                AttentionTile.attend(
                  tiles, keys: ks + kvHead * d, values: vs + kvHead * d, stride: c.keyValueLength,
                  dimension: d)
              }
            }
          }
        }
      }
    }
    return output
  }
}
