import Formats
import Models
import Testing

/// A size read from a file is checked against its cap in ``Formats/Limits`` before anything is
/// sized, multiplied or looped over by it: a config declaring 2⁴⁰ layers is refused at once
/// (it used to spin through 2⁴⁰ layer names), a 2⁴⁰-wide head is refused before the rotary
/// tables are sized by it.
@Suite("Hyperparameter limits")
struct HyperparameterLimitTests {
  struct HuggingFaceCase: Sendable, CustomTestStringConvertible {
    let original: String
    let replacement: String
    let name: String
    let message: String
    var testDescription: String { replacement }
  }

  static let huggingFaceCases: [HuggingFaceCase] = [
    .init(
      original: "\"num_hidden_layers\": 2", replacement: "\"num_hidden_layers\": 1099511627776",
      name: "num_hidden_layers",
      message: "\"num_hidden_layers\" is 1099511627776, over Spindle's limit of 4096"),
    .init(
      original: "\"num_hidden_layers\": 2", replacement: "\"num_hidden_layers\": -1099511627776",
      name: "num_hidden_layers",
      message: "\"num_hidden_layers\" must be a positive integer, found -1099511627776"),
    .init(
      original: "\"num_key_value_heads\": 2", replacement: "\"num_key_value_heads\": 4097",
      name: "num_key_value_heads",
      message: "\"num_key_value_heads\" is 4097, over Spindle's limit of 4096"),
    .init(
      original: "\"intermediate_size\": 128",
      replacement: "\"intermediate_size\": 9223372036854775807", name: "intermediate_size",
      message: "\"intermediate_size\" is 9223372036854775807, over Spindle's limit of 1048576"),
    .init(
      original: "\"vocab_size\": 256", replacement: "\"vocab_size\": 4194305", name: "vocab_size",
      message: "\"vocab_size\" is 4194305, over Spindle's limit of 4194304"),
    .init(
      original: "\"head_dim\": 16", replacement: "\"head_dim\": 16385", name: "head_dim",
      message: "'head_dim' is 16385, over Spindle's limit of 16384"),
    .init(
      original: "\"max_position_embeddings\": 2048",
      replacement: "\"max_position_embeddings\": 16777217", name: "max_position_embeddings",
      message: "'max_position_embeddings' is 16777217, over Spindle's limit of 16777216"),
    .init(
      original: "\"head_dim\": 16,\n  \"hidden_act\": \"silu\",\n  \"hidden_size\": 64",
      replacement: "\"hidden_act\": \"silu\",\n  \"hidden_size\": 1099511627776",
      name: "hidden_size / num_attention_heads",
      message:
        "'hidden_size / num_attention_heads' is 274877906944, over Spindle's limit of 16384"),
  ]

  @Test(arguments: huggingFaceCases)
  func huggingFaceSizeOverItsLimit(_ test: HuggingFaceCase) throws {
    let scratch = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(scratch) }
    let model = try ModelFixtures.copy("hf/tiny-llama", into: scratch)
    let config = "\(model)/config.json"
    let text = try ModelFixtures.text(config)
    #expect(text.contains(test.original))
    try ModelFixtures.write(
      text.replacingOccurrences(of: test.original, with: test.replacement), to: config)
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: model) }
    #expect(error.path == config)
    #expect(error.name == test.name)
    #expect(error.message == test.message)
  }

  /// Sizes at the top of GGUF's UINT32 range: a head of 2³² − 1 would size rotary tables of
  /// 8 GiB, a context of 2³¹ a probe of 8 GiB of token ids. tiny-llama has no
  /// `attention.key_length`, so a wide embedding reaches the cap through the derived head.
  @Test(
    arguments: [
      ("llama.attention.key_length", UInt32.max, "is 4294967295, over Spindle's limit of 16384"),
      ("llama.rope.dimension_count", 16385, "is 16385, over Spindle's limit of 16384"),
      ("llama.context_length", 1 << 31, "is 2147483648, over Spindle's limit of 16777216"),
      ("llama.attention.head_count", 1 << 20, "is 1048576, over Spindle's limit of 4096"),
      ("llama.block_count", UInt32.max, "is 4294967295, over Spindle's limit of 4096"),
      (
        "llama.embedding_length", 1 << 19,
        "/ llama.attention.head_count' is 131072, over Spindle's limit of 16384"
      ),
    ] as [(String, UInt32, String)])
  func ggufSizeOverItsLimit(key: String, value: UInt32, message: String) throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path = "\(folder)/huge.gguf"
    _ = try Checkpoint.open(ModelFixtures.fixture("gguf/tiny-llama.gguf")).rewrite(
      to: path, ggufKeys: [(key, .uint32(value))])
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.path == path)
    #expect(error.message == "'\(key)\(message.hasPrefix("/") ? " " : "' ")\(message)")
  }

  /// `rope.dimension_count` wider than the head is not a fraction of it.
  @Test func rotaryDimensionWiderThanTheHead() throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path = "\(folder)/wide-rope.gguf"
    _ = try Checkpoint.open(ModelFixtures.fixture("gguf/tiny-llama.gguf")).rewrite(
      to: path, ggufKeys: [("llama.rope.dimension_count", .uint32(32))])
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.kind == .invalidValue)
    #expect(error.name == "llama.rope.dimension_count")
    #expect(
      error.message
        == "the rotated part of each head (llama.rope.dimension_count) must be in (0, 1] of the"
        + " head (16), found 2.0")
  }
}
