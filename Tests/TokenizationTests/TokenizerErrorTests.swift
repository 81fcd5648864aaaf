import Foundation
import Testing
import Tokenization

/// Malformed vocabularies fail with a located error instead of crashing.
@Suite("Tokenizer errors")
struct TokenizerErrorTests {
  func write(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "spindle-tokenizer-\(UUID().uuidString).json"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("A duplicated token text is refused, naming both ids")
  func duplicate() {
    #expect(throws: TokenizerError.self) {
      try Tokenizer(model: .bytePairEncoding(.gpt2), tokens: ["a", "b", "a"])
    }
    do {
      _ = try Tokenizer(model: .bytePairEncoding(.gpt2), tokens: ["a", "b", "a"])
    } catch {
      #expect(error.kind == .invalidVocabulary)
      #expect(error.name == "token 2")
    }
  }

  @Test("A merge that is not two symbols names its index")
  func badMerge() throws {
    let path = try write(
      #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "ab"]}}"#)
    do {
      _ = try Tokenizer(huggingFace: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .invalidMerge)
      #expect(error.name == "model.merges[1]")
    }
  }

  @Test("An unknown model type is unsupported, not a crash")
  func unknownModel() throws {
    let path = try write(#"{"model": {"type": "Unigram", "vocab": []}}"#)
    do {
      _ = try Tokenizer(huggingFace: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .unsupported)
      #expect(error.name == "model.type")
    }
  }

  @Test("A decoder id outside the vocabulary is an error")
  func badPiece() throws {
    let tokenizer = try Tokenizer(model: .bytePairEncoding(.gpt2), tokens: ["a"])
    #expect(throws: TokenizerError.self) { try tokenizer.piece(5) }
    #expect(throws: TokenizerError.self) { try tokenizer.piece(-1) }
  }

  @Test("A special id outside the vocabulary is refused")
  func badSpecial() {
    #expect(throws: TokenizerError.self) {
      try Tokenizer(model: .bytePairEncoding(.gpt2), tokens: ["a"], prefix: [3])
    }
  }
}
