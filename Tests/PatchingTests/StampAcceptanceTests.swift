import Foundation
import Models
import TestSupport
import Testing

@testable import Formats
@testable import Patching
@testable import RoPE

/// The stamp acceptance records (`fixtures/stamp-acceptance`, made by `run.sh` with the real
/// transformers, gguf-py and llama.cpp) checked against what Spindle itself plans and computes.
///
/// Every expectation is derived here from Spindle's library (the recorded command → a
/// ``StampRequest`` → ``StampPlan``/``RoPESettings`` → ``RoPEScaling/frequencies(for:sequenceLength:)``
/// and ``GGMLRoPE``); the records only supply what the peers reported.
@Suite("Stamp acceptance: transformers, gguf-py and llama.cpp read the stamps as planned")
struct StampAcceptanceTests {
  // MARK: transformers

  @Test func transformersRecordIsComplete() throws {
    let record = try TransformersRecord.load()
    #expect(record.cases.count == 10)
    #expect(record.peers["transformers"] == "5.24.0")
  }

  /// The recorded config.json is exactly what `StampPlan` writes for the recorded command.
  @Test(arguments: try TransformersRecord.load().cases)
  func stampedConfigIsThePlannedOne(_ entry: TransformersRecord.Case) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let record = try TransformersRecord.load()
    let model = "\(folder)/model"
    try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
    let source =
      entry.source == "tiny"
      ? String(
        decoding: try Scratch.bytes(Repository.fixture("hf/tiny-llama/config.json")), as: UTF8.self)
      : record.smollm2Config
    try source.write(toFile: "\(model)/config.json", atomically: true, encoding: .utf8)
    let plan = try StampPlan(path: model, request: try stampRequest(entry.arguments))
    guard case .huggingFace(_, let patch) = plan.target else {
      Issue.record("not a Hugging Face plan")
      return
    }
    #expect(String(decoding: patch.edited, as: UTF8.self) == entry.config)
    #expect(entry.warnings.isEmpty, "transformers warned: \(entry.warnings)")
  }

  /// transformers' `inv_freq` and `attention_scaling` from the stamped config equal Spindle's
  /// tables from its own reading of that config.
  @Test(arguments: try TransformersRecord.load().cases)
  func transformersAgreesWithSpindle(_ entry: TransformersRecord.Case) throws {
    let json = try #require(try JSONValue.parse(entry.config).object)
    let settings = try RoPESettings(huggingFace: json, path: entry.name)
    #expect(entry.ropeType == settings.scaling.ropeType)
    let configuration = try #require(settings.rotaryConfiguration)
    let ours = try settings.scaling.frequencies(for: configuration)
    let theirs = try entry.inverseFrequencies()
    try #require(ours.inverseFrequencies.count == theirs.count)
    let distances = zip(ours.inverseFrequencies, theirs).map { ulpDistance($0, $1) }
    #expect(
      distances.max() ?? 0 <= Self.maximumULP[entry.name, default: 0],
      "ulp distances \(distances)")
    #expect(ours.attentionFactor == Float(entry.attentionScaling))
    #expect(ours.attentionFactor.bitPattern == (try entry.cosineAtZero()).bitPattern)
  }

  /// The measured agreement (max float32 ulp over the table), per case. Spindle rounds the Double
  /// result once; torch computes `base ** (arange/d)` and the divisions in float32, so about a
  /// third of the pairs differ by one ulp (the first pairs and the exactly interpolated ones are
  /// mostly bit-identical). The 2 is llama3's smoothed pair 5 of the tiny model, where torch also
  /// rounds the smoothing factor to float32 before blending.
  static let maximumULP: [String: Int] = [
    "tiny-yarn4": 1,
    "tiny-yarn8-orig1024-betas-attn": 1,
    "tiny-linear2": 1,
    "tiny-dynamic2": 1,
    "tiny-llama3-8": 2,
    "smollm2-yarn4": 1,
    "smollm2-yarn8-orig4096-betas-attn": 1,
    "smollm2-yarn2.5": 1,
    "smollm2-linear2": 1,
    "smollm2-llama3-8": 1,
  ]

  // MARK: gguf-py and llama.cpp

  @Test func llamaCppRecordIsComplete() throws {
    let record = try LlamaCppRecord.load()
    #expect(record.cases.count == 5)
    #expect(record.cases.contains { $0.name == "smollm2-yarn4" })
    #expect(record.sources.values.allSatisfy { $0.ropeMagnitudeAtZero == 1 })
  }

  /// gguf-py reads back exactly the keys Spindle plans, with their types, in file order.
  @Test(arguments: try LlamaCppRecord.load().cases)
  func ggufPyReadsThePlannedKeys(_ entry: LlamaCppRecord.Case) throws {
    let record = try LlamaCppRecord.load()
    let source = try #require(record.sources[entry.source])
    let (after, metadata) = try Self.plan(entry, source: source)
    let expected = metadata.filter { Self.isRopeKey($0.key) }
    #expect(expected.map(\.key) == entry.gguf.map(\.key))
    for (key, value) in expected {
      let read = try #require(entry.gguf.first { $0.key == key })
      #expect(read.type == value.typeName, "\(key)")
      #expect(read.matches(value), "\(key): gguf-py \(read.value) vs planned \(value)")
    }
    let context = try #require(after.contextLength)
    #expect(metadata.first { $0.key == "llama.context_length" }?.value == .uint32(UInt32(context)))
  }

  /// `spindle stamp` printed the plan's warnings, no more and no less.
  @Test(arguments: try LlamaCppRecord.load().cases)
  func stampWarnedAsPlanned(_ entry: LlamaCppRecord.Case) throws {
    let record = try LlamaCppRecord.load()
    let source = try #require(record.sources[entry.source])
    let warnings = try Self.planWarnings(entry, source: source)
    #expect(entry.spindleWarnings == warnings.map { "warning: \($0)" })
  }

  /// llama.cpp's load log shows the stamped context, scaling type, frequency scale and
  /// original context; its RoPE magnitude at position 0 is Spindle's attention factor.
  @Test(arguments: try LlamaCppRecord.load().cases)
  func llamaCppLogShowsTheStamp(_ entry: LlamaCppRecord.Case) throws {
    let record = try LlamaCppRecord.load()
    let source = try #require(record.sources[entry.source])
    let (after, metadata) = try Self.plan(entry, source: source)
    let log = entry.printInfo
    let factor = try #require(after.factor)
    let frequencyScale = 1 / Float(factor)  // llama.cpp: 1.0f / rope.scaling.factor
    let context = try #require(after.contextLength)
    let isYaRN: Bool
    switch after.scaling {
    case .yarn: isYaRN = true
    case .linear: isYaRN = false
    default:
      Issue.record("unexpected scaling \(after.scaling)")
      return
    }
    #expect(log["rope scaling"] == (isYaRN ? "yarn" : "linear"))
    #expect(log["n_ctx_train"] == String(context))
    #expect(log["freq_scale_train"].flatMap(Float.init) == frequencyScale)
    #expect(log["freq_scale_train"] == String(format: "%g", Double(frequencyScale)))
    #expect(entry.context["freq_scale"] == String(format: "%g", Double(frequencyScale)))
    #expect(log["freq_base_train"] == String(format: "%.1f", after.base ?? 10_000))
    // No original_context_length key (linear): llama.cpp falls back to n_ctx_train.
    let original = isYaRN ? try #require(after.originalContextLength) : context
    #expect(log["n_ctx_orig_yarn"] == String(original))
    #expect(log["rope_yarn_log_mul"] == "0.0000")

    // The magnitude on cos/sin at position 0: what llama_context resolves from these keys and
    // ggml's kernel applies, equal to the Hugging Face attention factor.
    let configuration = try #require(after.rotaryConfiguration)
    let wanted = try after.scaling.frequencies(for: configuration).attentionFactor
    let ropeAttentionFactor: Float =
      if case .float32(let value)? = metadata.first(where: {
        $0.key == "llama.rope.scaling.attn_factor"
      })?.value {
        value
      } else { 1 }
    let extrapolation: Float = isYaRN ? 1 : 0
    let kernel = GGMLRoPE(
      dimensionCount: configuration.rotaryDimension,
      originalContextLength: original, base: Float(after.base ?? 10_000),
      frequencyScale: frequencyScale, extrapolationFactor: extrapolation,
      attentionFactor: GGMLRoPE.llamaContextAttentionFactor(
        frequencyScale: frequencyScale, extrapolationFactor: extrapolation,
        ropeAttentionFactor: ropeAttentionFactor))
    let magnitude = try #require(kernel.rotations(atPosition: 0).first).magnitude
    #expect(abs(magnitude - wanted) <= 2 * wanted.ulp)
    // Measured on printed 4-decimal values, so to about 1e-3.
    #expect(abs(entry.ropeMagnitudeAtZero - Double(wanted)) <= 2e-3)
  }

  /// llama.cpp ignores stamped YaRN betas for llama (the warning above): SmolLM2 stamped with
  /// betas 8/4 gives the same RoPE output as with the defaults, though Spindle's (and
  /// transformers') table differs, while a changed original context does move the output.
  @Test func llamaCppIgnoresStampedBetas() throws {
    let record = try LlamaCppRecord.load()
    let sums = Dictionary(uniqueKeysWithValues: record.betaControl.map { ($0.name, $0.ropeSum) })
    #expect(sums.count == 3)
    #expect(sums["yarn8-betas-8-4"] == sums["yarn8"])
    #expect(sums["yarn8-orig4096"] != sums["yarn8"])
    let configuration = RotaryConfiguration(
      base: 100_000, headDimension: 64, maxPositionEmbeddings: 65536, originalContextLength: 8192)
    let defaults = try RoPEScaling.yarn(factor: 8).frequencies(for: configuration)
    let betas = try RoPEScaling.yarn(factor: 8, YaRNParameters(betaFast: 8, betaSlow: 4))
      .frequencies(for: configuration)
    #expect(defaults.inverseFrequencies != betas.inverseFrequencies)
    let stamped = RoPESettings(
      scaling: .yarn(factor: 8, YaRNParameters(betaFast: 8, betaSlow: 4)), contextLength: 65536,
      originalContextLength: 8192)
    #expect(
      stamped.ggufMapping(architecture: "llama").warnings.contains {
        $0.hasPrefix("llama.cpp reads yarn_beta_fast and yarn_beta_slow only for")
      })
  }

  // MARK: helpers

  /// What Spindle plans for a recorded GGUF case: its settings and the whole metadata, from
  /// gguf-py's reading of the unstamped file.
  static func plan(_ entry: LlamaCppRecord.Case, source: LlamaCppRecord.Source) throws
    -> (RoPESettings, [(key: String, value: GGUFValue)])
  {
    let original = try source.gguf.map { ($0.key, try $0.ggufValue()) }
    var index: [String: GGUFValue] = ["general.architecture": .string("llama")]
    for (key, value) in original { index[key] = value }
    let before = try RoPESettings(ggufMetadata: index, path: entry.name)
    var (after, _) = try StampPlan.resolve(
      before, request: try stampRequest(entry.arguments), path: entry.name,
      contextKey: "llama.context_length")
    after.base = before.base
    let mapping = after.ggufMapping(architecture: "llama", existing: { index[$0] })
    #expect(mapping.unexpressed.isEmpty)
    let metadata = mapping.edits.applied(
      to: original.map { (key: $0.0, value: $0.1) }, groupingPrefix: "llama.")
    return (after, metadata)
  }

  /// The warnings `spindle stamp` prints for a recorded GGUF case (resolution, then mapping).
  static func planWarnings(_ entry: LlamaCppRecord.Case, source: LlamaCppRecord.Source) throws
    -> [String]
  {
    var index: [String: GGUFValue] = ["general.architecture": .string("llama")]
    for key in source.gguf { index[key.key] = try key.ggufValue() }
    let before = try RoPESettings(ggufMetadata: index, path: entry.name)
    var (after, warnings) = try StampPlan.resolve(
      before, request: try stampRequest(entry.arguments), path: entry.name,
      contextKey: "llama.context_length")
    after.base = before.base
    return before.warnings + warnings
      + after.ggufMapping(architecture: "llama", existing: { index[$0] }).warnings
  }

  static func isRopeKey(_ key: String) -> Bool {
    key.contains(".rope.") || key.hasSuffix(".context_length")
  }
}

