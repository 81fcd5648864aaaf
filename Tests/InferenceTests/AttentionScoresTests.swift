import TestSupport
import Testing
import Verification

@testable import Inference

/// `LlamaModel.attentionScores`, what verify's layer-local equivalence compares: the scores
/// follow the rotary embedding and nothing else.
struct AttentionScoresTests {
  static func model(attentionFactor: Float, inverse: (Int) -> Float) throws -> LlamaModel {
    let checkpoint = try LlamaCheckpoint(path: Repository.fixture("gguf/tiny-llama.gguf"))
    let runtime = try checkpoint.model(rotary: .runtime, numericMode: .exact)
    let pairs = runtime.rotary.pairCount
    let rotary = RotaryEmbedding(
      layout: runtime.rotary.layout, dimensionCount: runtime.rotary.dimensionCount,
      angles: .table(
        inverseFrequencies: (0..<pairs).map(inverse), attentionFactor: attentionFactor))
    return try checkpoint.model(rotary: rotary, numericMode: .exact)
  }

  static let positions = [0, 1, 7, 100, 2047, 8191]

  @Test func anAttentionFactorScalesEveryScoreByItsSquare() throws {
    let base = { (i: Int) in 1 / Float(i + 1) }
    let plain = try Self.model(attentionFactor: 1, inverse: base)
    let scaled = try Self.model(attentionFactor: 2, inverse: base)
    let hidden = plain.embeddings((0..<Int32(Self.positions.count)).map { $0 * 13 + 5 })
    for layer in 0..<plain.configuration.layerCount {
      let a = plain.attentionScores(layer: layer, hidden: hidden, positions: Self.positions)
      let b = scaled.attentionScores(layer: layer, hidden: hidden, positions: Self.positions)
      let heads = plain.configuration.headCount
      #expect(a.count == heads * Self.positions.count * Self.positions.count)
      // ×2 on q and on k: ×4 on the score, exactly (powers of two).
      #expect(zip(a, b).allSatisfy { $0 * 4 == $1 }, "layer \(layer)")
      #expect(a.contains { $0 != 0 })
    }
  }

  @Test func scoresDependOnThePositionsOnlyThroughTheRotation() throws {
    let model = try Self.model(attentionFactor: 1) { _ in 0 }
    let hidden = model.embeddings([5, 5, 5])
    // Angle 0 everywhere: the same token scores the same at any positions.
    let near = model.attentionScores(layer: 1, hidden: hidden, positions: [0, 1, 2])
    let far = model.attentionScores(layer: 1, hidden: hidden, positions: [0, 4000, 8000])
    #expect(near == far)
    let turning = try Self.model(attentionFactor: 1) { _ in 0.5 }
    let moved = turning.attentionScores(layer: 1, hidden: hidden, positions: [0, 4000, 8000])
    #expect(moved != far)
    // A query scores itself identically at every position (relative distance 0).
    let n = 3
    for head in 0..<turning.configuration.headCount {
      let diagonal = (0..<n).map { moved[(head * n + $0) * n + $0] }
      #expect(diagonal.allSatisfy { ($0 - diagonal[0]).magnitude <= 1e-5 * diagonal[0].magnitude })
    }
  }
}
