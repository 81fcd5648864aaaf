import Formats
import Foundation
import TestSupport

/// A llama.cpp reference recorded by `fixtures/inference/record.sh`: the token sequence, its
/// start position, and full logit rows at some indices.
struct ReferenceLogits {
  struct Output {
    var index: Int
    var logits: [Float]
  }

  var tokens: [Int32]
  var startPosition: Int
  var outputs: [Output]

  /// Reads `fixtures/inference/<name>.json`; numbers are parsed from their text (`%.9g`, exact).
  init(_ name: String) throws {
    let path = Repository.fixture("inference/\(name).json")
    let root = try Repository.recordedJSON("inference/\(name).json")
    func integer(_ value: JSONValue?) throws -> Int {
      guard let number = value?.number?.int else { throw FixtureError(path: path) }
      return number
    }
    tokens = try (root["tokens"]?.array ?? []).map { Int32(try integer($0)) }
    startPosition = try integer(root["start_position"])
    outputs = try (root["outputs"]?.array ?? []).map { output in
      let logits = try (output["logits"]?.array ?? []).map { value in
        guard let text = value.number?.text, let float = Float(text) else {
          throw FixtureError(path: path)
        }
        return float
      }
      return Output(index: try integer(output["index"]), logits: logits)
    }
  }

  struct FixtureError: Error { var path: String }
}

/// How far apart two sets of logit rows are.
struct LogitGap: CustomStringConvertible {
  /// Largest `|a − b|` over every row and token.
  var maximum: Float = 0
  /// Rows whose arg-max differs.
  var topOneMismatches: [Int] = []
  /// Rows whose arg-max differs although the reference's two best logits are further apart
  /// than `tolerance` (a real disagreement, not a near tie).
  var clearTopOneMismatches: [Int] = []

  /// Rows (by index) whose largest `|Δ|` exceeds 1e-6.
  var inexactRows: [Int] = []

  init(_ ours: [[Float]], _ reference: [[Float]], indices: [Int], tolerance: Float) {
    for (row, (a, b)) in zip(ours, reference).enumerated() {
      let rowMaximum = zip(a, b).map { ($0 - $1).magnitude }.max() ?? 0
      maximum = max(maximum, rowMaximum)
      if rowMaximum > 1e-6 { inexactRows.append(indices[row]) }
      let mine = a.indices.max { a[$0] < a[$1] } ?? -1
      let theirs = b.indices.max { b[$0] < b[$1] } ?? -1
      if mine != theirs {
        topOneMismatches.append(indices[row])
        let sorted = b.sorted(by: >)
        if sorted.count > 1, sorted[0] - sorted[1] > tolerance {
          clearTopOneMismatches.append(indices[row])
        }
      }
    }
  }

  var description: String {
    "max |Δ| \(maximum), inexact rows \(inexactRows), top-1 mismatches at \(topOneMismatches)"
  }
}
