import Formats
import Inference
import Models
import RoPE
import Testing

/// The loader on the repository's tiny llama: what the former LlamaCheckpoint read (its values
/// written out here), and the same model from every form `inspect` opens.
@Suite("Model checkpoint")
struct ModelCheckpointTests {
  static let gguf = ModelFixtures.fixture("gguf/tiny-llama.gguf")
  static let hf = ModelFixtures.fixture("hf/tiny-llama")

  /// generate.py's tiny llama: 2 layers, 64 wide, 4 heads of 16, 2 KV heads, FFN 128, 256 tokens.
  static let expected = LlamaConfiguration(
    layerCount: 2, embeddingLength: 64, feedForwardLength: 128, headCount: 4,
    keyValueHeadCount: 2, headDimension: 16, vocabularySize: 256, rmsNormEpsilon: 1e-5)

  @Test func ggufAsBefore() throws {
    let checkpoint = try ModelCheckpoint(path: Self.gguf)
    #expect(checkpoint.architecture == "llama")
    #expect(checkpoint.format == .gguf)
    #expect(checkpoint.configuration == Self.expected)
    #expect(checkpoint.rotaryLayout == .interleaved)
    #expect(checkpoint.ropeSettings.scaling == .none)
    #expect(
      checkpoint.rotaryConfiguration
        == RotaryConfiguration(
          base: 10_000, headDimension: 16, partialRotaryFactor: 1, maxPositionEmbeddings: 2048,
          originalContextLength: 2048))
    #expect(checkpoint.frequencyFactors == nil)
    #expect(checkpoint.ropeAttentionFactor == 1)
    let layer = checkpoint.weights.layers[1]
    #expect(
      [
        layer.attentionNorm.name, layer.query.name, layer.key.name, layer.value.name,
        layer.attentionOutput.name, layer.feedForwardNorm.name, layer.gate?.name, layer.up.name,
        layer.down.name,
      ] == [
        "blk.1.attn_norm.weight", "blk.1.attn_q.weight", "blk.1.attn_k.weight",
        "blk.1.attn_v.weight", "blk.1.attn_output.weight", "blk.1.ffn_norm.weight",
        "blk.1.ffn_gate.weight", "blk.1.ffn_up.weight", "blk.1.ffn_down.weight",
      ])
    #expect(layer.queryBias == nil && layer.queryNorm == nil && layer.attentionNormBias == nil)
    #expect(checkpoint.weights.output.name == "output.weight")
    #expect(checkpoint.weights.tokenEmbedding.dtype == .f16)
    #expect(layer.query.dtype == .q8_0)
  }

  @Test func huggingFaceAsBefore() throws {
    let checkpoint = try ModelCheckpoint(path: Self.hf)
    #expect(checkpoint.architecture == "llama")
    #expect(checkpoint.format == .huggingFace)
    #expect(checkpoint.configuration == Self.expected)
    #expect(checkpoint.rotaryLayout == .halves)
    #expect(checkpoint.rotaryConfiguration.rotaryDimension == 16)
    #expect(checkpoint.rotaryConfiguration.maxPositionEmbeddings == 2048)
    #expect(checkpoint.weights.layers[0].query.name == "model.layers.0.self_attn.q_proj.weight")
    #expect(checkpoint.weights.output.name == "lm_head.weight")
    #expect(!checkpoint.weights.isOutputTied)
  }

  /// The GGUF and HF forms run the same model: same logits to float rounding (the HF weights
  /// are the GGUF's dequantized values, rotated in halves instead of permuted pairs).
  @Test func sameLogitsFromBothForms() throws {
    let tokens: [Int32] = [1, 17, 42, 99]
    let gguf = try ModelCheckpoint(path: Self.gguf).model(rotary: .runtime)
    let hf = try ModelCheckpoint(path: Self.hf).model(rotary: .runtime)
    let a = try gguf.logits(tokens: tokens, startPosition: 0, outputs: [3])[0]
    let b = try hf.logits(tokens: tokens, startPosition: 0, outputs: [3])[0]
    let scale = a.map(\.magnitude).max() ?? 1
    let worst = zip(a, b).map { ($0 - $1).magnitude }.max() ?? .infinity
    #expect(worst <= 1e-4 * scale)
  }

  enum Form: String, CaseIterable {
    case ggufZstd, ggufSplit, safetensorsBesideConfig, safetensorsZstd, huggingFaceFolder
  }

  /// Every form `inspect` opens gives the tiny llama, with the same embedding bytes.
  @Test(arguments: Form.allCases)
  func opensEveryForm(_ form: Form) throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path: String
    var reference = Self.gguf
    switch form {
    case .ggufZstd:
      path = "\(folder)/tiny-llama.gguf.zst"
      _ = try Checkpoint.open(Self.gguf).rewrite(to: path)
    case .ggufSplit:
      path = try Self.split(Self.gguf, into: folder)
    case .safetensorsBesideConfig:
      reference = Self.hf
      _ = try ModelFixtures.copy("hf/tiny-llama/config.json", into: folder)
      path = try ModelFixtures.copy("hf/tiny-llama/model.safetensors", into: folder)
    case .safetensorsZstd:
      reference = Self.hf
      _ = try ModelFixtures.copy("hf/tiny-llama/config.json", into: folder)
      path = "\(folder)/model.safetensors.zst"
      _ = try Checkpoint.open("\(Self.hf)/model.safetensors").rewrite(to: path)
    case .huggingFaceFolder:
      reference = Self.hf
      path = try ModelFixtures.copy("hf/tiny-llama", into: folder) + "/"
    }
    let opened = try ModelCheckpoint(path: path)
    let original = try ModelCheckpoint(path: reference)
    #expect(opened.path == path)
    #expect(opened.configuration == Self.expected)
    #expect(opened.format == original.format)
    #expect(opened.ropeSettings == original.ropeSettings)
    for (a, b) in zip(opened.weights.layers, original.weights.layers) {
      #expect(a.down.withUnsafeBytes { Array($0) } == b.down.withUnsafeBytes { Array($0) })
    }
    #expect(
      opened.weights.tokenEmbedding.withUnsafeBytes { Array($0) }
        == original.weights.tokenEmbedding.withUnsafeBytes { Array($0) })
  }

  /// Writes `source` as a two-shard GGUF split set (llama.cpp's `split.*` keys, model KVs in the
  /// first shard, tensors divided between both) and returns the first shard's path.
  static func split(_ source: String, into folder: String) throws -> String {
    let file = try GGUFFile(path: source)
    let half = file.tensors.count / 2
    let parts = [Array(file.tensors[..<half]), Array(file.tensors[half...])]
    var first = ""
    for (index, entries) in parts.enumerated() {
      let path = GGUFSplitSet.shardPath(prefix: folder + "/tiny", number: index + 1, of: 2)
      if index == 0 { first = path }
      var writer = try GGUFWriter(path: path, alignment: file.alignment)
      if index == 0 {
        for entry in file.metadata where entry.key != "general.alignment" {
          try writer.add(entry.key, entry.value)
        }
      }
      try writer.add("split.no", .uint16(UInt16(index)))
      try writer.add("split.count", .uint16(2))
      try writer.add("split.tensors.count", .int32(Int32(file.tensors.count)))
      for entry in entries {
        try writer.addTensor(
          entry.name, dtype: entry.dtype, shape: entry.shape,
          data: .tensor(entry, in: file.file))
      }
      try writer.write()
    }
    return first
  }

  @Test func bareSafetensorsNamesTheMissingConfig() throws {
    let folder = try ModelFixtures.folder()
    defer { ModelFixtures.cleanUp(folder) }
    let path = try ModelFixtures.copy("hf/tiny-llama/model.safetensors", into: folder)
    let error = try #require(throws: ModelError.self) { try ModelCheckpoint(path: path) }
    #expect(error.kind == .format)
    #expect(error.message.contains("no config.json beside"))
  }
}
