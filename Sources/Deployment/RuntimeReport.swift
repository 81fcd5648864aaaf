public import Formats
public import Models
import RoPE

/// What each runtime will apply for a config's rotary scaling, next to what the config
/// intends, and every disagreement with its cause and fix.
///
/// The intended scaling is Spindle's strict reading of the config (``Models/RoPESettings``;
/// YaRN's context is `original × factor`). A config that reading rejects (a YaRN dict without
/// `original_max_position_embeddings`, say) has no intended scaling: the readings are still
/// shown, and ``problem`` says why nothing can be compared.
public struct RuntimeReport: Sendable {
  public var declaration: ScalingDeclaration
  /// The scaling the config intends, as a runtime reading would state it.
  public var intended: AppliedScaling?
  /// Why there is no intended scaling.
  public var problem: String?
  public var readings: [RuntimeReading]
  public var findings: [RuntimeFinding]

  /// The largest relative difference of inverse frequencies a runtime may show and still
  /// agree: Float rounding and ggml's repeated multiplication stay within 1e-5.
  public static let frequencyTolerance = 1e-5

  /// Reads `config` as Spindle does and as each of `runtimes` does.
  public init(config: JSONObject, path: String, runtimes: [Runtime] = Runtime.catalog) {
    let declaration = ScalingDeclaration(config: config, path: path)
    self.declaration = declaration
    readings = runtimes.map { $0.reading(declaration) }
    findings = []
    do {
      let settings = try RoPESettings(
        huggingFace: Self.yarnForAliases(config), path: path, force: true)
      intended = try Self.intended(settings)
    } catch {
      problem = "\(error)"
    }
    if let intended {
      findings = readings.flatMap { Self.findings($0, intended: intended) }
    }
  }

  /// `config` with vLLM's YaRN type aliases (`deepseek_yarn`) named `yarn`, which is what
  /// they mean: the intended scaling of a config that only vLLM names.
  static func yarnForAliases(_ config: JSONObject) -> JSONObject {
    var copy = config
    for dictKey in ["rope_scaling", "rope_parameters"] {
      guard var dict = copy[dictKey]?.object else { continue }
      for typeKey in ["type", "rope_type"] where dict[typeKey]?.string == "deepseek_yarn" {
        dict[typeKey] = .string("yarn")
      }
      copy[dictKey] = .object(dict)
    }
    return copy
  }

  /// Whether every runtime applies the intended scaling (and there is one).
  public var agrees: Bool { intended != nil && findings.isEmpty }

  /// The largest relative difference between `reading`'s inverse frequencies and the intended.
  public func frequencyDifference(_ reading: RuntimeReading) -> Double? {
    guard let intended, reading.failure == nil,
      reading.scaling.inverseFrequencies.count == intended.inverseFrequencies.count
    else { return nil }
    return Self.largestRelativeDifference(
      reading.scaling.inverseFrequencies, intended.inverseFrequencies)
  }

  static func largestRelativeDifference(_ values: [Double], _ reference: [Double]) -> Double {
    zip(values, reference).map { ($0 - $1).magnitude / $1.magnitude }.max() ?? 0
  }

  static func intended(_ settings: RoPESettings) throws -> AppliedScaling {
    guard let head = settings.headDimension else {
      throw RoPEError.invalidValue(parameter: "head_dim", expected: "present", found: .nan)
    }
    let context = settings.contextLength ?? settings.originalContextLength ?? 0
    let configuration = RotaryConfiguration(
      base: settings.base ?? 10_000, headDimension: head,
      partialRotaryFactor: settings.partialRotaryFactor ?? 1, maxPositionEmbeddings: context,
      originalContextLength: settings.originalContextLength)
    let factor = settings.factor ?? 1
    let length = Self.tokens(Double(context) * max(factor, 1)) ?? context
    let tables = try settings.scaling.frequencies(for: configuration, sequenceLength: length)
    var intended = AppliedScaling()
    intended.ropeType = settings.scaling.ropeType
    intended.factor = factor
    intended.attentionFactor = settings.scaling.attentionFactor(for: configuration)
    intended.inverseFrequencies = tables.inverseFrequencies.map(Double.init)
    if case .yarn(let factor, let parameters) = settings.scaling {
      let original = configuration.originalContextLength
      intended.originalContextLength = original
      intended.rounded = parameters.truncate
      intended.correctionRange = YaRNCorrectionRange(
        parameters: parameters, configuration: configuration)
      intended.maxContext = Self.tokens((Double(original) * factor).rounded())
    } else if case .llama3 = settings.scaling {
      intended.originalContextLength = configuration.originalContextLength
    }
    return intended
  }

