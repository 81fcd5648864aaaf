import Conversion
import Formats
import Foundation
import TestSupport
import Testing
import Tokenization

/// The tokenizer files `convert --to hf` writes, on llama.cpp conversions of real-size
/// vocabularies (`fixtures/hf-export/generate.py`): SentencePiece BPE with and without byte
/// fallback, and byte-level BPE with Llama 3's pre-tokenizer.
@Suite("Hugging Face tokenizer export")
struct HuggingFaceTokenizerExportTests {
  static let directory = Repository.fixture("hf-export")

  /// `expected.json`: the texts and, per model, transformers' ids and merges.
  static let expected: JSONValue = {
    let text = (try? String(contentsOfFile: "\(directory)/expected.json", encoding: .utf8)) ?? ""
    return (try? JSONValue.parse(text)) ?? .null
  }()

  static var texts: [String] { expected["texts"]?.array?.compactMap(\.string) ?? [] }

  /// Recorded token ids of model `name` under `key`, one list per text.
  static func ids(_ name: String, _ key: String = "auto") -> [[Int32]] {
    (expected["models"]?[name]?[key]?.array ?? []).map { row in
      (row.array ?? []).compactMap { $0.number?.int.map(Int32.init) }
    }
  }

  /// Exports fixture `name`.gguf; returns the folder, its tokenizer.json and tokenizer_config.json.
  static func export(_ name: String) throws -> (folder: String, json: JSONValue, config: JSONValue)
  {
    let scratch = try Scratch.folder("tokenizer-export-\(name)")
    let folder = "\(scratch)/hf"
    let export = try HuggingFaceExport(gguf: "\(directory)/\(name).gguf")
    _ = try export.write(to: folder)
    #expect(export.warnings == [])
    func read(_ file: String) throws -> JSONValue {
      try JSONValue.parse(String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8))
    }
    return (folder, try read("tokenizer.json"), try read("tokenizer_config.json"))
  }

  @Test(
    "SentencePiece: transformers' vocabulary, merges and LlamaTokenizer settings",
    arguments: ["spm-bytes", "spm-nobytes"])
  func sentencePiece(name: String) throws {
    #expect(Self.texts.count == 11)
    let (folder, json, config) = try Self.export(name)
    defer { Scratch.cleanUp(URL(fileURLWithPath: folder).deletingLastPathComponent().path) }
    let model = try #require(json["model"])
    let pieces = try SentencePieceModel(path: "\(Self.directory)/\(name).tokenizer.model").pieces
    let vocab = try #require(model["vocab"]?.object)
    #expect(vocab.count == 1000)
    #expect(vocab.map(\.key) == pieces.map(\.text))
    #expect(vocab.map(\.value) == (0..<1000).map { .integer($0) })
    #expect(vocab.contains { $0.key == "<0x41>" } == (name == "spm-bytes"))
    let recorded = try #require(Self.expected["models"]?[name]?["merges"]?.array)
    #expect(recorded.count > 500)
    #expect(model["merges"]?.array == recorded)
    #expect(model["type"] == .string("BPE"))
    #expect(model["unk_token"] == .string("<unk>"))
    #expect(model["byte_fallback"] == .bool(true))
    #expect(model["fuse_unk"] == .bool(true))
    #expect(model["ignore_merges"] == .bool(false))
    #expect(json["normalizer"] == .null)
    #expect(json["pre_tokenizer"]?["prepend_scheme"] == .string("first"))
    #expect(
      json["added_tokens"]?.array?.map { [$0["id"], $0["content"], $0["special"]] } == [
        [.integer(0), .string("<unk>"), .bool(true)], [.integer(1), .string("<s>"), .bool(true)],
        [.integer(2), .string("</s>"), .bool(true)],
      ])
    #expect(
      json["post_processor"]?["single"]?.array?.first?["SpecialToken"]?["id"] == .string("<s>"))
    #expect(config["tokenizer_class"] == .string("LlamaTokenizer"))
    #expect(config["legacy"] == .bool(false))
    #expect(config["add_prefix_space"] == .null)
    #expect(config["add_bos_token"] == .bool(true))
    #expect(config["add_eos_token"] == .bool(false))
    #expect(config["unk_token"] == .string("<unk>"))
    #expect(config["bos_token"] == .string("<s>"))
    #expect(config["eos_token"] == .string("</s>"))
  }

  @Test("llama-bpe: the original tokenizer.json's model and pre-tokenizer, and its ids")
  func llamaBytePairs() throws {
    let (folder, json, config) = try Self.export("bpe-llama3")
    defer { Scratch.cleanUp(URL(fileURLWithPath: folder).deletingLastPathComponent().path) }
    let original = try JSONValue.parse(
      String(
        contentsOfFile: Repository.fixture("tokenizer/tiny-llama3.tokenizer.json"), encoding: .utf8
      ))
    #expect(json["model"]?["vocab"] == original["model"]?["vocab"])
    #expect(json["model"]?["merges"] == original["model"]?["merges"])
    #expect(json["model"]?["ignore_merges"] == .bool(true))
    #expect(json["pre_tokenizer"] == original["pre_tokenizer"])
    #expect(json["added_tokens"] == original["added_tokens"])
    #expect(config["tokenizer_class"] == .string("PreTrainedTokenizerFast"))
    // transformers' AutoTokenizer ids on the original folder, recorded.
    let tokenizer = try Tokenizer(huggingFace: folder)
    let expected = Self.ids("bpe-llama3")
    #expect(expected.count == Self.texts.count)
    for (text, ids) in zip(Self.texts, expected) {
      #expect(tokenizer.encode(text) == ids, "\(text)")
    }
  }
}