/// The `spindle stamp` options of a recorded command, as the CLI turns them into a request.
func stampRequest(_ arguments: [String]) throws -> StampRequest {
  var options: [String: String] = [:]
  var index = 0
  while index < arguments.count {
    options[arguments[index]] = arguments[index + 1]
    index += 2
  }
  func number(_ name: String) -> Double? { options[name].flatMap(Double.init) }
  let method: StampRequest.Method
  let factor: Double
  if let yarn = number("--yarn") {
    (method, factor) = (.yarn, yarn)
  } else {
    method = try #require(options["--rope"].flatMap(StampRequest.Method.init(rawValue:)))
    factor = try #require(number("--factor"))
  }
  return StampRequest(
    method: method, factor: factor,
    originalContextLength: options["--original-context"].flatMap { Int($0) },
    betaFast: number("--beta-fast"), betaSlow: number("--beta-slow"),
    attentionFactor: number("--attention-factor"))
}

func ulpDistance(_ a: Float, _ b: Float) -> Int {
  func ordered(_ x: Float) -> Int {
    let bits = Int(x.bitPattern & 0x7FFF_FFFF)
    return x.sign == .minus ? -bits : bits
  }
  return abs(ordered(a) - ordered(b))
}

func float32(hex: String) throws -> Float {
  Float(bitPattern: try #require(UInt32(hex.dropFirst(2), radix: 16)))
}

struct TransformersRecord: Decodable {
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var arguments: [String]
    var config: String
    var ropeType: String
    var inverseFrequencyBits: [String]
    var attentionScaling: Double
    var cosineAtZeroBits: String
    var warnings: [String]

    enum CodingKeys: String, CodingKey {
      case name, source, arguments, config, warnings
      case ropeType = "rope_type"
      case inverseFrequencyBits = "inv_freq"
      case attentionScaling = "attention_scaling"
      case cosineAtZeroBits = "cos_at_0"
    }

    func inverseFrequencies() throws -> [Float] { try inverseFrequencyBits.map(float32(hex:)) }
    func cosineAtZero() throws -> Float { try float32(hex: cosineAtZeroBits) }
    var testDescription: String { name }
  }

  struct SmolLM2: Decodable { var config: String }
  struct Sources: Decodable { var smollm2: SmolLM2 }

  var peers: [String: String]
  var sources: Sources
  var cases: [Case]

  var smollm2Config: String { sources.smollm2.config }

  static func load() throws -> TransformersRecord {
    try JSONDecoder().decode(
      TransformersRecord.self,
      from: Data(try Scratch.bytes(Repository.fixture("stamp-acceptance/transformers.json"))))
  }
}

