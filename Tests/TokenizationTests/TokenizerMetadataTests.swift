import Formats
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Tokenization

/// Tokenizer metadata of Hugging Face folders against llama.cpp's converter's vocab-only GGUFs
/// (`fixtures/tokenizer-metadata/record.sh`): every `tokenizer.*` key, its order and value.
@Suite("Tokenizer metadata")
struct TokenizerMetadataTests {
  static let directory = Repository.fixture("tokenizer-metadata")
  static let models = Repository.fixture("architectures/models")

  /// SentencePiece folders, converted as they are.
  static let sentencePiece = ["llama", "qwen2", "qwen3", "phi3", "phi3-longrope"]
  /// Byte-level BPE folders, converted with the pre-tokenizer named "gpt-2".
  static let bytePairs = ["gptneox", "gptneox-sequential"]

  /// SmolLM2-135M-Instruct's tokenizer files (`tokenizer-metadata/smollm2/`, tokenizer.json
  /// zstd-compressed) written out as a folder.
  static func smolLM2Folder() throws -> String {
    let folder = try Scratch.folder("smollm2-tokenizer")
    let source = "\(directory)/smollm2"
    for name in ["config.json", "tokenizer_config.json", "chat_template.jinja"] {
      try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(folder)/\(name)")
    }
    let writer = try AtomicFileWriter(destination: "\(folder)/tokenizer.json")
    try Zstd.decompress(try MappedFile(path: "\(source)/tokenizer.json.zst")) {
      bytes throws(FormatError) in try writer.write(bytes)
    }
    try writer.commit()
    return folder
  }

  /// The `tokenizer.*` entries of a GGUF, in file order.
  static func expectedEntries(_ file: GGUFFile) -> [(key: String, value: GGUFValue)] {
    file.metadata.filter { $0.key.hasPrefix("tokenizer.") }.map { ($0.key, $0.value) }
  }

  /// Each difference between `metadata` and `expected`, described (empty when equal).
  static func differences(
    _ metadata: TokenizerMetadata, _ expected: [(key: String, value: GGUFValue)]
  ) -> [String] {
    var problems: [String] = []
    let keys = metadata.entries.map(\.key)
    let expectedKeys = expected.map(\.key)
    if keys != expectedKeys { problems.append("keys \(keys), expected \(expectedKeys)") }
    for (key, value) in expected {
      guard let found = metadata[key] else { continue }
      if found != value {
        let wanted = value.arrayValue.map { Array($0.elements) } ?? [value]
        let got = found.arrayValue.map { Array($0.elements) } ?? [found]
        let index = Array(zip(wanted, got)).firstIndex { $0 != $1 } ?? min(wanted.count, got.count)
        problems.append(
          "\(key): \(value.typeName) × \(wanted.count) expected, \(found.typeName) × \(got.count)"
            + " found; first difference at \(index): "
            + "\(index < wanted.count ? "\(wanted[index])" : "-") vs "
            + "\(index < got.count ? "\(got[index])" : "-")")
      }
    }
    return problems
  }

  @Test(
    "SentencePiece folders give the converter's tokens, scores, types and ids",
    arguments: sentencePiece)
  func sentencePieceFolder(name: String) throws {
    let expected = try GGUFFile(path: "\(Self.directory)/\(name).gguf")
    let architecture = try #require(expected.architecture)
    let metadata = try TokenizerMetadata(
      huggingFace: "\(Self.models)/\(name)", architecture: architecture)
    #expect(metadata["tokenizer.ggml.model"] == .string("llama"))
    #expect(metadata["tokenizer.ggml.scores"]?.arrayValue?.count == 80)
    #expect(metadata.entries.count == 9)
    #expect(Self.differences(metadata, Self.expectedEntries(expected)) == [])
  }

  @Test(
    "Byte-level BPE folders give the converter's tokens, types, merges and ids",
    arguments: bytePairs)
  func bytePairFolder(name: String) throws {
    let expected = try GGUFFile(path: "\(Self.directory)/\(name).gguf")
    let metadata = try TokenizerMetadata(
      huggingFace: "\(Self.models)/\(name)", architecture: "gptneox", preTokenizer: "gpt-2")
    #expect(metadata["tokenizer.ggml.pre"] == .string("gpt-2"))
    #expect(metadata.entries.count == 8)
    #expect(metadata["tokenizer.ggml.merges"]?.arrayValue?.count ?? 0 > 0)
    #expect(Self.differences(metadata, Self.expectedEntries(expected)) == [])
  }

