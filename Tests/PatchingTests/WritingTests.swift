import Formats
import Foundation
import Models
import Patching
import RoPE
import Testing

@Suite("Writing scaling configurations")
struct WritingTests {
  static func patch(_ text: String, _ settings: RoPESettings) throws -> String {
    var patch = try ConfigTextPatch(text: Array(text.utf8), path: "config.json")
    let config = try #require(try JSONValue.parse(text).object)
    for (key, value) in settings.huggingFaceMembers(for: config) { patch.set(key, value) }
    return String(decoding: patch.edited, as: UTF8.self)
  }

  static let yarn4 = RoPESettings(
    scaling: .yarn(factor: 4), contextLength: 16384, originalContextLength: 4096)

  /// Unsorted keys, four-space indentation: values replaced in place, a new key appended
  /// after the last member, nested keys in transformers' documented order.
  @Test func unsortedFourSpaceFile() throws {
    let text = """
      {
          "model_type": "mistral",
          "max_position_embeddings": 4096,
          "rope_theta": 10000.0,
          "vocab_size": 32000
      }

      """
    let expected = """
      {
          "model_type": "mistral",
          "max_position_embeddings": 16384,
          "rope_theta": 10000.0,
          "vocab_size": 32000,
          "rope_scaling": {
              "rope_type": "yarn",
              "factor": 4.0,
              "original_max_position_embeddings": 4096
          }
      }

      """
    #expect(try Self.patch(text, Self.yarn4) == expected)
  }

  /// One-line files stay one line, with their own separators.
  @Test func compactFile() throws {
    let text = #"{"max_position_embeddings":4096,"rope_scaling":null,"vocab_size":32000}"#
    let expected =
      #"{"max_position_embeddings":16384,"rope_scaling":{"factor":4.0,"original_max_position_embeddings":4096,"rope_type":"yarn"},"vocab_size":32000}"#
    #expect(try Self.patch(text, Self.yarn4) == expected)
  }

  /// Sorted keys (transformers' own output): a new key goes to its sorted place.
  @Test func sortedFileInsertsInOrder() throws {
    let text = """
      {
        "max_position_embeddings": 4096,
        "model_type": "llama",
        "vocab_size": 32000
      }
      """
    let expected = """
      {
        "max_position_embeddings": 16384,
        "model_type": "llama",
        "rope_scaling": {
          "factor": 4.0,
          "original_max_position_embeddings": 4096,
          "rope_type": "yarn"
        },
        "vocab_size": 32000
      }
      """
    #expect(try Self.patch(text, Self.yarn4) == expected)
  }