struct LlamaCppRecord: Decodable {
  struct Key: Decodable, Sendable {
    enum Value: Decodable, Sendable, CustomStringConvertible {
      case number(Double)
      case text(String)
      init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
          self = .text(text)
        } else {
          self = .number(try container.decode(Double.self))
        }
      }
      var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let value): "\"\(value)\""
        }
      }
    }
    var key: String
    var type: String
    var value: Value
    var bits: String?

    /// The value as Spindle's GGUF model holds it (FLOAT32 from its bit pattern).
    func ggufValue() throws -> GGUFValue {
      switch (type, value) {
      case ("UINT32", .number(let number)): return .uint32(UInt32(number))
      case ("FLOAT32", _): return .float32(try float32(hex: try #require(bits)))
      case ("STRING", .text(let text)): return .string(text)
      default: throw RecordError("unexpected \(type) \(value) for \(key)")
      }
    }

    func matches(_ planned: GGUFValue) -> Bool { (try? ggufValue()) == planned }
  }

  struct Source: Decodable, Sendable {
    var gguf: [Key]
    var ropeMagnitudeAtZero: Double
    enum CodingKeys: String, CodingKey {
      case gguf = "gguf_py"
      case ropeMagnitudeAtZero = "rope_magnitude_at_0"
    }
  }

  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var arguments: [String]
    var spindleWarnings: [String]
    var gguf: [Key]
    var log: [String]
    var ropeMagnitudeAtZero: Double

    enum CodingKeys: String, CodingKey {
      case name, source, arguments
      case spindleWarnings = "spindle_warnings"
      case gguf = "gguf_py"
      case log = "llama_log"
      case ropeMagnitudeAtZero = "rope_magnitude_at_0"
    }

    /// `print_info: NAME = VALUE` lines of the load log.
    var printInfo: [String: String] { Self.fields(log, prefix: "print_info: ") }
    /// `llama_context: NAME = VALUE` lines.
    var context: [String: String] { Self.fields(log, prefix: "llama_context: ") }

    static func fields(_ lines: [String], prefix: String) -> [String: String] {
      var result: [String: String] = [:]
      for line in lines where line.hasPrefix(prefix) {
        let body = line.dropFirst(prefix.count)
        guard let equals = body.range(of: " = ") else { continue }
        let name = body[..<equals.lowerBound].trimmingCharacters(in: .whitespaces)
        result[name] = body[equals.upperBound...].trimmingCharacters(in: .whitespaces)
      }
      return result
    }

    var testDescription: String { name }
  }

  struct Control: Decodable, Sendable {
    var name: String
    var ropeSum: String
    enum CodingKeys: String, CodingKey {
      case name
      case ropeSum = "rope_sum"
    }
  }

  var peers: [String: String]
  var sources: [String: Source]
  var cases: [Case]
  var betaControl: [Control]

  enum CodingKeys: String, CodingKey {
    case peers, sources, cases
    case betaControl = "beta_control"
  }

  static func load() throws -> LlamaCppRecord {
    let data = Data(try Scratch.bytes(Repository.fixture("stamp-acceptance/llamacpp.json")))
    return try JSONDecoder().decode(LlamaCppRecord.self, from: data)
  }
}

struct RecordError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
