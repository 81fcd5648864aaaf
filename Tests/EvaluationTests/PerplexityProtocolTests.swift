import Evaluation
import Testing

/// How each protocol cuts a text into passes: the chunks llama-perplexity runs, the YaRN
/// paper's truncation, and sliding windows that score every token once.
@Suite("Perplexity protocols")
struct PerplexityProtocolTests {
  /// A text of `count` ids 1, 2, 3, … (0 is the BOS of these tests).
  static func text(_ count: Int) -> [Int32] { (1...count).map(Int32.init) }

  @Test func llamaCppChunksStartWithBOSAndScoreTheirSecondHalf() {
    let passes = PerplexityProtocol.llamaCpp.passes(
      text: Self.text(21), length: 8, beginningOfSequence: 0)
    // 21 tokens make 2 whole chunks of 8 (the 5 left over are not run).
    #expect(passes.count == 2)
    #expect(passes[0].tokens == [0, 2, 3, 4, 5, 6, 7, 8])
    #expect(passes[1].tokens == [0, 10, 11, 12, 13, 14, 15, 16])
    // Positions 4…6 predict tokens 5…7: n_ctx − 1 − n_ctx/2 = 3 per chunk.
    #expect(passes.allSatisfy { $0.outputs == 4..<7 })
  }

  @Test func llamaCppWithoutBOSKeepsTheFirstToken() {
    let passes = PerplexityProtocol.llamaCpp.passes(
      text: Self.text(16), length: 8, beginningOfSequence: nil)
    #expect(passes.map(\.tokens.first) == [1, 9])
  }

  /// llama-perplexity refuses a text of fewer than 2N tokens; such a text is left out.
  @Test func llamaCppNeedsTwoChunks() {
    #expect(PerplexityProtocol.llamaCpp.tokensNeeded(length: 8) == 16)
    #expect(
      PerplexityProtocol.llamaCpp.passes(text: Self.text(15), length: 8, beginningOfSequence: 0)
        .isEmpty)
  }

  @Test func truncateRunsTheFirstNTokensAndScoresEveryPosition() {
    let passes = PerplexityProtocol.truncate.passes(
      text: Self.text(100), length: 10, beginningOfSequence: 0)
    #expect(passes == [.init(tokens: Self.text(10), outputs: 0..<9)])
    #expect(
      PerplexityProtocol.truncate.passes(text: Self.text(9), length: 10, beginningOfSequence: 0)
        .isEmpty)
  }

  /// Windows of 8 tokens, 3 apart, over the first 20 tokens: every token after the first is
  /// predicted exactly once, each (after the first window) with at least 8 − 3 tokens before it.
  @Test(arguments: [(3, 20), (1, 12), (8, 32), (5, 8)])
  func slidingWindowsScoreEachTokenOnce(stride: Int, span: Int) {
    let length = 8
    let passes = PerplexityProtocol.sliding(stride: stride, span: span).passes(
      text: Self.text(50), length: length, beginningOfSequence: 0)
    var predicted: [Int32] = []
    for (index, pass) in passes.enumerated() {
      #expect(pass.tokens.count <= length)
      #expect(pass.tokens.first == Int32(index * stride + 1))
      if index > 0 { #expect(pass.outputs.lowerBound >= length - stride - 1) }
      predicted += pass.outputs.map { pass.tokens[$0 + 1] }
    }
    // stride < N: tokens 2…span, each once; stride = N: a window's first token is unscored.
    let expected = (2...span).map(Int32.init).filter {
      stride < length || ($0 - 1) % Int32(length) != 0
    }
    #expect(predicted == expected)
  }

  @Test func averagingFollowsTheSource() {
    #expect(!PerplexityProtocol.llamaCpp.averagesTexts)
    #expect(PerplexityProtocol.truncate.averagesTexts)
    #expect(PerplexityProtocol.sliding(stride: 4, span: 16).averagesTexts)
  }
}
