import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Tokenization

/// A config.json whose `vocab_size` is absurd is refused before anything is sized by it (a
/// negative one used to trap in `0..<count`, a huge one to allocate for every token).
@Suite("Vocabulary size limit")
struct VocabularyLimitTests {
  static let models = Repository.fixture("architectures/models")

  /// A copy of fixture folder `name` whose config.json says `vocab_size` is `size`.
  static func folder(_ name: String, vocabularySize size: Int) throws -> String {
    let folder = try Scratch.folder("vocabulary-\(name)-\(size)")
    for file in try FileManager.default.contentsOfDirectory(atPath: "\(models)/\(name)") {
      try FileManager.default.copyItem(
        atPath: "\(models)/\(name)/\(file)", toPath: "\(folder)/\(file)")
    }
    let path = "\(folder)/config.json"
    var config = try #require(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        as? [String: Any])
    config["vocab_size"] = size
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
    return folder
  }

  @Test(arguments: [
    ("gptneox", 1_000_000_000_000), ("llama", 1_000_000_000_000), ("llama", -1),
    ("llama", Limits.vocabularyTokens + 1),
  ])
  func absurdVocabularySizeIsRefused(name: String, size: Int) throws {
    let folder = try Self.folder(name, vocabularySize: size)
    defer { Scratch.cleanUp(folder) }
    let error = #expect(throws: TokenizerError.self) {
      try TokenizerMetadata(huggingFace: folder, architecture: name, preTokenizer: "gpt-2")
    }
    #expect(error?.kind == .invalidVocabulary)
    #expect(error?.path == "\(folder)/config.json")
    #expect(error?.name == "vocab_size")
    #expect(
      error?.message == "a vocabulary of \(size) tokens is outside Spindle's limit of 0…4194304")
  }

  @Test func theLargestVocabularyAllowedIsRead() throws {
    #expect(
      try TokenizerMetadata.vocabularySize(
        Limits.vocabularyTokens, folder: "m", found: 3, in: "tokenizer.json")
        == Limits.vocabularyTokens)
    #expect(
      try TokenizerMetadata.vocabularySize(nil, folder: "m", found: 3, in: "tokenizer.json") == 3)
  }
}
