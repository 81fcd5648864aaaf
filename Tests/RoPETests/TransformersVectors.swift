import Foundation
import RoPE
import TestSupport
import Testing

/// One configuration from `fixtures/rope/transformers-vectors.json`, produced by
/// `fixtures/rope/make_vectors.py` with real transformers (`ROPE_INIT_FUNCTIONS`).
struct TransformersVector: Decodable, Sendable, CustomTestStringConvertible {
  struct Parameters: Decodable, Sendable {
    var ropeType: String
    var ropeTheta: Double
    var partialRotaryFactor: Double?
    var factor: Double?
    var originalMaxPositionEmbeddings: Int?
    var betaFast: Double?
    var betaSlow: Double?
    var mscale: Double?
    var mscaleAllDim: Double?
    var attentionFactor: Double?
    var truncate: Bool?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var shortFactor: [Double]?
    var longFactor: [Double]?
  }

  var name: String
  var headDim: Int
  var maxPositionEmbeddings: Int
  var seqLen: Int?
  var ropeParameters: Parameters
  var attentionFactor: Double
  /// Hex strings of the float32 bit patterns torch returned.
  var invFreq: [String]

  var testDescription: String { name }

  var expectedInverseFrequencies: [Float] {
    invFreq.map { Float(bitPattern: UInt32($0.dropFirst(2), radix: 16) ?? 0) }
  }

  var configuration: RotaryConfiguration {
    RotaryConfiguration(
      base: ropeParameters.ropeTheta, headDimension: headDim,
      partialRotaryFactor: ropeParameters.partialRotaryFactor ?? 1,
      maxPositionEmbeddings: maxPositionEmbeddings,
      originalContextLength: ropeParameters.originalMaxPositionEmbeddings)
  }

  /// The scaling the entry describes, read the way transformers v5 reads `rope_parameters`
  /// (`beta_fast or 32`, missing YaRN factor = max/orig).
  var scaling: RoPEScaling {
    let p = ropeParameters
    switch p.ropeType {
    case "linear": return .linear(factor: p.factor ?? 1)
    case "dynamic": return .dynamicNTK(factor: p.factor ?? 1)
    case "yarn":
      let factor =
        p.factor ?? Double(maxPositionEmbeddings) / Double(p.originalMaxPositionEmbeddings ?? 1)
      return .yarn(
        factor: factor,
        YaRNParameters(
          betaFast: p.betaFast ?? 32, betaSlow: p.betaSlow ?? 1, mscale: p.mscale,
          mscaleAllDim: p.mscaleAllDim, attentionFactor: p.attentionFactor,
          truncate: p.truncate ?? true))
    case "llama3":
      return .llama3(
        factor: p.factor ?? 1, lowFrequencyFactor: p.lowFreqFactor ?? 1,
        highFrequencyFactor: p.highFreqFactor ?? 4)
    case "longrope":
      return .longRoPE(
        shortFactors: p.shortFactor ?? [], longFactors: p.longFactor ?? [], factor: p.factor,
        attentionFactor: p.attentionFactor)
    default: return .none
    }
  }

  private struct File: Decodable {
    var transformersVersion: String
    var entries: [TransformersVector]
  }

  /// The recorded vectors.
  static let fixtureURL = URL(
    fileURLWithPath: Repository.fixture("rope/transformers-vectors.json"))

  /// All entries; an unreadable fixture yields none, which `fixtureIsComplete` reports.
  static let all: [TransformersVector] = {
    guard let data = try? Data(contentsOf: fixtureURL) else { return [] }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return (try? decoder.decode(File.self, from: data).entries) ?? []
  }()
}
