import Formats
public import Models
import RoPE

#if canImport(Glibc)
import Glibc
#endif

extension Runtime {
  /// What this runtime computes from `declaration`, following its ``rules``.
  ///
  /// Never throws: a config the runtime cannot load is a reading with a ``RuntimeReading/failure``
  /// (the runtime's own error, e.g. `KeyError: 'original_max_position_embeddings'`).
  public func reading(_ declaration: ScalingDeclaration) -> RuntimeReading {
    var reader = ScalingReader(runtime: self, declaration: declaration)
    return reader.read()
  }
}

/// The rope types the runtimes share, by their config names.
private enum ScalingType: String {
  case none = "default"
  case linear, dynamic, yarn, llama3
}

/// One runtime's pass over one declaration.
private struct ScalingReader {
  let runtime: Runtime
  let declaration: ScalingDeclaration
  var rules: RuntimeRules { runtime.rules }
  var reading: RuntimeReading

  init(runtime: Runtime, declaration: ScalingDeclaration) {
    self.runtime = runtime
    self.declaration = declaration
    reading = RuntimeReading(runtime: runtime, keysRead: [], keysIgnored: [], assumptions: [])
  }

  /// The dict the runtime's rules pick, if any.
  var dict: JSONObject? {
    switch rules.scalingDictionary {
    case .ropeScalingOnly: declaration.ropeScaling
    case .ropeScalingFirst: declaration.ropeScaling ?? declaration.ropeParameters
    case .ropeParametersFirst: declaration.ropeParameters ?? declaration.ropeScaling
    }
  }

  mutating func read() -> RuntimeReading {
    let dict = self.dict
    let unread = dict == nil ? (declaration.ropeParameters ?? declaration.ropeScaling) : nil
    let fromParameters = dict != nil && dict == declaration.ropeParameters
    let declaredBase =
      (fromParameters ? dict?["rope_theta"]?.number?.double : nil) ?? declaration.topLevelBase
    if declaredBase == nil {
      reading.assumptions.append(
        "rope_theta \(NumberText.compact(Self.configClassBase)) (the config class default)")
    }
    let partial =
      (fromParameters ? dict?["partial_rotary_factor"]?.number?.double : nil)
      ?? declaration.partialRotaryFactor
    guard let head = declaration.headDimension else {
      return failed("no head_dim (nor hidden_size / num_attention_heads) in the config")
    }
    guard let maxPositions = declaration.maxPositionEmbeddings else {
      return failed("no max_position_embeddings in the config")
    }
    guard (1...Limits.headDimension).contains(head) else {
      return failed("head_dim \(head) is outside 1…\(Limits.headDimension)")
    }
    guard (1...Limits.contextTokens).contains(maxPositions) else {
      return failed("max_position_embeddings \(maxPositions) is outside 1…\(Limits.contextTokens)")
    }
    var configuration = RotaryConfiguration(
      base: declaredBase ?? Self.configClassBase, headDimension: head,
      partialRotaryFactor: partial,
      maxPositionEmbeddings: maxPositions)
    var typeName = ScalingType.none.rawValue
    if let dict {
      let typeKeys = rules.typeKey == .typeFirst ? ["type", "rope_type"] : ["rope_type", "type"]
      typeName = typeKeys.lazy.compactMap { dict[$0]?.string }.first ?? typeName
    }
    if let modelType = declaration.modelType, rules.unscaledModelTypes.contains(modelType),
      let dict
    {
      reading.keysIgnored = dict.keys
      reading.unreadScaling = .modelClass(modelType)
      return unscaled(configuration)
    }
    guard let dict else {
      if let unread {
        reading.keysIgnored = unread.keys
        reading.unreadScaling = .dictionary(
          unread == declaration.ropeParameters ? "rope_parameters" : "rope_scaling")
      }
      return unscaled(configuration)
    }
    let isYaRNAlias = rules.yarnAliases.contains(typeName)
    guard let type = isYaRNAlias ? .yarn : ScalingType(rawValue: typeName) else {
      return failed("unknown rope type \"\(typeName)\"")
    }
    reading.scaling.ropeType = type.rawValue
    var read: Set<String> = ["type", "rope_type", "rope_theta", "partial_rotary_factor"]
    let scaling: RoPEScaling
    switch type {
    case .none:
      scaling = .none
    case .linear, .dynamic:
      read.insert("factor")
      guard let factor = dict["factor"]?.number?.double else { return failed(keyError("factor")) }
      scaling = type == .linear ? .linear(factor: factor) : .dynamicNTK(factor: factor)
      reading.scaling.factor = factor
    case .llama3:
      read.formUnion([
        "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings",
      ])
      let values = ["factor", "low_freq_factor", "high_freq_factor"].map {
        dict[$0]?.number?.double
      }
      guard let factor = values[0], let low = values[1], let high = values[2],
        let original = declaredOriginal(dict)
      else { return failed(keyError("factor, low_freq_factor, high_freq_factor or original")) }
      configuration.originalContextLength = original
      reading.scaling.originalContextLength = original
      reading.scaling.factor = factor
      scaling = .llama3(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high)
    case .yarn:
      read.insert("factor")
      read.formUnion(rules.yarnKeys)
      guard
        let (yarn, original) = yarnScaling(
          dict, maxPositions: maxPositions, configuration, isAlias: isYaRNAlias)
      else { return reading }
      configuration.originalContextLength = original
      scaling = yarn
    }
    reading.keysRead = dict.keys.filter { read.contains($0) && !Self.geometryKeys.contains($0) }
    reading.keysIgnored = dict.keys.filter { !read.contains($0) }
    reading.scaling.maxContext = maxContext(
      type: type, isAlias: isYaRNAlias, maxPositions: maxPositions)
    return tables(scaling, configuration)
  }

