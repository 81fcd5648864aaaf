import TestSupport
import Testing

@testable import Inference

/// ``LlamaModel/attentionOperationsPerSecond(tokens:)`` runs the model's own attention path
/// (exact tiles, llama.cpp's order, llama.cpp's flash-attention kernel) on made-up rows.
@Suite("Attention rate")
struct AttentionRateTests {
  @Test(arguments: [(NumericMode.exact, false), (.llamaCpp, false), (.llamaCpp, true)])
  func everyPathIsTimed(mode: NumericMode, flash: Bool) throws {
    var model = try BatchedForwardTests.tinyModel(mode)
    model.flashAttention = flash
    // 700 tokens: the last rows fall in llama.cpp's second micro-batch of 512.
    let rate = model.attentionOperationsPerSecond(tokens: 700)
    #expect(rate.isFinite && rate > 0)
    #expect(model.attentionOperationsPerSecond(tokens: 0) == 0)
  }

  /// Its keys and values stay within 128 MiB each: a 7B shape's (4096 key/value Floats per
  /// token) 32768 tokens are timed at 8192; SmolLM2's 16384 (192) all.
  @Test(arguments: [
    (32768, 4096, 8192), (8192, 4096, 8192), (16384, 192, 16384), (200_000, 192, 174_762),
    (500, 100_000, 500), (5000, 100_000, 1024),
  ])
  func keysAndValuesAreCapped(tokens: Int, keyValueLength: Int, timed: Int) {
    #expect(
      LlamaModel.attentionProbeLength(tokens: tokens, keyValueLength: keyValueLength) == timed)
  }
}
