import Testing

@testable import Inference

@Suite("Tiled exact attention")
struct ExactAttentionTests {
  struct Shape: Sendable, CustomTestStringConvertible {
    var heads: Int
    var kvHeads: Int
    var dimension: Int
    var keys: Int
    /// Query rows: all `0..<keys`, the last few (the last layer's outputs), or one (generation).
    var queryRows: [Int]
    var testDescription: String {
      "\(heads)/\(kvHeads) heads × \(dimension), \(keys) keys, \(queryRows.count) queries"
    }
  }

  static let shapes: [Shape] = [
    Shape(heads: 9, kvHeads: 3, dimension: 64, keys: 37, queryRows: Array(0..<37)),
    Shape(heads: 9, kvHeads: 3, dimension: 64, keys: 300, queryRows: [299]),
    Shape(heads: 9, kvHeads: 3, dimension: 64, keys: 70, queryRows: [3, 40, 69]),
    Shape(heads: 4, kvHeads: 4, dimension: 12, keys: 19, queryRows: Array(0..<19)),
    Shape(heads: 8, kvHeads: 2, dimension: 32, keys: 9, queryRows: Array(5..<9)),
    Shape(heads: 2, kvHeads: 1, dimension: 8, keys: 1, queryRows: [0]),
    // Several key blocks and tile groups, rows ending on both sides of a block's edge.
    Shape(
      heads: 9, kvHeads: 3, dimension: 64, keys: 600,
      queryRows: [0, 1, 254, 255, 256, 257, 511, 512, 513] + Array(560..<600)),
    Shape(heads: 6, kvHeads: 2, dimension: 48, keys: 530, queryRows: Array(250..<300) + [529]),
  ]

  /// The tiled kernel gives the reference loop's bits for every (query, head) pair, including
  /// ragged tiles (pairs with different key counts), a head size not a multiple of 16, keys
  /// over several blocks shared by a group of tiles, and values that make some probabilities
  /// underflow to zero; at every kernel level the CPU runs.
  @Test(arguments: shapes, KernelLevel.runnable)
  func tiledEqualsReference(shape: Shape, level: KernelLevel) {
    var state: UInt64 = 2024
    func random() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Int(state >> 40) % 20001 - 10000) / 1000
    }
    let c = LlamaConfiguration(
      layerCount: 1, embeddingLength: shape.heads * shape.dimension, feedForwardLength: 1,
      headCount: shape.heads, keyValueHeadCount: shape.kvHeads, headDimension: shape.dimension,
      vocabularySize: 1)
    let q = (0..<(shape.queryRows.count * c.queryLength)).map { _ in random() }
    let k = (0..<(shape.keys * c.keyValueLength)).map { _ in random() }
    let v = (0..<(shape.keys * c.keyValueLength)).map { _ in random() }
    let reference = LlamaModel.causalAttention(
      q: q, k: k, v: v, queryRows: shape.queryRows, configuration: c, roundProbabilities: false,
      tiled: false)
    let tiled = KernelLevel.withLevel(level) {
      LlamaModel.causalAttention(
        q: q, k: k, v: v, queryRows: shape.queryRows, configuration: c, roundProbabilities: false)
    }
    #expect(tiled.count == reference.count)
    #expect(tiled.map(\.bitPattern) == reference.map(\.bitPattern))
    #expect(!reference.contains { !$0.isFinite })
  }
}