  /// The `rope_theta` the config classes fall back to when a runtime finds none.
  static let configClassBase = 10_000.0

  /// Keys of the dict that are geometry, not scaling; the type keys are listed as read.
  static let geometryKeys: Set<String> = ["rope_theta", "partial_rotary_factor"]

  /// The in-dict original context, else the top-level one.
  func declaredOriginal(_ dict: JSONObject) -> Int? {
    dict["original_max_position_embeddings"]?.number?.int ?? declaration.topLevelOriginalContext
  }

  func keyError(_ key: String) -> String { "KeyError: '\(key)' (the reader requires it)" }

  /// YaRN's scaling as the rules read it, and the original context; `nil` after a failure.
  mutating func yarnScaling(
    _ dict: JSONObject, maxPositions: Int, _ configuration: RotaryConfiguration, isAlias: Bool
  ) -> (RoPEScaling, Int)? {
    func number(_ key: String) -> Double? { dict[key]?.number?.double }
    let original: Int
    switch rules.originalContext {
    case .maxPositionEmbeddings:
      original = maxPositions
    case .declaredElseMaxPositionEmbeddings:
      if let declared = declaration.topLevelOriginalContext ?? declaredOriginal(dict) {
        original = declared
      } else {
        original = maxPositions
        reading.assumptions.append(
          "original_max_position_embeddings = max_position_embeddings (\(maxPositions))")
      }
    case .required:
      guard let declared = declaredOriginal(dict) else {
        reading = failed(keyError("original_max_position_embeddings"))
        return nil
      }
      original = declared
    }
    var factor = number("factor")
    if rules.factorFromLengths, dict["original_max_position_embeddings"] != nil {
      factor = Double(maxPositions) / Double(original)
    }
    if factor == nil, rules.missingFactorFromLengths {
      factor = Double(maxPositions) / Double(original)
      reading.assumptions.append("factor = max_position_embeddings / original")
    }
    guard let factor else {
      reading = failed(keyError("factor"))
      return nil
    }
    func beta(_ key: String, _ fallback: Double) -> Double {
      switch rules.betas {
      case .declaredOrDefault:
        guard let value = number(key), value != 0 else { return fallback }
        return value
      case .declared: return number(key) ?? fallback
      case .defaults: return fallback
      }
    }
    var parameters = YaRNParameters(betaFast: beta("beta_fast", 32), betaSlow: beta("beta_slow", 1))
    parameters.truncate = rules.readsTruncate ? dict["truncate"]?.bool ?? true : true
    if rules.readsExtrapolationFactor {
      parameters.extrapolationFactor = number("extrapolation_factor") ?? 1
    }
    switch rules.attentionFactor {
    case .declaredElseLogarithm:
      // `0.1 * math.log(factor) + 1`, without g's `s <= 1` guard.
      parameters.attentionFactor = number("attention_factor") ?? 0.1 * log(factor) + 1
    case .transformers:
      parameters.attentionFactor = number("attention_factor")
      parameters.mscale = number("mscale")
      parameters.mscaleAllDim = number("mscale_all_dim")
    case .logarithmTimesAttnFactor:
      parameters.attentionFactor =
        YaRNParameters.magnitude(factor: factor) * (number("attn_factor") ?? 1)
    case .logarithmOnly:
      break
    }
    if isAlias {
      // vLLM's DeepseekScalingRotaryEmbedding: g(s, mscale) / g(s, mscale_all_dim), defaults 1
      // and 0, times attn_factor where it is read; attention_factor is never read there.
      let ratio =
        YaRNParameters.magnitude(factor: factor, mscale: number("mscale") ?? 1)
        / YaRNParameters.magnitude(factor: factor, mscale: number("mscale_all_dim") ?? 0)
      let multiplier =
        rules.attentionFactor == .logarithmTimesAttnFactor ? number("attn_factor") ?? 1 : 1
      parameters.attentionFactor = ratio * multiplier
    }
    reading.scaling.factor = factor
    reading.scaling.originalContextLength = original
    reading.scaling.rounded = parameters.truncate
    var rotary = configuration
    rotary.originalContextLength = original
    reading.scaling.correctionRange = YaRNCorrectionRange(
      parameters: parameters, configuration: rotary)
    return (.yarn(factor: factor, parameters), original)
  }