  @Test("Special vocabulary: template BOS, look-alike control tokens, padding slots, templates")
  func specialVocabulary() throws {
    let expected = try GGUFFile(path: "\(Self.directory)/special.gguf")
    let metadata = try TokenizerMetadata(
      huggingFace: "\(Self.directory)/special", architecture: "llama", preTokenizer: "llama-bpe")
    let tokens = try #require(metadata["tokenizer.ggml.tokens"]?.arrayValue).elements
    let types = try #require(metadata["tokenizer.ggml.token_type"]?.arrayValue).elements
    #expect(tokens.count == 465)
    #expect(
      Array(tokens[455...457]) == [
        .string("<|tool|>"), .string("hello world"), .string("[PAD457]"),
      ])
    #expect(Array(types[455...457]) == [.int32(3), .int32(4), .int32(5)])
    #expect(metadata["tokenizer.ggml.add_bos_token"] == .bool(true))
    #expect(metadata["tokenizer.chat_templates"] == .array(.string, [.string("tool_use")]))
    #expect(Self.differences(metadata, Self.expectedEntries(expected)) == [])
  }

  @Test(
    "added_tokens_decoder over SentencePiece pieces: phi3's and llama's converters differ",
    arguments: [
      ("special-phi3", ["<|endoftext|>", "x\u{2581}y", "<tool>"], [4, 4, 3] as [Int32]),
      ("special-llama", ["<|endoftext|>", "x y", "<tool>"], [3, 4, 3]),
    ])
  func addedTokensOverPieces(name: String, texts: [String], types: [Int32]) throws {
    let expected = try GGUFFile(path: "\(Self.directory)/\(name).gguf")
    let metadata = try TokenizerMetadata(
      huggingFace: "\(Self.directory)/\(name)", architecture: try #require(expected.architecture))
    let tokens = try #require(metadata["tokenizer.ggml.tokens"]?.arrayValue).elements
    let kinds = try #require(metadata["tokenizer.ggml.token_type"]?.arrayValue).elements
    let scores = try #require(metadata["tokenizer.ggml.scores"]?.arrayValue).elements
    #expect(Array(tokens[3...5]) == texts.map { .string($0) })
    #expect(Array(kinds[3...5]) == types.map { .int32($0) })
    #expect(Array(scores[3...5]) == Array(repeating: .float32(-1000), count: 3))
    #expect(Self.differences(metadata, Self.expectedEntries(expected)) == [])
  }

  @Test("A BPE tokenizer the converter's table does not know is an error naming its hash")
  func unknownPreTokenizer() throws {
    let folder = "\(Self.models)/gptneox"
    // The hash transformers' encoding of the check text gives (recorded with the peers venv).
    let hash = "d9271868f5299f12c753f62488362d0faf8903b07b30d1b9467c666fe2cd9ce8"
    #expect(PreTokenizerFingerprint.hash(of: try Tokenizer(huggingFace: folder)) == hash)
    let error = #expect(throws: TokenizerError.self) {
      try TokenizerMetadata(huggingFace: folder, architecture: "gptneox")
    }
    #expect(error?.kind == .unsupported)
    #expect(error?.name == "tokenizer.ggml.pre")
    #expect(
      error?.description
        == "\(folder)/tokenizer.json: the BPE pre-tokenizer is not one llama.cpp's converter"
        + " knows: the hash of its check text's ids is \(hash); name it with --pre NAME"
        + " (gpt-2, llama-bpe, qwen2, ...) [unsupported]")
  }

  @Test("A tokenizer Spindle cannot encode with needs --pre; with it, the metadata is written")
  func unencodableTokenizer() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let source = "\(Self.models)/gptneox/tokenizer.json"
    let text = String(decoding: try Scratch.bytes(source), as: UTF8.self)
      .replacingOccurrences(of: "\"normalizer\": null", with: "\"normalizer\": {\"type\": \"NFC\"}")
    try Scratch.write(Array(text.utf8), to: "\(folder)/tokenizer.json")
    let error = #expect(throws: TokenizerError.self) {
      try TokenizerMetadata(huggingFace: folder, architecture: "gptneox")
    }
    #expect(
      error?.description
        == "\(folder)/tokenizer.json: normalizer \"NFC\" is not implemented; only none is;"
        + " Spindle's encoder is needed to identify the BPE pre-tokenizer by llama.cpp's hash,"
        + " name it with --pre NAME instead [unsupported]")
    let metadata = try TokenizerMetadata(
      huggingFace: folder, architecture: "gptneox", preTokenizer: "gpt-2")
    #expect(metadata["tokenizer.ggml.pre"] == .string("gpt-2"))
    #expect(metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 80)
  }

  @Test("A token id past config.json's vocab_size is an error naming both")
  func vocabularyTooSmall() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    _ = try Scratch.copy("architectures/models/gptneox/tokenizer.json", into: folder)
    try Scratch.write(Array(#"{"vocab_size": 50}"#.utf8), to: "\(folder)/config.json")
    let error = #expect(throws: TokenizerError.self) {
      try TokenizerMetadata(huggingFace: folder, architecture: "gptneox", preTokenizer: "gpt-2")
    }
    #expect(
      error?.description
        == "\(folder)/tokenizer.json: token id 79 is outside the vocabulary size 50"
        + " (config.json's vocab_size, else the number of tokens) [invalidVocabulary]")
  }

  @Test("SmolLM2's vocabulary hashes to the converter's smollm entry")
  func smolLM2Fingerprint() throws {
    let tokenizer = try Tokenizer(gguf: TokenizerFixtures.smolLM2VocabularyPath)
    let hash = PreTokenizerFingerprint.hash(of: tokenizer)
    #expect(hash == "855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249")
    #expect(PreTokenizerFingerprint.name(forHash: hash) == "smollm")
    #expect(PreTokenizerFingerprint.knownNames.contains("llama-bpe"))
  }

  @Test("The SmolLM2 folder gives the converter's metadata, pre-tokenizer found by hash")
  func smolLM2() throws {
    let compressed = try MappedFile(path: "\(Self.directory)/smollm2.gguf.zst")
    var bytes: [UInt8] = []
    try Zstd.decompress(compressed) { chunk in bytes += chunk }
    let expected = try GGUFFile(bytes: bytes, path: "smollm2.gguf")
    let folder = try Self.smolLM2Folder()
    defer { Scratch.cleanUp(folder) }
    let metadata = try TokenizerMetadata(huggingFace: folder, architecture: "llama")
    #expect(metadata["tokenizer.ggml.pre"] == .string("smollm"))
    #expect(metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 49152)
    #expect(metadata["tokenizer.ggml.merges"]?.arrayValue?.count == 48900)
    #expect(metadata["tokenizer.ggml.add_bos_token"] == .bool(false))
    #expect(metadata.entries.count == 11)
    #expect(Self.differences(metadata, Self.expectedEntries(expected)) == [])
  }

  @Test(
    "SHA-256 of the FIPS 180-2 examples",
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
    ])
  func sha256(message: String, digest: String) {
    #expect(SHA256.hex(Array(message.utf8)) == digest)
  }

  @Test("SHA-256 across block boundaries matches a 1000-byte reference")
  func sha256Long() {
    // python3 -c "import hashlib; print(hashlib.sha256(bytes(i % 251 for i in range(1000))).hexdigest())"
    let message = (0..<1000).map { UInt8($0 % 251) }
    #expect(
      SHA256.hex(message) == "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d")
  }

  @Test("A truncated SentencePiece model is an error naming the file")
  func truncatedSentencePiece() throws {
    let bytes = try Scratch.bytes("\(Self.models)/llama/tokenizer.model")
    let model = try SentencePieceModel(bytes: bytes)
    #expect(model.pieces.count == 80)
    #expect(model.pieces[1] == .init(text: "<s>", score: 0, type: 3))
    let error = #expect(throws: TokenizerError.self) {
      try SentencePieceModel(bytes: Array(bytes.prefix(3)), path: "t.model")
    }
    #expect(error?.kind == .invalidValue)
    #expect(
      error?.description
        == "t.model: malformed SentencePiece model: a length or value runs past the end of the file"
        + " [invalidValue]")
  }
}
