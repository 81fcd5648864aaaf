import Foundation
import Testing
import Tokenization

/// Token ids against llama.cpp's and HF tokenizers' on the recorded strings: exact equality.
@Suite("Tokenizer agreement")
struct TokenizerTests {
  static let preTokenizers = ["smollm", "llama-bpe", "qwen2", "default", "gpt-2"]

  @Test(
    "SmolLM2 vocabulary under each GGUF pre-tokenizer matches llama.cpp", arguments: preTokenizers)
  func smolLM2Vocabulary(pre: String) throws {
    var tokenizer = try Tokenizer(gguf: TokenizerFixtures.smolLM2VocabularyPath)
    #expect(tokenizer.count == 49152)
    let preTokenizer = try #require(PreTokenizer(llamaCppName: pre))
    tokenizer.model = .bytePairEncoding(preTokenizer)
    let expected = TokenizerFixtures.ids("llama.cpp", "smollm2-vocab/\(pre)")
    #expect(expected.count == TokenizerFixtures.cases.count)
    #expect(TokenizerFixtures.mismatches(tokenizer, expected) == [])
  }

  @Test("The vocabulary GGUF names the smollm pre-tokenizer")
  func smolLM2PreName() throws {
    let tokenizer = try Tokenizer(gguf: TokenizerFixtures.smolLM2VocabularyPath)
    #expect(tokenizer.model == .bytePairEncoding(.smolLM))
    #expect(tokenizer.prefix == [])
    #expect(tokenizer.endOfGeneration.contains(2))
  }

  @Test("SentencePiece-style GGUF with byte fallback matches llama.cpp")
  func sentencePiece() throws {
    let tokenizer = try Tokenizer(gguf: "\(TokenizerFixtures.directory)/tiny-spm.gguf")
    #expect(tokenizer.prefix == [1])
    let expected = TokenizerFixtures.ids("llama.cpp", "tiny-spm")
    #expect(TokenizerFixtures.mismatches(tokenizer, expected) == [])
  }

  @Test(
    "Trained tokenizer.json files match HF tokenizers",
    arguments: ["tiny-digits", "tiny-llama3"])
  func tinyHuggingFace(name: String) throws {
    let tokenizer = try Tokenizer(
      huggingFace: "\(TokenizerFixtures.directory)/\(name).tokenizer.json")
    let expected = TokenizerFixtures.ids("tokenizers", name)
    #expect(TokenizerFixtures.mismatches(tokenizer, expected) == [])
  }

  @Test(
    "SmolLM2 GGUF matches llama.cpp",
    .enabled(
      if: TokenizerFixtures.smolLM2Model != nil,
      "set SPINDLE_SMOLLM2 to SmolLM2-135M-Instruct's GGUF (not in the repository)"))
  func smolLM2Model() throws {
    let tokenizer = try Tokenizer(gguf: try #require(TokenizerFixtures.smolLM2Model))
    let expected = TokenizerFixtures.ids("llama.cpp", "smollm2-vocab/smollm")
    #expect(TokenizerFixtures.mismatches(tokenizer, expected) == [])
  }

  @Test(
    "SmolLM2 tokenizer.json matches HF tokenizers",
    .enabled(
      if: TokenizerFixtures.smolLM2Folder != nil,
      "set SPINDLE_SMOLLM2_HF to the SmolLM2 Hugging Face folder (not in the repository)"))
  func smolLM2Folder() throws {
    let tokenizer = try Tokenizer(huggingFace: try #require(TokenizerFixtures.smolLM2Folder))
    #expect(tokenizer.endOfGeneration.contains(2))
    let expected = TokenizerFixtures.ids("tokenizers", "smollm2-hf")
    #expect(TokenizerFixtures.mismatches(tokenizer, expected) == [])
  }

  @Test("Byte-level pieces give back the text, special tokens included")
  func byteLevelRoundTrip() throws {
    let tokenizer = try Tokenizer(gguf: TokenizerFixtures.smolLM2VocabularyPath)
    for text in TokenizerFixtures.cases {
      #expect(try tokenizer.decode(tokenizer.encode(text)) == text)
    }
  }

  @Test("SentencePiece pieces give back the text after the space prefix")
  func sentencePieceRoundTrip() throws {
    let tokenizer = try Tokenizer(gguf: "\(TokenizerFixtures.directory)/tiny-spm.gguf")
    for text in TokenizerFixtures.cases where !text.isEmpty {
      #expect(try tokenizer.decode(tokenizer.encode(text, addSpecialTokens: false)) == " " + text)
    }
  }
}