  /// The default context the runtime serves.
  func maxContext(type: ScalingType, isAlias: Bool, maxPositions: Int) -> Int? {
    let factor = reading.scaling.factor
    // A factor no runtime could serve leaves the context unstated rather than overflowing.
    func times(_ length: Int) -> Int? { RuntimeReport.tokens(Double(length) * factor) }
    switch (rules.maxContext, runtime.family) {
    case (.maxPositionEmbeddings, .transformers): return nil
    case (.maxPositionEmbeddings, _): return maxPositions
    case (.vllmScaled, _):
      if type == .yarn && !isAlias {
        return times(reading.scaling.originalContextLength ?? maxPositions)
      }
      return [.linear, .dynamic, .yarn].contains(type) ? times(maxPositions) : maxPositions
    case (.vllmReworked, _):
      return [.linear, .dynamic].contains(type) ? times(maxPositions) : maxPositions
    }
  }

  /// The reading with the runtime's tables for `scaling`.
  mutating func tables(_ scaling: RoPEScaling, _ configuration: RotaryConfiguration)
    -> RuntimeReading
  {
    // Dynamic NTK is compared at the longest context it is stamped for.
    let length =
      RuntimeReport.tokens(
        Double(configuration.maxPositionEmbeddings) * max(reading.scaling.factor, 1))
      ?? configuration.maxPositionEmbeddings
    do throws(RoPEError) {
      switch rules.numerics {
      case .torch:
        let tables = try scaling.frequencies(for: configuration, sequenceLength: length)
        reading.scaling.inverseFrequencies = tables.inverseFrequencies.map(Double.init)
        reading.scaling.attentionFactor = scaling.attentionFactor(for: configuration)
      case .ggml:
        let ggml = try GGMLRoPE(
          scaling: scaling, configuration: configuration, sequenceLength: length)
        let rotations = ggml.rotations(atPosition: 1)
        reading.scaling.inverseFrequencies = rotations.map { Double($0.angle) }
        reading.scaling.attentionFactor = Double(rotations.first?.magnitude ?? 1)
        if case .yarn = scaling {
          let dimensions = ggml.correctionDimensions
          reading.scaling.correctionRange = YaRNCorrectionRange(
            low: Double(dimensions.low), high: Double(dimensions.high))
          reading.scaling.rounded = true
        }
      }
    } catch {
      return failed("\(error)")
    }
    return reading
  }

  mutating func unscaled(_ configuration: RotaryConfiguration) -> RuntimeReading {
    reading.scaling.ropeType = ScalingType.none.rawValue
    reading.scaling.maxContext =
      runtime.family == .transformers ? nil : configuration.maxPositionEmbeddings
    return tables(.none, configuration)
  }

  func failed(_ message: String) -> RuntimeReading {
    var result = reading
    result.failure = message
    return result
  }
}
