/// Which rows llama.cpp multiplies alone when a pass is cut into batches of `batchRows`: a
/// one-row batch, or the only output row of a batch (the last layer's `wo`, FFN and output
/// matrix). Alone, F32/F16 rows are summed in `ggml_vec_dot`'s order instead of tinyBLAS's,
/// so two batchings of the same pass give the same bits in llama.cpp numerics only when their
/// patterns agree.
struct LoneRows: Equatable {
  /// Output rows that are their batch's only output.
  var outputs: Set<Int>
  /// Whether some batch has one row.
  var singleRowBatch: Bool

  init(tokens: Int, batchRows: Int, outputs: [Int]) {
    let wanted = Set(outputs)
    var lone = Set<Int>()
    var single = false
    for start in stride(from: 0, to: tokens, by: batchRows) {
      let batch = start..<min(tokens, start + batchRows)
      single = single || batch.count == 1
      let inBatch = wanted.filter(batch.contains)
      if inBatch.count == 1 { lone.formUnion(inBatch) }
    }
    self.outputs = lone
    singleRowBatch = single
  }
}

/// The largest `|a − b|` relative to the largest `|b|` (at least 1).
func relativeGap(_ a: [Float], _ b: [Float]) -> Float {
  let scale = max(1, b.map(\.magnitude).max() ?? 0)
  return (zip(a, b).map { ($0 - $1).magnitude }.max() ?? .infinity) / scale
}
