import Formats
import Models
import Testing

/// A mistyped or missing hyperparameter is an error naming the key and the file, never a
/// silent default.
@Suite("Hyperparameter errors")
struct HyperparameterErrorTests {
  /// tiny-llama's folder with `config.json` edited by `edit` (text replacement).
  static func folder(editing edit: (String) -> String) throws -> (String, String) {
    let scratch = try ModelFixtures.folder()
    let model = try ModelFixtures.copy("hf/tiny-llama", into: scratch)
    let config = "\(model)/config.json"
    try ModelFixtures.write(edit(try ModelFixtures.text(config)), to: config)
    return (scratch, model)
  }

  static func error(editing edit: @escaping (String) -> String) throws -> ModelError {
    let (scratch, model) = try folder(editing: edit)
    defer { ModelFixtures.cleanUp(scratch) }
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: model) }
    #expect(error.path.hasSuffix("/tiny-llama/config.json"))
    return error
  }

  @Test func stringEpsilonIsAWrongType() throws {
    let error = try Self.error { $0.replacingOccurrences(of: "1e-05", with: "\"1e-6\"") }
    #expect(error.kind == .wrongType)
    #expect(error.name == "rms_norm_eps")
    #expect(error.message == "\"rms_norm_eps\" must be a number, found string \"1e-6\"")
  }

  @Test func fractionalLayerCountIsAWrongType() throws {
    let error = try Self.error {
      $0.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 2.5")
    }
    #expect(error.kind == .wrongType)
    #expect(error.name == "num_hidden_layers")
    #expect(error.message == "\"num_hidden_layers\" must be an integer, found number 2.5")
  }

  @Test func missingRequiredKeyIsNamed() throws {
    let error = try Self.error {
      $0.replacingOccurrences(of: "\"intermediate_size\": 128,", with: "")
    }
    #expect(error.kind == .missingKey)
    #expect(error.name == "intermediate_size")
  }

  @Test func booleanTieIsTyped() throws {
    let error = try Self.error {
      $0.replacingOccurrences(
        of: "\"tie_word_embeddings\": false", with: "\"tie_word_embeddings\": \"no\"")
    }
    #expect(error.kind == .wrongType)
    #expect(error.name == "tie_word_embeddings")
  }

  @Test func unknownModelTypeListsTheSupported() throws {
    let error = try Self.error {
      $0.replacingOccurrences(of: "\"model_type\": \"llama\"", with: "\"model_type\": \"bert\"")
        .replacingOccurrences(of: "LlamaForCausalLM", with: "BertModel")
    }
    #expect(error.kind == .unsupportedArchitecture)
    #expect(
      error.message
        == "unsupported architecture (model_type \"bert\"); supported: llama, qwen2, qwen3, phi3,"
        + " gptneox")
  }

  /// GGUF keys must have the type llama.cpp's loader reads (`UINT32` block count).
  @Test func ggufKeyOfTheWrongType() throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path = "\(folder)/bad.gguf"
    _ = try Checkpoint.open(ModelFixtures.fixture("gguf/tiny-llama.gguf")).rewrite(
      to: path, ggufKeys: [("llama.block_count", .float32(2))])
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.kind == .wrongType)
    #expect(error.path == path)
    #expect(error.name == "llama.block_count")
    #expect(
      error.message.hasPrefix(
        "'llama.block_count' must be UINT32 (as llama.cpp reads it), found FLOAT32"))
  }

  @Test func ggufArchitectureUnsupported() throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path = "\(folder)/bert.gguf"
    _ = try Checkpoint.open(ModelFixtures.fixture("gguf/tiny-llama.gguf")).rewrite(
      to: path, ggufKeys: [("general.architecture", .string("bert"))])
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.kind == .unsupportedArchitecture)
    #expect(
      error.message
        == "unsupported architecture \"bert\"; supported: llama, qwen2, qwen3, phi3, gptneox")
  }

  @Test func missingTensorIsNamed() throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let source = try GGUFFile(path: ModelFixtures.fixture("gguf/tiny-llama.gguf"))
    let path = "\(folder)/no-up.gguf"
    var writer = try GGUFWriter(path: path, alignment: source.alignment)
    for entry in source.metadata where entry.key != "general.alignment" {
      try writer.add(entry.key, entry.value)
    }
    for entry in source.tensors where entry.name != "blk.1.ffn_up.weight" {
      try writer.addTensor(
        entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: source.file))
    }
    try writer.write()
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.kind == .missingTensor)
    #expect(error.path == path)
    #expect(error.name == "blk.1.ffn_up.weight")
    #expect(error.message == "required tensor \"blk.1.ffn_up.weight\" is missing")
  }

  @Test func tensorOfTheWrongShapeIsNamed() throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path = "\(folder)/wide.gguf"
    _ = try Checkpoint.open(ModelFixtures.fixture("gguf/tiny-llama.gguf")).rewrite(
      to: path, ggufKeys: [("llama.feed_forward_length", .uint32(64))])
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.kind == .shape)
    #expect(error.name == "blk.0.ffn_gate.weight")
    #expect(
      error.message == "tensor \"blk.0.ffn_gate.weight\" (gate) should be [64, 64], found [128, 64]"
    )
  }
}
