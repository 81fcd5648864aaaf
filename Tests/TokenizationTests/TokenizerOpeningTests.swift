import Testing
import Tokenization

/// `Tokenizer(path:)` opens what `spindle inspect` opens, so `run` works on a `.gguf.zst`.
@Suite("Tokenizer opening")
struct TokenizerOpeningTests {
  @Test func compressedGGUFGivesTheSameTokenizer() throws {
    let compressed = try Tokenizer(path: "\(TokenizerFixtures.directory)/smollm2-vocab.gguf.zst")
    let plain = try Tokenizer(path: TokenizerFixtures.smolLM2VocabularyPath)
    let text = "Hello world, this is Spindle's tokenizer test: 12345 ünïcödé."
    #expect(compressed.encode(text) == plain.encode(text))
    #expect(compressed.encode(text).count > 5)
    #expect(compressed.endOfGeneration == plain.endOfGeneration)
  }
}
