import Foundation
import Inference
import Models
import RoPE
import TestSupport
import Testing

@testable import Evaluation

/// The forward pass each method builds, on the tiny llama (context 256): the dynamic methods
/// are the model itself within the window, factor 1 is no scaling, and methods on a model
/// that carries frequency tables are refused.
@Suite("Context evaluator")
struct ContextEvaluatorTests {
  static let model = Repository.fixture("architectures/gguf/llama.gguf")
  static let tokens: [Int32] = (0..<300).map { Int32(3 + ($0 * 7) % 70) }

  static func logits(
    _ method: ContextMethod, factor: Double = 4, count: Int, numerics: NumericMode = .exact
  ) throws -> [[Float]] {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: model), numericMode: numerics)
    let sequence = Array(tokens.prefix(count))
    return try evaluator.model(method, factor: factor, sequenceLength: count).logits(
      tokens: sequence, startPosition: 0, outputs: [count - 1])
  }

  @Test func theWindowIsTheContextLengthOfAnUnscaledModel() throws {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: Self.model), numericMode: .exact)
    #expect(evaluator.originalContextLength == 256)
    #expect(!evaluator.isStamped)
    #expect(evaluator.geometry(for: .yarn, factor: 4).maxPositionEmbeddings == 1024)
    #expect(evaluator.geometry(for: .dynamicNTK, factor: 4).maxPositionEmbeddings == 256)
    #expect(evaluator.geometry(for: .linear, factor: 2.5).originalContextLength == 256)
  }

  /// Within the window the dynamic methods scale nothing: the same logits as none, bit for
  /// bit; past it they scale, and differ.
  @Test(arguments: [ContextMethod.dynamicNTK, .dynamicYaRN], [NumericMode.exact, .llamaCpp])
  func dynamicMethodsAreTheModelWithinTheWindow(method: ContextMethod, numerics: NumericMode)
    throws
  {
    #expect(
      try Self.logits(method, count: 200, numerics: numerics)
        == Self.logits(.none, count: 200, numerics: numerics))
    #expect(
      try Self.logits(method, count: 300, numerics: numerics)
        != Self.logits(.none, count: 300, numerics: numerics))
  }

  @Test(arguments: [ContextMethod.linear, .ntk, .yarn])
  func staticMethodsScaleEveryLength(method: ContextMethod) throws {
    #expect(try Self.logits(method, count: 100) != Self.logits(.none, count: 100))
  }

  /// Linear and NTK at factor 1 are no scaling at all.
  @Test(arguments: [ContextMethod.linear, .ntk])
  func factorOneIsNoScaling(method: ContextMethod) throws {
    #expect(try Self.logits(method, factor: 1, count: 120) == Self.logits(.none, count: 120))
  }

  @Test func negativeLogLikelihoodIsLogSumExpMinusTheTarget() {
    // log(e + e² + e³) − 1 = 2.4076059644443806
    let value = ContextEvaluator.negativeLogLikelihood([1, 2, 3], target: 0)
    #expect(abs(value - 2.4076059644443806) < 1e-12)
    // A row of equal logits: log of the vocabulary size, whatever their value.
    let flat = ContextEvaluator.negativeLogLikelihood(
      [Float](repeating: 87, count: 1000), target: 5)
    #expect(abs(flat - 6.907755278982137) < 1e-9)
  }

  @Test func methodNamesAreTheCommandLineSpelling() {
    #expect(
      ContextMethod.allCases.map(\.rawValue) == [
        "none", "linear", "ntk", "dynamic-ntk", "yarn", "dynamic-yarn", "as-stamped",
      ])
    #expect(ContextMethod.yarn.scaling(factor: 4) == .yarn(factor: 4))
    #expect(ContextMethod.dynamicYaRN.scaling(factor: 8) == .dynamicYaRN())
    #expect(ContextMethod.asStamped.scaling(factor: 4) == nil)
  }

  /// A text too short for the length asked is an error naming the need and the longest text.
  @Test func aTextTooShortIsLocated() throws {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: Self.model), numericMode: .exact)
    let error = try #require(throws: EvaluationError.self) {
      try evaluator.perplexity(
        .none, factor: 4, length: 128, texts: [Array(Self.tokens.prefix(200))],
        protocol: .llamaCpp, beginningOfSequence: 1)
    }
    #expect(error.kind == .textTooShort)
    #expect(
      error.message
        == "no text has the 256 tokens length 128 needs (the longest has 200); give longer texts"
        + " or shorter --lengths")
  }

  /// The pooled llama.cpp perplexity is exp of the mean NLL over every scored token; the
  /// counts are the protocol's (2 chunks × (128 − 1 − 64) predictions).
  @Test func llamaCppPerplexityPoolsTheChunks() throws {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: Self.model), numericMode: .exact)
    let result = try evaluator.perplexity(
      .none, factor: 4, length: 128, texts: [Array(Self.tokens.prefix(256))], protocol: .llamaCpp,
      beginningOfSequence: 1)
    #expect(result.scoredTokens == 126)
    #expect(result.passes == 2)
    #expect(result.tokensRun == 256)
    #expect(result.factor == nil)
    #expect(abs(result.perplexity - exp(result.meanNegativeLogLikelihood)) < 1e-9)
  }

  /// Progress comes after every layer of every pass, as the share of the cell's operations:
  /// two passes of 128 tokens on the 2-layer model are four reports, a quarter, a half, three
  /// quarters and all (the passes cost the same), and the count matches the cost estimate.
  @Test func progressIsTheShareOfOperationsDone() throws {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: Self.model), numericMode: .exact)
    let texts = [Array(Self.tokens.prefix(256))]
    var shares: [Double] = []
    _ = try evaluator.perplexity(
      .none, factor: 4, length: 128, texts: texts, protocol: .llamaCpp, beginningOfSequence: 1,
      progress: { shares.append($0) })
    #expect(evaluator.checkpoint.configuration.layerCount == 2)
    #expect(shares == [0.25, 0.5, 0.75, 1])
    #expect(
      evaluator.perplexityOperations(
        length: 128, texts: texts, protocol: .llamaCpp, beginningOfSequence: 1)
        == 2 * evaluator.checkpoint.configuration.forwardOperations(tokens: 128, logits: 63))
  }
}

extension ContextEvaluatorTests {
  /// Each scored NLL is the next token's, at the pass's own positions (here the second half
  /// of a llama.cpp chunk), computed from the logits of a plain forward pass.
  @Test func scoresAreTheNextTokensAtThePassPositions() throws {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: Self.model), numericMode: .exact)
    let model = try evaluator.model(.none, factor: 4, sequenceLength: 64)
    let pass = PerplexityProtocol.Pass(tokens: Array(Self.tokens.prefix(64)), outputs: 32..<63)
    let values = try ContextEvaluator.negativeLogLikelihoods(model, pass, path: Self.model)
    let rows = try model.logits(tokens: pass.tokens, startPosition: 0, outputs: Array(32..<63))
    let expected = zip(rows, 33..<64).map { row, next in
      ContextEvaluator.negativeLogLikelihood(row, target: Int(pass.tokens[next]))
    }
    #expect(values == expected)
    #expect(values.count == 31)
  }
}
