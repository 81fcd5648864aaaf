import Formats
import Foundation
import Inference
import Models
import Testing

/// The loader on fixtures/architectures: tiny random models written by transformers and the
/// GGUFs llama.cpp's `convert_hf_to_gguf.py` made of them. Both forms must give the same
/// configuration and, role by role, the same values: the converter's Q/K permutation (llama),
/// `qkv_proj`/`gate_up_proj` kept fused (phi3) and `query_key_value` reordered from per-head to
/// `[Q; K; V]` (gptneox) are undone or split by the descriptions.
@Suite(
  "Architecture fixtures",
  .enabled(if: ModelFixtures.exists("architectures/summary.json"), "fixtures/architectures absent"))
struct ArchitectureFixtureTests {
  static let models = [
    "llama", "qwen2", "qwen3", "phi3", "phi3-longrope", "gptneox", "gptneox-sequential",
  ]

  static func config(_ model: String) throws -> JSONObject {
    let path = ModelFixtures.fixture("architectures/models/\(model)/config.json")
    return try #require(try JSONValue.parse(try ModelFixtures.text(path), path: path).object)
  }

  static func int(_ config: JSONObject, _ key: String) -> Int? { config[key]?.number?.int }

  @Test("transformers folder and converted GGUF load alike", arguments: models)
  func bothForms(_ model: String) throws {
    let hf = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/models/\(model)"))
    let gguf = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/gguf/\(model).gguf"))
    let config = try Self.config(model)
    #expect(hf.definition == gguf.definition)
    #expect(hf.configuration == gguf.configuration)
    let c = hf.configuration
    #expect(c.layerCount == Self.int(config, "num_hidden_layers"))
    #expect(c.embeddingLength == Self.int(config, "hidden_size"))
    #expect(c.feedForwardLength == Self.int(config, "intermediate_size"))
    #expect(c.headCount == Self.int(config, "num_attention_heads"))
    #expect(c.keyValueHeadCount == Self.int(config, "num_key_value_heads") ?? c.headCount)
    #expect(c.vocabularySize == Self.int(config, "vocab_size"))
    #expect(hf.rotaryConfiguration.rotaryDimension == gguf.rotaryConfiguration.rotaryDimension)
    #expect(hf.rotaryConfiguration.base == gguf.rotaryConfiguration.base)
    #expect(hf.weights.isOutputTied == gguf.weights.isOutputTied)
    #expect(hf.weights.isOutputTied == (config["tie_word_embeddings"]?.bool ?? false))
  }

  @Test("Every role holds the same values in both forms", arguments: models)
  func sameValuesByRole(_ model: String) throws {
    let hf = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/models/\(model)"))
    let gguf = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/gguf/\(model).gguf"))
    let c = hf.configuration
    func same(_ a: TensorView?, _ b: TensorView?, permutedHeads: Int? = nil) throws {
      #expect((a == nil) == (b == nil), "\(a?.name ?? "nil") vs \(b?.name ?? "nil")")
      guard let a, let b else { return }
      let converted = try permutedHeads.map { try QueryKeyPermutation.apply(a, heads: $0) } ?? a
      #expect(converted.shape == b.shape, "\(a.name) vs \(b.name)")
      #expect(try converted.floats() == b.floats(), "\(a.name) vs \(b.name)")
    }
    let permuted = gguf.rotaryLayout == .interleaved
    for (h, g) in zip(hf.weights.layers, gguf.weights.layers) {
      try same(h.query, g.query, permutedHeads: permuted ? c.headCount : nil)
      try same(h.key, g.key, permutedHeads: permuted ? c.keyValueHeadCount : nil)
      try same(h.value, g.value)
      try same(h.queryBias, g.queryBias)
      try same(h.keyBias, g.keyBias)
      try same(h.valueBias, g.valueBias)
      try same(h.attentionOutput, g.attentionOutput)
      try same(h.attentionOutputBias, g.attentionOutputBias)
      try same(h.attentionNorm, g.attentionNorm)
      try same(h.attentionNormBias, g.attentionNormBias)
      try same(h.queryNorm, g.queryNorm)
      try same(h.keyNorm, g.keyNorm)
      try same(h.feedForwardNorm, g.feedForwardNorm)
      try same(h.feedForwardNormBias, g.feedForwardNormBias)
      try same(h.gate, g.gate)
      try same(h.up, g.up)
      try same(h.upBias, g.upBias)
      try same(h.down, g.down)
      try same(h.downBias, g.downBias)
    }
    try same(hf.weights.tokenEmbedding, gguf.weights.tokenEmbedding)
    try same(hf.weights.output, gguf.weights.output)
    try same(hf.weights.outputNorm, gguf.weights.outputNorm)
    try same(hf.weights.outputNormBias, gguf.weights.outputNormBias)
  }

