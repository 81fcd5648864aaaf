import Testing

@testable import Inference

@Suite("Forward-pass operation counts")
struct ForwardOperationsTests {
  /// SmolLM2-135M: 30 blocks, width 576, 9 query and 3 key/value heads of 64, SwiGLU 1536,
  /// vocabulary 49152.
  static let smolLM2 = LlamaConfiguration(
    layerCount: 30, embeddingLength: 576, feedForwardLength: 1536, headCount: 9,
    keyValueHeadCount: 3, vocabularySize: 49152)

  /// One token costs two operations per weight (SmolLM2-135M's published 134,515,008
  /// parameters less its 35,136 norm weights), plus its attention to itself (30 · 9 · 4 · 64).
  @Test func oneTokenIsTwicePerWeight() {
    #expect(Self.smolLM2.forwardOperations(tokens: 1, logits: 1) == 2 * 134_479_872 + 69_120)
  }

  /// A 32k pass scoring every position: the products are linear in the tokens, the attention
  /// quadratic; the sum as computed independently (Python, integers).
  @Test(arguments: [(4096, 4095, 1_681_564_631_040.0), (32768, 32767, 45_922_866_167_808.0)])
  func longPasses(tokens: Int, logits: Int, expected: Double) {
    #expect(Self.smolLM2.forwardOperations(tokens: tokens, logits: logits) == expected)
  }

  /// The attention term alone (`layers·heads·4·d·n(n+1)/2`, Python integers): at 16384 tokens
  /// 72 % of a pass scoring 2047 positions.
  @Test(arguments: [(1, 69_120.0), (16384, 9_277_695_590_400.0)])
  func attentionTerm(tokens: Int, expected: Double) {
    #expect(Self.smolLM2.attentionOperations(tokens: tokens) == expected)
  }

  /// GELU blocks have two feed-forward matrices, not three.
  @Test func geluBlocksHaveTwoFeedForwardMatrices() {
    var gelu = Self.smolLM2
    gelu.recipe.feedForward = .gelu(.tanh)
    let difference =
      Self.smolLM2.forwardOperations(tokens: 1, logits: 0)
      - gelu.forwardOperations(tokens: 1, logits: 0)
    #expect(difference == 2 * 30 * 576 * 1536)
  }
}