  /// A v5 `rope_parameters` dict keeps its theta; an old `type` spelling is kept. (Both files
  /// have sorted keys, so the new dicts are sorted too.)
  @Test func transformersV5AndLegacySpelling() throws {
    let v5 =
      #"{"max_position_embeddings": 4096, "rope_parameters": {"rope_theta": 500000.0, "rope_type": "default"}}"#
    #expect(
      try Self.patch(v5, Self.yarn4)
        == #"{"max_position_embeddings": 16384, "rope_parameters": {"factor": 4.0, "original_max_position_embeddings": 4096, "rope_theta": 500000.0, "rope_type": "yarn"}}"#
    )
    let legacy =
      #"{"max_position_embeddings": 8192, "rope_scaling": {"type": "linear", "factor": 2.0}}"#
    #expect(
      try Self.patch(legacy, Self.yarn4)
        == #"{"max_position_embeddings": 16384, "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 4096, "type": "yarn"}}"#
    )
  }

  @Test func ggufKeysAsLlamaCppNamesThem() {
    let settings = RoPESettings(
      scaling: .yarn(factor: 4, YaRNParameters(betaFast: 16, attentionFactor: 1.2)),
      contextLength: 8192, originalContextLength: 2048)
    let mapping = settings.ggufMapping(
      architecture: "llama",
      existing: { $0 == "llama.rope.scale_linear" ? .float32(2) : nil })
    #expect(
      mapping.edits == [
        .set("llama.context_length", .uint32(8192)),
        .set("llama.rope.scaling.type", .string("yarn")),
        .set("llama.rope.scaling.factor", .float32(4)),
        .set("llama.rope.scaling.original_context_length", .uint32(2048)),
        .set("llama.rope.scaling.yarn_beta_fast", .float32(16)),
        .set("llama.rope.scaling.attn_factor", .float32(Float(1.2 / (1 + 0.1 * log(4.0))))),
        .set("llama.rope.scaling.yarn_attn_factor", .float32(1.2)),
        .delete("llama.rope.scale_linear"),
      ])
    #expect(
      mapping.warnings == [
        "llama.cpp reads yarn_beta_fast only for grok and mistral3; a llama model runs with"
          + " beta_fast 32 and beta_slow 1 whatever the file says (the keys are written for other"
          + " readers)",
        "llama.cpp recomputes the YaRN attention factor as 1 + 0.1·ln(s) = 1.138629 and ignores"
          + " yarn_attn_factor; the wanted 1.2 is carried as rope.scaling.attn_factor = 1.053899,"
          + " the multiplier llama.cpp applies on top",
      ])
    #expect(mapping.unexpressed.isEmpty)
  }

  /// Only grok's and mistral3's loaders read the YaRN betas; elsewhere llama.cpp runs 32/1.
  @Test(arguments: [("llama", true), ("qwen2", true), ("grok", false), ("mistral3", false)])
  func yarnBetasWarnWhereLlamaCppIgnoresThem(architecture: String, warns: Bool) {
    let settings = RoPESettings(
      scaling: .yarn(factor: 4, YaRNParameters(betaFast: 16, betaSlow: 2)),
      contextLength: 8192, originalContextLength: 2048)
    let mapping = settings.ggufMapping(architecture: architecture)
    #expect(
      mapping.edits.contains(.set("\(architecture).rope.scaling.yarn_beta_slow", .float32(2))))
    #expect(
      mapping.warnings
        == (warns
          ? [
            "llama.cpp reads yarn_beta_fast and yarn_beta_slow only for grok and mistral3; a"
              + " \(architecture) model runs with beta_fast 32 and beta_slow 1 whatever the file"
              + " says (the keys are written for other readers)"
          ] : []))
    #expect(mapping.unexpressed.isEmpty)
  }

  /// llama.cpp's effective magnitude with those keys is the wanted attention factor.
  @Test func attentionFactorSurvivesLlamaCppResolution() {
    let multiplier = Float(1.2 / (1 + 0.1 * log(4.0)))
    let kernelInput = GGMLRoPE.llamaContextAttentionFactor(
      frequencyScale: 0.25, extrapolationFactor: 1, ropeAttentionFactor: multiplier)
    let net = kernelInput * (1 + 0.1 * log(Float(4)))
    #expect(abs(net - 1.2) < 1e-6)
  }

  @Test(arguments: [
    (
      RoPEScaling.llama3(factor: 8),
      "llama3 scaling needs the rope_freqs.weight tensor (θ_i / inv_freq_i), which GGUF keys"
        + " cannot hold; writing it arrives with --tables"
    ),
    (.dynamicNTK(factor: 2), "llama.cpp has no dynamic NTK scaling (it runs static scalings only)"),
    (
      .dynamicYaRN(),
      "llama.cpp has no dynamic YaRN: it would run static YaRN ×4 at every length"
    ),
  ])
  func ggufCannotExpress(scaling: RoPEScaling, reason: String) {
    let settings = RoPESettings(
      scaling: scaling, contextLength: 8192, originalContextLength: 2048)
    #expect(settings.ggufMapping(architecture: "llama").unexpressed == [reason])
  }

  @Test func truncateFalseWarns() {
    let settings = RoPESettings(
      scaling: .yarn(factor: 32, YaRNParameters(truncate: false)), contextLength: 131072,
      originalContextLength: 4096)
    let mapping = settings.ggufMapping(architecture: "gpt-oss")
    #expect(
      mapping.warnings == [
        "truncate=false cannot be expressed: ggml always rounds the YaRN correction range to whole"
          + " dimensions (floor/ceil)"
      ])
  }

  @Test func safetensorsMetadataKeys() {
    let metadata = Self.yarn4.safetensorsMetadata(updating: [("format", "pt")])
    #expect(metadata.map(\.key) == ["format", "max_position_embeddings", "rope_scaling"])
    #expect(metadata[1].value == "16384")
    #expect(
      metadata[2].value
        == #"{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":4096}"#)
  }
}
