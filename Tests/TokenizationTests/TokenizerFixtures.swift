import Formats
import Foundation
import Tensors
import TestSupport
import Tokenization

/// The recorded references of `fixtures/tokenizer/` (see `record.py` there).
enum TokenizerFixtures {
  static let directory = Repository.fixture("tokenizer")

  /// `expected.json`: the strings, then ids per reference and vocabulary.
  static let expected: JSONValue = {
    (try? Repository.recordedJSON("tokenizer/expected.json")) ?? .null
  }()

  static var cases: [String] { expected["cases"]?.array?.compactMap(\.string) ?? [] }

  /// The ids `source` ("llama.cpp" or "tokenizers") recorded for vocabulary `name`.
  static func ids(_ source: String, _ name: String) -> [[Int32]] {
    (expected[source]?[name]?.array ?? []).map { row in
      (row.array ?? []).compactMap { $0.number?.int }.map { Int32($0) }
    }
  }

  /// `smollm2-vocab.gguf.zst` decompressed once into a temporary file.
  static let smolLM2VocabularyPath: String = {
    let source = "\(directory)/smollm2-vocab.gguf.zst"
    let target = NSTemporaryDirectory() + "spindle-smollm2-vocab-\(getpid()).gguf"
    var bytes: [UInt8] = []
    if let file = try? MappedFile(path: source) {
      _ = try? Zstd.decompress(file) { chunk in bytes += chunk }
    }
    _ = FileManager.default.createFile(atPath: target, contents: Data(bytes))
    return target
  }()

  /// The SmolLM2 GGUF named by `SPINDLE_SMOLLM2`, when it exists.
  static var smolLM2Model: String? { existing("SPINDLE_SMOLLM2") }
  /// The SmolLM2 Hugging Face folder named by `SPINDLE_SMOLLM2_HF`, when it exists.
  static var smolLM2Folder: String? { existing("SPINDLE_SMOLLM2_HF") }

  static func existing(_ variable: String) -> String? {
    guard let path = ProcessInfo.processInfo.environment[variable],
      FileManager.default.fileExists(atPath: path)
    else { return nil }
    return path
  }

  /// Each case where `tokenizer` disagrees with `expected`, described.
  static func mismatches(_ tokenizer: Tokenizer, _ expected: [[Int32]]) -> [String] {
    var problems: [String] = []
    for (index, text) in cases.enumerated() {
      let found = tokenizer.encode(text)
      let wanted = index < expected.count ? expected[index] : []
      if found != wanted {
        problems.append(
          "case \(index) \(text.debugDescription): expected \(wanted), found \(found)")
      }
    }
    return problems
  }
}
