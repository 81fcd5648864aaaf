#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Distances between next-token distributions, in Double from Float logits.
enum LogitStatistics {
  /// `log softmax(row)`.
  static func logSoftmax(_ row: [Float]) -> [Double] {
    let maximum = Double(row.max() ?? 0)
    var sum = 0.0
    for value in row { sum += exp(Double(value) - maximum) }
    let logSum = maximum + log(sum)
    return row.map { Double($0) - logSum }
  }

  /// `KL(P ‖ Q) = Σ p (log p − log q)` for the distributions of logits `p` and `q`, in nats.
  static func klDivergence(_ p: [Float], _ q: [Float]) -> Double {
    let a = logSoftmax(p)
    let b = logSoftmax(q)
    var total = 0.0
    for i in a.indices where a[i] > -80 { total += exp(a[i]) * (a[i] - b[i]) }
    return max(0, total)
  }

  /// `−log softmax(row)[target]`, in nats.
  static func negativeLogLikelihood(_ row: [Float], target: Int) -> Double {
    -logSoftmax(row)[target]
  }

  /// The arg-max of a row.
  static func top(_ row: [Float]) -> Int {
    row.indices.max { row[$0] < row[$1] } ?? -1
  }

  /// The largest `|a − b|` over two sets of rows, with where it is, and the largest `|a|`.
  static func gap(_ a: [[Float]], _ b: [[Float]]) -> (maximum: Double, row: Int, scale: Double) {
    var maximum = 0.0
    var row = 0
    var scale = 0.0
    for (index, (x, y)) in zip(a, b).enumerated() {
      for (u, v) in zip(x, y) {
        let delta = Double((u - v).magnitude)
        if !(delta <= maximum) {
          maximum = delta
          row = index
        }
        scale = max(scale, Double(v.magnitude))
      }
    }
    return (maximum, row, scale)
  }
}
