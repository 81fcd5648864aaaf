import Formats

/// A recorded reference from `fixtures/architectures/record.sh`: the token ids, full logit rows
/// at some indices, and the greedy continuation when the recording has one.
public struct RecordedLogits: Sendable {
  public var tokens: [Int32]
  public var indices: [Int]
  public var rows: [[Float]]
  public var greedy: [Int32]

  /// Reads `fixtures/architectures/logits/<relative>.json`; numbers are parsed from their text
  /// (`%.9g`, exact to the Float).
  public init(architectures relative: String) throws {
    let path = Repository.fixture("architectures/logits/\(relative).json")
    let root = try Repository.recordedJSON("architectures/logits/\(relative).json")
    func integers(_ value: JSONValue?) -> [Int] {
      (value?.array ?? []).compactMap { $0.number?.int }
    }
    tokens = integers(root["tokens"]).map(Int32.init)
    greedy = integers(root["greedy"]).map(Int32.init)
    var indices: [Int] = []
    var rows: [[Float]] = []
    for output in root["outputs"]?.array ?? [] {
      guard let index = output["index"]?.number?.int else { throw FixtureError(path: path) }
      var row: [Float] = []
      for value in output["logits"]?.array ?? [] {
        guard let number = value.number, let float = Float(number.text) else {
          throw FixtureError(path: path)
        }
        row.append(float)
      }
      indices.append(index)
      rows.append(row)
    }
    self.indices = indices
    self.rows = rows
  }

  /// Largest `|ours − recorded|` over every row, divided by the largest recorded `|logit|`.
  public func relativeGap(_ ours: [[Float]]) -> Float {
    var gap: Float = 0
    var scale: Float = 0
    for (a, b) in zip(ours, rows) {
      for (x, y) in zip(a, b) {
        gap = max(gap, (x - y).magnitude)
        scale = max(scale, y.magnitude)
      }
    }
    return ours.count == rows.count ? gap / max(scale, .leastNormalMagnitude) : .infinity
  }

  public struct FixtureError: Error { public var path: String }
}