  @Test func phi3SplitsFusedProjections() throws {
    let hf = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/models/phi3"))
    let c = hf.configuration
    let layer = hf.weights.layers[0]
    #expect(layer.query.shape == [c.queryLength, c.embeddingLength])
    #expect(layer.key.shape == [c.keyValueLength, c.embeddingLength])
    #expect(layer.value.shape == [c.keyValueLength, c.embeddingLength])
    #expect(layer.gate?.shape == [c.feedForwardLength, c.embeddingLength])
    #expect(layer.up.shape == [c.feedForwardLength, c.embeddingLength])
    #expect(layer.query.name == "model.layers.0.self_attn.qkv_proj.weight[query]")
    #expect(layer.gate?.name == "model.layers.0.mlp.gate_up_proj.weight[gate]")
    // Row views of the mapping, no copy.
    guard case .mapped = layer.key.storage, case .mapped = layer.up.storage else {
      Issue.record("fused splits should be views of the mapped file")
      return
    }
  }

  @Test func gptNeoXRecipes() throws {
    for (model, residual, rotary) in [
      ("gptneox", BlockRecipe.Residual.parallel, 4), ("gptneox-sequential", .sequential, 8),
    ] {
      for path in ["architectures/models/\(model)", "architectures/gguf/\(model).gguf"] {
        let checkpoint = try ModelCheckpoint(path: ModelFixtures.fixture(path))
        #expect(checkpoint.configuration.recipe.normalization == .layer)
        #expect(checkpoint.configuration.recipe.residual == residual)
        #expect(checkpoint.configuration.recipe.feedForward == .gelu(.erf))
        #expect(checkpoint.rotaryConfiguration.rotaryDimension == rotary)
        #expect(checkpoint.rotaryLayout == .halves)
        #expect(checkpoint.weights.layers[0].gate == nil)
      }
    }
  }

  /// LongRoPE as each runtime reads it: the GGUF tables and `rope.scaling.attn_factor` the
  /// converter wrote (√(1 + ln 4 / ln 256)), the config's factors, and the table choice.
  @Test func phi3LongRoPE() throws {
    let config = try Self.config("phi3-longrope")
    let parameters = try #require(config["rope_parameters"]?.object)
    let long = try #require(parameters["long_factor"]?.array).compactMap { $0.number?.double }
    let short = try #require(parameters["short_factor"]?.array).compactMap { $0.number?.double }
    let gguf = try ModelCheckpoint(
      path: ModelFixtures.fixture("architectures/gguf/phi3-longrope.gguf"))
    let tables = try #require(gguf.longRoPETables)
    #expect(tables.long == long.map { Float($0) })
    #expect(tables.short == short.map { Float($0) })
    #expect(gguf.ropeAttentionFactor == Float((1 + log(4.0) / log(256.0)).squareRoot()))
    #expect(gguf.rotaryConfiguration.originalContextLength == 256)
    #expect(gguf.rotaryConfiguration.maxPositionEmbeddings == 1024)
    #expect(gguf.usesLongFactors(.context(1024)))
    #expect(!gguf.usesLongFactors(.context(256)))
    let hf = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/models/phi3-longrope"))
    guard case .longRoPE(let hfShort, let hfLong, _, _) = hf.ropeSettings.scaling else {
      Issue.record("phi3-longrope should read as LongRoPE, found \(hf.ropeSettings.scaling)")
      return
    }
    #expect(hfShort == short && hfLong == long)
    // llama.cpp by default (n_ctx = 1024 > 256) uses the long table; transformers below 257 the short.
    guard case .ggml(let kernel) = try gguf.rotary(.llamaCpp).angles else {
      Issue.record("llama.cpp rotary should be ggml's kernel")
      return
    }
    #expect(kernel.frequencyFactors == long.map { Float($0) })
    guard case .ggml(let shortKernel) = try gguf.rotary(.llamaCpp, longRoPE: .short).angles else {
      Issue.record("llama.cpp rotary should be ggml's kernel")
      return
    }
    #expect(shortKernel.frequencyFactors == short.map { Float($0) })
  }
}