  static func findings(_ reading: RuntimeReading, intended: AppliedScaling) -> [RuntimeFinding] {
    let runtime = reading.runtime
    var result: [RuntimeFinding] = []
    func add(
      _ aspect: Runtime.Aspect, _ intendedText: String, _ found: String, _ cause: String,
      _ fix: String
    ) {
      let note = runtime.notes[aspect]
      result.append(
        RuntimeFinding(
          runtime: runtime, aspect: aspect, intended: intendedText, found: found,
          cause: note?.cause ?? cause, fix: note?.fix ?? fix))
    }
    let ignored = reading.keysIgnored.filter { !["original_max_position_embeddings"].contains($0) }
    let ignoring =
      ignored.isEmpty ? "" : " (it ignores \(ignored.map { "'\($0)'" }.joined(separator: ", ")))"
    if let failure = reading.failure {
      add(
        .load, "loads", "fails", "\(runtime.name) stops: \(failure)",
        "add the key to the scaling dict")
      return result
    }
    if reading.scaling.ropeType != intended.ropeType {
      if case .modelClass(let modelType) = reading.unreadScaling {
        result.append(
          RuntimeFinding(
            runtime: runtime, aspect: .scaling, intended: intended.ropeType,
            found: reading.scaling.ropeType,
            cause:
              "\(runtime.name)'s model class for model_type '\(modelType)' ignores the scaling",
            fix: "require a \(runtime.family.rawValue) whose \(modelType) model applies it"))
      } else {
        add(
          .scaling, intended.ropeType, reading.scaling.ropeType,
          "\(runtime.name) applies \(reading.scaling.ropeType)\(ignoring)",
          "require a newer \(runtime.family.rawValue)")
      }
      return result
    }
    if !nearlyEqual(reading.scaling.factor, intended.factor, 1e-9) {
      add(
        .factor, text(intended.factor), text(reading.scaling.factor),
        "\(runtime.name) computes another factor", "require a newer \(runtime.family.rawValue)")
    }
    if let original = intended.originalContextLength,
      let found = reading.scaling.originalContextLength,
      original != found
    {
      let assumed = reading.assumptions.contains {
        $0.hasPrefix("original_max_position_embeddings")
      }
      add(
        .originalContext, "\(original)", "\(found)",
        assumed
          ? "the config does not state original_max_position_embeddings; \(runtime.name) takes max_position_embeddings"
          : "\(runtime.name) measures YaRN against another original context",
        "state original_max_position_embeddings in the scaling dict")
    }
    // A range measured against another original context, or an attention factor of another
    // factor, follows from that finding and is not repeated.
    let originalDiffers = result.contains { $0.aspect == .originalContext }
    let factorDiffers = result.contains { $0.aspect == .factor }
    if !originalDiffers, let range = intended.correctionRange,
      let found = reading.scaling.correctionRange,
      !nearlyEqual(range.low, found.low, 1e-6) || !nearlyEqual(range.high, found.high, 1e-6)
    {
      let truncation = intended.rounded == false && reading.scaling.rounded == true
      let cause = "\(runtime.name) reads the betas otherwise\(ignoring)"
      let note = truncation ? runtime.notes[.correctionRange] : nil
      result.append(
        RuntimeFinding(
          runtime: runtime, aspect: .correctionRange, intended: rangeText(range, intended.rounded),
          found: rangeText(found, reading.scaling.rounded), cause: note?.cause ?? cause,
          fix: note?.fix ?? "state the betas the runtime reads, or bake the tables (spindle tables)"
        ))
    }
    if !factorDiffers, !nearlyEqual(reading.scaling.attentionFactor, intended.attentionFactor, 1e-6)
    {
      add(
        .attentionFactor, text(intended.attentionFactor), text(reading.scaling.attentionFactor),
        "\(runtime.name) computes another attention factor\(ignoring)",
        "state the attention factor in a key \(runtime.name) reads")
    }
    if let context = intended.maxContext, let found = reading.scaling.maxContext, context != found {
      add(
        .maxContext, "\(context)", "\(found)", "\(runtime.name) serves another context by default",
        "pass the intended context to the runtime")
    }
    if result.isEmpty, intended.inverseFrequencies.count == reading.scaling.inverseFrequencies.count
    {
      let difference = largestRelativeDifference(
        reading.scaling.inverseFrequencies, intended.inverseFrequencies)
      if difference > frequencyTolerance {
        add(
          .inverseFrequencies, "0", text(difference),
          "\(runtime.name) computes other inverse frequencies\(ignoring)",
          "bake the tables (spindle tables) so every runtime reads the same")
      }
    }
    return result
  }

