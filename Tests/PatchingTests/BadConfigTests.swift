import Formats
import Models
import Patching
import Testing

/// Each bad configuration is refused with its own kind, key and message, and never crashes.
@Suite("Bad scaling configurations")
struct BadConfigTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var json: String
    var kind: PatchError.Kind
    var key: String
    var message: String
    var testDescription: String { name }
  }

  static let path = "config.json"

  static let huggingFace: [Case] = [
    Case(
      name: "rope_scaling not an object",
      json: #"{"max_position_embeddings": 8192, "rope_scaling": "yarn"}"#,
      kind: .wrongType, key: "rope_scaling",
      message: #"'rope_scaling' must be an object or null, found string "yarn""#),
    Case(
      name: "no type at all",
      json: #"{"max_position_embeddings": 8192, "rope_scaling": {"factor": 4.0}}"#,
      kind: .missingKey, key: "rope_scaling.rope_type",
      message: "'rope_scaling.rope_type' (or 'type') is required: which scaling is this?"),
    Case(
      name: "type and rope_type disagree",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"type": "linear", "rope_type": "yarn", "factor": 4.0}}"#,
      kind: .inconsistent, key: "rope_scaling.type",
      message:
        #"'rope_scaling.type' ("linear") and 'rope_scaling.rope_type' ("yarn") disagree; transformers v4 takes 'type', v5 'rope_type'"#
    ),
    Case(
      name: "unknown type",
      json: #"{"rope_scaling": {"rope_type": "ntk-by-parts", "factor": 4.0}}"#,
      kind: .unknownType, key: "rope_scaling.rope_type",
      message:
        #"unknown rope_type "ntk-by-parts" in 'rope_scaling.rope_type'; Spindle reads "default", "linear", "dynamic", "yarn", "dynamic-yarn", "llama3", "longrope""#
    ),
    Case(
      name: "yarn without factor",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "original_max_position_embeddings": 2048}}"#,
      kind: .missingKey, key: "rope_scaling.factor",
      message: #"'rope_scaling.factor' is required for rope_type "yarn""#),
    Case(
      name: "yarn without original length",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}"#,
      kind: .missingKey, key: "rope_scaling.original_max_position_embeddings",
      message:
        #"'rope_scaling.original_max_position_embeddings' is required for rope_type "yarn" (the context the model was trained with)"#
    ),
    Case(
      name: "factor is a string",
      json: #"{"rope_scaling": {"type": "linear", "factor": "4"}}"#,
      kind: .wrongType, key: "rope_scaling.factor",
      message: #"'rope_scaling.factor' must be a number, found string "4""#),
    Case(
      name: "factor is a boolean",
      json: #"{"rope_scaling": {"type": "dynamic", "factor": true}}"#,
      kind: .wrongType, key: "rope_scaling.factor",
      message: "'rope_scaling.factor' must be a number, found boolean true"),
    Case(
      name: "factor below 1",
      json: #"{"rope_scaling": {"rope_type": "linear", "factor": 0.5}}"#,
      kind: .invalidValue, key: "rope_scaling.factor",
      message:
        "'rope_scaling.factor' must be >= 1 (a factor below 1 shrinks the context), found 0.5"),
    Case(
      name: "beta_fast not above beta_slow",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048, "beta_fast": 1.0, "beta_slow": 2.0}}"#,
      kind: .invalidValue, key: "rope_scaling.beta_fast",
      message: "'rope_scaling.beta_fast' must be > beta_slow (2), found 1"),
    Case(
      name: "negative beta_slow",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048, "beta_slow": -1.0}}"#,
      kind: .invalidValue, key: "rope_scaling.beta_slow",
      message: "'rope_scaling.beta_slow' must be > 0, found -1"),
    Case(
      name: "attention factor zero",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048, "attention_factor": 0}}"#,
      kind: .invalidValue, key: "rope_scaling.attention_factor",
      message: "'rope_scaling.attention_factor' must be > 0, found 0"),
    Case(
      name: "attention_factor and attn_factor disagree",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048, "attention_factor": 1.1, "attn_factor": 0.878}}"#,
      kind: .inconsistent, key: "rope_scaling.attn_factor",
      message:
        "'rope_scaling.attention_factor' (1.1) and 'rope_scaling.attn_factor' (0.878) disagree; transformers reads only attention_factor"
    ),
    Case(
      name: "original not below the context",
      json:
        #"{"max_position_embeddings": 4096, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}}"#,
      kind: .invalidValue, key: "rope_scaling.original_max_position_embeddings",
      message:
        "'rope_scaling.original_max_position_embeddings' (4096) must be below 'max_position_embeddings' (4096) when the factor is 4"
    ),
    Case(
      name: "context is not factor x original (Qwen3)",
      json:
        #"{"max_position_embeddings": 40960, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}"#,
      kind: .inconsistent, key: "max_position_embeddings",
      message:
        "'max_position_embeddings' (40960) is not factor × original (4 × 32768 = 131072); transformers v4.5x replaced the factor with their ratio, v5 warns and keeps the factor"
    ),
    Case(
      name: "fractional original length",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048.5}}"#,
      kind: .wrongType, key: "rope_scaling.original_max_position_embeddings",
      message:
        "'rope_scaling.original_max_position_embeddings' must be an integer, found number 2048.5"),
    Case(
      name: "context length is a string",
      json: #"{"max_position_embeddings": "8192"}"#,
      kind: .wrongType, key: "max_position_embeddings",
      message: #"'max_position_embeddings' must be an integer, found string "8192""#),
    Case(
      name: "llama3 without low_freq_factor",
      json:
        #"{"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192, "high_freq_factor": 4.0}}"#,
      kind: .missingKey, key: "rope_scaling.low_freq_factor",
      message: #"'rope_scaling.low_freq_factor' is required for rope_type "llama3""#),
    Case(
      name: "llama3 high not above low",
      json:
        #"{"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192, "low_freq_factor": 4.0, "high_freq_factor": 1.0}}"#,
      kind: .invalidValue, key: "rope_scaling.high_freq_factor",
      message: "'rope_scaling.high_freq_factor' must be > low_freq_factor (4), found 1"),
    Case(
      name: "rope_scaling and rope_parameters differ",
      json:
        #"{"rope_scaling": {"rope_type": "linear", "factor": 2.0}, "rope_parameters": {"rope_type": "linear", "factor": 4.0}}"#,
      kind: .inconsistent, key: "rope_scaling",
      message:
        "'rope_scaling' and 'rope_parameters' are both set and differ; transformers v5 takes 'rope_scaling', older code 'rope_parameters' (keep one)"
    ),
    Case(
      name: "per-layer dict without full_attention",
      json:
        #"{"rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}}"#,
      kind: .missingKey, key: "rope_parameters.full_attention",
      message:
        "'rope_parameters' is keyed by layer type (sliding_attention) but has no 'full_attention' entry to stamp"
    ),
    Case(
      name: "rope_theta inside rope_parameters too small",
      json: #"{"rope_parameters": {"rope_type": "default", "rope_theta": 1.0}}"#,
      kind: .invalidValue, key: "rope_parameters.rope_theta",
      message: "'rope_parameters.rope_theta' must be > 1, found 1"),
    Case(
      name: "truncate is a string",
      json:
        #"{"max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048, "truncate": "false"}}"#,
      kind: .wrongType, key: "rope_scaling.truncate",
      message: #"'rope_scaling.truncate' must be a boolean, found string "false""#),
    Case(
      name: "top-level and in-dict original differ",
      json:
        #"{"max_position_embeddings": 8192, "original_max_position_embeddings": 4096, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048}}"#,
      kind: .inconsistent, key: "original_max_position_embeddings",
      message:
        "top-level 'original_max_position_embeddings' (4096) and 'rope_scaling.original_max_position_embeddings' (2048) differ; transformers v5 takes the top-level one"
    ),
    Case(
      name: "longrope factors not a list",
      json:
        #"{"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "longrope", "short_factor": 1.0, "long_factor": [1.0]}}"#,
      kind: .wrongType, key: "rope_scaling.short_factor",
      message: "'rope_scaling.short_factor' must be an array of numbers, found number 1.0"),
    Case(
      name: "partial rotary factor above 1",
      json: #"{"partial_rotary_factor": 1.5}"#,
      kind: .invalidValue, key: "partial_rotary_factor",
      message: "'partial_rotary_factor' must be in (0, 1], found 1.5"),
  ]

  static let gguf: [Case] = [
    Case(
      name: "no architecture", json: "", kind: .missingKey, key: "general.architecture",
      message: "'general.architecture' is required: it prefixes every rope key"),
    Case(
      name: "no context length", json: "", kind: .missingKey, key: "llama.context_length",
      message: "'llama.context_length' is required (llama.cpp refuses to load without it)"),
    Case(
      name: "llama3 is no GGUF type", json: "", kind: .unknownType, key: "llama.rope.scaling.type",
      message:
        #"unknown 'llama.rope.scaling.type' "llama3"; llama.cpp knows "none", "linear", "yarn" and "longrope" (llama3 scaling is a rope_freqs tensor, not a type)"#
    ),
    Case(
      name: "factor stored as UINT32", json: "", kind: .wrongType, key: "llama.rope.scaling.factor",
      message: "'llama.rope.scaling.factor' must be FLOAT32 (as llama.cpp reads it), found UINT32 4"
    ),
    Case(
      name: "context length stored as INT64", json: "", kind: .wrongType,
      key: "llama.context_length",
      message: "'llama.context_length' must be UINT32 (as llama.cpp reads it), found INT64 8192"),
    Case(
      name: "factor below 1", json: "", kind: .invalidValue, key: "llama.rope.scaling.factor",
      message:
        "'llama.rope.scaling.factor' must be >= 1 (a factor below 1 shrinks the context), found 0.5"
    ),
    Case(
      name: "original above the context", json: "", kind: .invalidValue,
      key: "llama.rope.scaling.original_context_length",
      message:
        "'llama.rope.scaling.original_context_length' (16384) must be below 'llama.context_length' (8192) when the factor is 4"
    ),
    Case(
      name: "context not factor x original", json: "", kind: .inconsistent,
      key: "llama.context_length",
      message: "'llama.context_length' (10000) is not factor × original (4 × 2048 = 8192)"),
    Case(
      name: "betas out of order", json: "", kind: .invalidValue,
      key: "llama.rope.scaling.yarn_beta_fast",
      message: "'llama.rope.scaling.yarn_beta_fast' must be > yarn_beta_slow (8), found 4"),
    Case(
      name: "ext factor above 1", json: "", kind: .invalidValue,
      key: "llama.rope.scaling.yarn_ext_factor",
      message: "'llama.rope.scaling.yarn_ext_factor' must be in [0, 1] (or -1: unset), found 2"),
  ]

  /// A valid YaRN ×4 file's keys, which each GGUF case then breaks in one place.
  static let validGGUF: [String: GGUFValue] = [
    "general.architecture": .string("llama"),
    "llama.context_length": .uint32(8192),
    "llama.rope.freq_base": .float32(10000),
    "llama.rope.scaling.type": .string("yarn"),
    "llama.rope.scaling.factor": .float32(4),
    "llama.rope.scaling.original_context_length": .uint32(2048),
  ]

  static func broken(_ name: String) -> [String: GGUFValue] {
    var keys = validGGUF
    switch name {
    case "no architecture": keys["general.architecture"] = nil
    case "no context length": keys["llama.context_length"] = nil
    case "llama3 is no GGUF type": keys["llama.rope.scaling.type"] = .string("llama3")
    case "factor stored as UINT32": keys["llama.rope.scaling.factor"] = .uint32(4)
    case "context length stored as INT64": keys["llama.context_length"] = .int64(8192)
    case "factor below 1": keys["llama.rope.scaling.factor"] = .float32(0.5)
    case "original above the context":
      keys["llama.rope.scaling.original_context_length"] = .uint32(16384)
    case "context not factor x original": keys["llama.context_length"] = .uint32(10000)
    case "betas out of order":
      keys["llama.rope.scaling.yarn_beta_fast"] = .float32(4)
      keys["llama.rope.scaling.yarn_beta_slow"] = .float32(8)
    case "ext factor above 1": keys["llama.rope.scaling.yarn_ext_factor"] = .float32(2)
    default: break
    }
    return keys
  }

  @Test(arguments: huggingFace)
  func huggingFaceConfig(_ testCase: Case) throws {
    let config = try #require(try JSONValue.parse(testCase.json).object)
    let error = #expect(throws: PatchError.self) {
      try RoPESettings(huggingFace: config, path: Self.path)
    }
    #expect(error?.kind == testCase.kind)
    #expect(error?.key == testCase.key)
    #expect(error?.message == testCase.message)
    #expect(error?.description == "config.json: \(testCase.message) [\(testCase.kind.rawValue)]")
  }

  @Test(arguments: gguf)
  func ggufMetadata(_ testCase: Case) {
    let error = #expect(throws: PatchError.self) {
      try RoPESettings(ggufMetadata: Self.broken(testCase.name), path: "model.gguf")
    }
    #expect(error?.kind == testCase.kind)
    #expect(error?.key == testCase.key)
    #expect(error?.message == testCase.message)
  }

  @Test func everyMessageIsItsOwn() {
    let messages = (Self.huggingFace + Self.gguf).map(\.message)
    #expect(Set(messages).count == messages.count)
    #expect(messages.count >= 20)
  }

  /// Semantic problems are warnings under `force`; the values still read.
  @Test func forceTurnsValueErrorsIntoWarnings() throws {
    let config = try #require(
      try JSONValue.parse(
        #"{"max_position_embeddings": 40960, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}"#
      ).object)
    let settings = try RoPESettings(huggingFace: config, path: Self.path, force: true)
    #expect(settings.scaling == .yarn(factor: 4))
    #expect(settings.contextLength == 40960)
    #expect(settings.originalContextLength == 32768)
    #expect(
      settings.warnings == [
        "'max_position_embeddings' (40960) is not factor × original (4 × 32768 = 131072);"
          + " transformers v4.5x replaced the factor with their ratio, v5 warns and keeps the"
          + " factor (proceeding: --force)"
      ])
  }

  /// Type errors cannot be forced: there is no value to go on with.
  @Test func forceDoesNotForgiveTypeErrors() throws {
    let config = try #require(
      try JSONValue.parse(#"{"rope_scaling": {"type": "linear", "factor": "4"}}"#).object)
    #expect(throws: PatchError.self) {
      try RoPESettings(huggingFace: config, path: Self.path, force: true)
    }
  }
}
