import Inference
import Models

/// The rows of a stored tensor in one format, as the description arranges them: for each
/// stored row, its row in the canonical order (roles stacked whole, transformers' rotary
/// halves within a head).
struct RowArrangement {
  let arrangement: StoredTensor.Arrangement
  /// Rows per role, in stored order.
  let roleRows: [Int]
  /// Heads per role (KV heads for keys).
  let roleHeads: [Int]

  /// For each stored row, its canonical row; `nil` when they are the same.
  func canonicalRows() -> [Int]? {
    let total = roleRows.reduce(0, +)
    switch arrangement {
    case .stacked:
      return nil
    case .ropePermuted:
      var rows: [Int] = []
      rows.reserveCapacity(total)
      var start = 0
      for (count, heads) in zip(roleRows, roleHeads) {
        rows += QueryKeyPermutation.sourceRows(rows: count, heads: heads).map { start + $0 }
        start += count
      }
      return rows
    case .perHead:
      // [head][role][d]: every role has the same heads of `d` rows.
      let heads = roleHeads.first ?? 1
      let parts = roleRows.count
      guard heads > 0, parts > 0, total % (heads * parts) == 0 else { return nil }
      let d = total / (heads * parts)
      var rows = [Int](repeating: 0, count: total)
      for h in 0..<heads {
        for r in 0..<parts {
          for i in 0..<d { rows[h * parts * d + r * d + i] = r * heads * d + h * d + i }
        }
      }
      return rows
    }
  }

  /// For each row of `output`, the row of `input` holding the same canonical row; `nil` when
  /// the rows are already in order.
  static func sourceRows(output: RowArrangement, input: RowArrangement) -> [Int]? {
    let outputRows = output.canonicalRows()
    let inputRows = input.canonicalRows()
    if outputRows == nil && inputRows == nil { return nil }
    let total = output.roleRows.reduce(0, +)
    var inputOf = Array(0..<total)
    if let inputRows {
      for (stored, canonical) in inputRows.enumerated() { inputOf[canonical] = stored }
    }
    let rows = (0..<total).map { inputOf[outputRows?[$0] ?? $0] }
    return rows == Array(0..<total) ? nil : rows
  }
}