  /// `count` as a token count, `nil` when no context could be that long (a factor of 1e300).
  static func tokens(_ count: Double) -> Int? {
    count.isFinite && count >= 0 && count < 0x1p62 ? Int(count) : nil
  }

  static func nearlyEqual(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    a == b || (a - b).magnitude <= tolerance * max(a.magnitude, b.magnitude)
  }

  /// A report figure: six significant digits, integers as integers.
  public static func text(_ value: Double) -> String { NumberText.compact(value) }

  /// `rounded [23, 40]`, `unrounded [8.09278, 17.398]`.
  public static func rangeText(_ range: YaRNCorrectionRange, _ rounded: Bool?) -> String {
    "\(rounded == false ? "unrounded" : "rounded") [\(text(range.low)), \(text(range.high))]"
  }
}

extension RuntimeReport {
  /// Reads the config at `path` (a `config.json`, or a folder holding one), with `whatIf`'s
  /// scaling written into it as `spindle stamp` would, when given.
  ///
  /// - Throws: `FormatError` when the file cannot be read or is not a JSON object.
  public init(
    configPath path: String, whatIf: RoPESettings? = nil, runtimes: [Runtime] = Runtime.catalog
  ) throws(FormatError) {
    var config = try HFConfig(path: path).json
    if let whatIf {
      for member in whatIf.huggingFaceMembers(for: config) { config[member.key] = member.value }
    }
    self.init(config: config, path: path, runtimes: runtimes)
  }
}

extension RuntimeReport {
  /// The report of a GGUF file: llama.cpp, its one runtime, against what the file intends.
  ///
  /// `settings` are the file's scaling as Spindle reads it (the `spindle.rope` record of baked
  /// tables included) and `attentionMultiplier` its `rope.scaling.attn_factor`, which
  /// llama.cpp multiplies into its own YaRN magnitude.
  public init(ggufSettings settings: RoPESettings, path: String, attentionMultiplier: Double) {
    declaration = ScalingDeclaration(config: JSONObject(), path: path)
    findings = []
    var reading = RuntimeReading(
      runtime: .llamaCppGGUF, keysRead: [], keysIgnored: [], assumptions: [])
    do {
      let intended = try Self.intended(settings)
      self.intended = intended
      let context = settings.contextLength ?? settings.originalContextLength ?? 0
      let configuration = RotaryConfiguration(
        base: settings.base ?? 10_000, headDimension: settings.headDimension ?? 0,
        partialRotaryFactor: settings.partialRotaryFactor ?? 1, maxPositionEmbeddings: context,
        originalContextLength: settings.originalContextLength)
      let ggml = try GGMLRoPE(
        scaling: settings.scaling, configuration: configuration,
        sequenceLength: Self.tokens(Double(context) * max(intended.factor, 1)) ?? context)
      let rotations = ggml.rotations(atPosition: 1)
      var applied = intended
      applied.inverseFrequencies = rotations.map { Double($0.angle) }
      applied.attentionFactor = Double(rotations.first?.magnitude ?? 1) * attentionMultiplier
      applied.maxContext = intended.maxContext == nil ? nil : context
      if intended.correctionRange != nil {
        let dimensions = ggml.correctionDimensions
        applied.correctionRange = YaRNCorrectionRange(
          low: Double(dimensions.low), high: Double(dimensions.high))
        applied.rounded = true
      }
      reading.scaling = applied
      readings = [reading]
      findings = Self.findings(reading, intended: intended)
    } catch {
      problem = "\(error)"
      reading.failure = "\(error)"
      readings = [reading]
    }
  }
}
