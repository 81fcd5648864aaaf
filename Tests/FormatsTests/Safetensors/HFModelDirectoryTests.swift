import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Tensors

@Suite("Hugging Face model folders")
struct HFModelDirectoryTests {
  static let llamaConfig = """
    {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":64,
     "num_attention_heads":4,"num_key_value_heads":2,"num_hidden_layers":2,
     "max_position_embeddings":2048,"rope_theta":500000.0,"head_dim":null,
     "torch_dtype":"bfloat16","rope_scaling":{"rope_type":"llama3","factor":8.0}}
    """

  static func writeTensors(_ names: [String], to path: String) throws {
    var writer = SafetensorsWriter()
    for name in names { writer.add(name, dtype: .u8, shape: [2], data: .bytes([1, 2])) }
    try writer.write(to: path)
  }

  @Test func readsConfigsAndSingleWeights() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Scratch.write(Array(Self.llamaConfig.utf8), to: "\(folder)/config.json")
    try Scratch.write(
      Array(#"{"bos_token":"<s>","add_bos_token":true}"#.utf8),
      to: "\(folder)/tokenizer_config.json")
    try Self.writeTensors(
      ["lm_head.weight", "model.norm.weight"], to: "\(folder)/model.safetensors")
    try Self.writeTensors(["ignored"], to: "\(folder)/other.safetensors")
    let model = try HFModelDirectory(path: folder + "/")
    let config = model.config
    #expect(try config.architectures == ["LlamaForCausalLM"])
    #expect(try config.modelType == "llama")
    #expect(try config.hiddenSize == 64)
    #expect(try config.numAttentionHeads == 4)
    #expect(try config.numKeyValueHeads == 2)
    #expect(try config.numHiddenLayers == 2)
    #expect(try config.maxPositionEmbeddings == 2048)
    #expect(try config.ropeTheta == 500000)
    #expect(try config.headDim == nil)
    #expect(try config.torchDType == "bfloat16")
    #expect(config.json.keys.first == "architectures")
    #expect(config["rope_scaling"]?["rope_type"]?.string == "llama3")
    #expect(model.tokenizerConfig?["bos_token"]?.string == "<s>")
    #expect(model.generationConfig == nil)
    #expect(model.tensors.map(\.name) == ["lm_head.weight", "model.norm.weight"])
    guard case .single = model.weights else {
      Issue.record("expected model.safetensors to be chosen")
      return
    }
  }

  @Test func newerSpellingsAndAbsentKeys() throws {
    let config = try HFConfig(
      JSONValue.parse(
        #"{"dtype":"float16","rope_parameters":{"rope_theta":10000,"rope_type":"default"}}"#),
      path: "config.json")
    #expect(try config.torchDType == "float16")
    #expect(try config.ropeTheta == 10000)
    #expect(try config.hiddenSize == nil)
    #expect(try config.architectures == nil)
  }

  @Test(arguments: [
    (#"{"hidden_size":"64"}"#, "hidden_size"),
    (#"{"hidden_size":64.0}"#, "hidden_size"),
    (#"{"num_attention_heads":true}"#, "num_attention_heads"),
    (#"{"num_key_value_heads":[2]}"#, "num_key_value_heads"),
    (#"{"num_hidden_layers":{}}"#, "num_hidden_layers"),
    (#"{"max_position_embeddings":"2k"}"#, "max_position_embeddings"),
    (#"{"rope_theta":"1e4"}"#, "rope_theta"),
    (#"{"head_dim":1.5}"#, "head_dim"),
    (#"{"torch_dtype":16}"#, "torch_dtype"),
    (#"{"model_type":["llama"]}"#, "model_type"),
    (#"{"architectures":"LlamaForCausalLM"}"#, "architectures"),
    (#"{"architectures":[1]}"#, "architectures"),
  ])
  func wrongTypesNameTheKey(json: String, key: String) throws {
    let config = try HFConfig(JSONValue.parse(json), path: "config.json")
    let error = #expect(throws: FormatError.self) {
      _ = try config.architectures
      _ = try config.modelType
      _ = try config.hiddenSize
      _ = try config.numAttentionHeads
      _ = try config.numKeyValueHeads
      _ = try config.numHiddenLayers
      _ = try config.maxPositionEmbeddings
      _ = try config.ropeTheta
      _ = try config.headDim
      _ = try config.torchDType
    }
    #expect(error?.kind == .invalidConfig)
    #expect(error?.name == key)
  }

  @Test(arguments: [
    ("[]", FormatError.Kind.invalidConfig),
    (#"{"a":1,"a":2}"#, .duplicateKey),
    (#"{"a":"#, .invalidJSON),
  ])
  func badConfigFiles(json: String, kind: FormatError.Kind) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Scratch.write(Array(json.utf8), to: "\(folder)/config.json")
    let error = #expect(throws: FormatError.self) { try HFModelDirectory(path: folder) }
    #expect(error?.kind == kind)
  }

  @Test func missingConfigIsNotFound() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let error = #expect(throws: FormatError.self) { try HFModelDirectory(path: folder) }
    #expect(error?.kind == .notFound)
  }

  @Test func shardedUnindexedAndNoWeights() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Scratch.write(Array("{}".utf8), to: "\(folder)/config.json")
    #expect(try HFModelDirectory(path: folder).weights == nil)

    try Self.writeTensors(["b"], to: "\(folder)/part-2.safetensors")
    try Self.writeTensors(["a"], to: "\(folder)/part-1.safetensors")
    let unindexed = try HFModelDirectory(path: folder)
    #expect(unindexed.tensors.map(\.name) == ["a", "b"])
    try Self.writeTensors(["a"], to: "\(folder)/part-3.safetensors")
    let error = #expect(throws: FormatError.self) { try HFModelDirectory(path: folder) }
    #expect(error?.kind == .duplicateTensorName)
    #expect(error?.name == "a")

    let index =
      #"{"metadata":{"total_size":4},"weight_map":{"a":"part-1.safetensors","b":"part-2.safetensors"}}"#
    try Scratch.write(Array(index.utf8), to: "\(folder)/model.safetensors.index.json")
    let sharded = try HFModelDirectory(path: folder)
    #expect(sharded.tensors.map(\.name) == ["a", "b"])
    guard case .sharded(let model) = sharded.weights else {
      Issue.record("expected the index to be used")
      return
    }
    #expect(model.index.totalSize == 4)
  }
}
