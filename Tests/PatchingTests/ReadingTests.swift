import Formats
import Models
import Patching
import RoPE
import Testing

@Suite("Reading scaling configurations")
struct ReadingTests {
  static func settings(_ json: String, force: Bool = false) throws -> RoPESettings {
    let config = try #require(try JSONValue.parse(json).object)
    return try RoPESettings(huggingFace: config, path: "config.json", force: force)
  }

  @Test func qwenLegacyType() throws {
    let settings = try Self.settings(
      #"{"max_position_embeddings": 131072, "rope_theta": 1000000.0, "hidden_size": 5120, "num_attention_heads": 40, "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}}"#
    )
    #expect(settings.scaling == .yarn(factor: 4))
    #expect(settings.contextLength == 131072)
    #expect(settings.originalContextLength == 32768)
    #expect(settings.base == 1_000_000)
    #expect(settings.headDimension == 128)
    #expect(settings.warnings.isEmpty)
    #expect(settings.summary == "yarn ×4 (original 32768 → 131072)")
  }

  @Test func deepSeekDistillAttnFactorSpelling() throws {
    let settings = try Self.settings(
      #"{"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768, "attn_factor": 0.8782488562869419}}"#
    )
    #expect(
      settings.scaling == .yarn(factor: 4, YaRNParameters(attentionFactor: 0.8782488562869419)))
    #expect(
      settings.warnings == [
        "'rope_scaling.attn_factor' is read as attention_factor; transformers ignores"
          + " 'attn_factor' (only old vLLM and llama.cpp's converter read it)"
      ])
  }

  @Test func llama31() throws {
    let settings = try Self.settings(
      #"{"max_position_embeddings": 131072, "rope_theta": 500000.0, "head_dim": 128, "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}}"#
    )
    #expect(settings.scaling == .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4))
    #expect(settings.originalContextLength == 8192)
    #expect(settings.rotaryConfiguration?.rotaryDimension == 128)
  }

  @Test func transformersV5PerLayerType() throws {
    let settings = try Self.settings(
      #"{"max_position_embeddings": 32768, "head_dim": 256, "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0}, "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}}"#
    )
    #expect(settings.scaling == .linear(factor: 8))
    #expect(settings.base == 1_000_000)
    #expect(settings.otherLayerTypes == ["sliding_attention"])
    #expect(
      settings.warnings == [
        "'rope_parameters' also holds 'sliding_attention'; only 'full_attention' is read and"
          + " stamped"
      ])
  }

  @Test func transformersV5DefaultAndUnknownKeys() throws {
    let settings = try Self.settings(
      #"{"max_position_embeddings": 4096, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "rope_freq": 3}}"#
    )
    #expect(settings.scaling == .none)
    #expect(settings.originalContextLength == 4096)
    #expect(
      settings.warnings == [
        #"unrecognized key 'rope_parameters.rope_freq' for rope_type "default" (transformers ignores it)"#
      ])
  }

  @Test func ggufDefaultsAsLlamaCppReadsThem() throws {
    let linear = try RoPESettings(
      ggufMetadata: [
        "general.architecture": .string("llama"), "llama.context_length": .uint32(8192),
        "llama.rope.scale_linear": .float32(4),
      ], path: "m.gguf")
    #expect(linear.scaling == .linear(factor: 4))
    #expect(linear.originalContextLength == 2048)
    #expect(linear.base == 10_000)
    let plain = try RoPESettings(
      ggufMetadata: [
        "general.architecture": .string("qwen2"), "qwen2.context_length": .uint32(32768),
        "qwen2.rope.freq_base": .float32(1_000_000),
      ], path: "m.gguf")
    #expect(plain.scaling == .none)
    #expect(plain.contextLength == 32768)
  }

  /// A `yarn_attn_factor` llama.cpp would not use is reported with the value it does use.
  @Test func ggufIgnoredYaRNAttentionFactor() throws {
    let settings = try RoPESettings(
      ggufMetadata: [
        "general.architecture": .string("qwen3"), "qwen3.context_length": .uint32(131072),
        "qwen3.rope.scaling.type": .string("yarn"), "qwen3.rope.scaling.factor": .float32(4),
        "qwen3.rope.scaling.original_context_length": .uint32(32768),
        "qwen3.rope.scaling.yarn_attn_factor": .float32(0.878),
      ], path: "m.gguf")
    #expect(settings.scaling == .yarn(factor: 4, YaRNParameters(attentionFactor: 0.878)))
    #expect(
      settings.warnings == [
        "'qwen3.rope.scaling.yarn_attn_factor' says 0.878 but llama.cpp recomputes the YaRN"
          + " attention factor and uses 1.138629"
      ])
  }

  @Test func ggufDeepSeek2LogMultiplier() throws {
    let settings = try RoPESettings(
      ggufMetadata: [
        "general.architecture": .string("deepseek2"), "deepseek2.context_length": .uint32(163840),
        "deepseek2.rope.scaling.type": .string("yarn"),
        "deepseek2.rope.scaling.factor": .float32(40),
        "deepseek2.rope.scaling.original_context_length": .uint32(4096),
        "deepseek2.rope.scaling.yarn_log_multiplier": .float32(0.0707),
      ], path: "m.gguf")
    guard case .yarn(40, let parameters) = settings.scaling else {
      Issue.record("not YaRN ×40: \(settings.scaling)")
      return
    }
    #expect(abs((parameters.mscaleAllDim ?? 0) - 0.707) < 1e-6)
    #expect(parameters.mscale == parameters.mscaleAllDim)
    #expect(parameters.attentionFactor(factor: 40) == 1)
  }
}
