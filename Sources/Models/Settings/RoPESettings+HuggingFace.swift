public import Formats
import RoPE

extension RoPESettings {
  /// The `rope_type` values this reader understands, in messages.
  static let huggingFaceTypes = [
    "default", "linear", "dynamic", "yarn", "dynamic-yarn", "llama3", "longrope",
  ]

  /// Reads the scaling of a Hugging Face config: legacy `rope_scaling` (`type` or
  /// `rope_type`) or v5 `rope_parameters` (theta inside, per-layer-type dicts).
  ///
  /// Stricter than transformers, which only warns about most of this. Always errors: a
  /// scaling that is not an object, a missing type or required key, an unknown type, a value
  /// of the wrong type (strings, booleans, fractional lengths). Errors unless `force` (then
  /// warnings): `factor < 1`, `beta_fast <= beta_slow`, a non-positive attention factor,
  /// `original_max_position_embeddings >= max_position_embeddings`, YaRN's
  /// `max_position_embeddings != factor × original`, keys given twice with different values
  /// (`type` vs `rope_type`, `attention_factor` vs `attn_factor`, `rope_scaling` vs
  /// `rope_parameters`, top-level vs in-dict original length). Unknown keys are warnings.
  ///
  /// Of a per-layer-type dict the `full_attention` entry is read; the others are listed in
  /// ``otherLayerTypes``.
  public init(huggingFace config: JSONObject, path: String, force: Bool = false)
    throws(PatchError)
  {
    var reader = HuggingFaceScalingReader(config: config, path: path, force: force)
    self = try reader.read()
  }
}

/// The state of one read of a Hugging Face config.
struct HuggingFaceScalingReader {
  let config: JSONObject
  let path: String
  let form: HuggingFaceScalingForm
  var log: ValidationLog

  init(config: JSONObject, path: String, force: Bool) {
    self.config = config
    self.path = path
    self.form = HuggingFaceScalingForm(config: config)
    self.log = ValidationLog(force: force)
  }

  mutating func read() throws(PatchError) -> RoPESettings {
    let contextLength = try integer(
      config["max_position_embeddings"], "max_position_embeddings", limit: Limits.contextTokens)
    let topOriginal = try integer(
      config["original_max_position_embeddings"], "original_max_position_embeddings",
      limit: Limits.contextTokens)
    var settings = RoPESettings(scaling: .none, contextLength: contextLength)
    settings.headDimension = try headDimension()
    var dict: JSONObject? = nil
    if let found = try scalingDict() {
      dict = found.dict
      settings.otherLayerTypes = found.others
    }
    let prefix = form.dictPath + "."
    var baseKey = prefix + "rope_theta"
    settings.base = try number(dict?["rope_theta"], baseKey)
    if settings.base == nil {
      baseKey = "rope_theta"
      settings.base = try number(config["rope_theta"], baseKey)
    }
    settings.partialRotaryFactor =
      try number(dict?["partial_rotary_factor"], prefix + "partial_rotary_factor")
    if settings.partialRotaryFactor == nil {
      settings.partialRotaryFactor = try number(
        config["partial_rotary_factor"], "partial_rotary_factor")
    }
    try checkGeometry(settings, baseKey: baseKey)
    if let dict {
      try readScaling(dict, into: &settings, topOriginal: topOriginal)
    } else {
      settings.originalContextLength = topOriginal ?? contextLength
    }
    settings.warnings = log.warnings
    return settings
  }

  /// The scaling dict, or `nil` for none; for per-layer dicts the full-attention one.
  mutating func scalingDict() throws(PatchError) -> (dict: JSONObject, others: [String])? {
    let legacy = present(config["rope_scaling"])
    let parameters = present(config["rope_parameters"])
    if let legacy, let parameters, legacy != parameters {
      try log.reject(
        PatchError(
          .inconsistent, path: path, key: "rope_scaling",
          "'rope_scaling' and 'rope_parameters' are both set and differ; transformers v5 takes"
            + " 'rope_scaling', older code 'rope_parameters' (keep one)"))
    }
    guard let value = form.key == "rope_parameters" ? parameters : legacy else { return nil }
    guard case .object(let dict) = value else {
      throw wrongType(form.key, expected: "an object or null", found: value)
    }
    guard let layerType = form.layerType else { return (dict, []) }
    guard let inner = dict[layerType]?.object else {
      throw PatchError(
        .missingKey, path: path, key: form.dictPath,
        "'\(form.key)' is keyed by layer type (\(dict.keys.joined(separator: ", "))) but has no"
          + " '\(layerType)' entry to stamp")
    }
    let others = dict.keys.filter { $0 != layerType }
    if !others.isEmpty {
      log.warn(
        "'\(form.key)' also holds \(others.map { "'\($0)'" }.joined(separator: ", ")); only"
          + " '\(layerType)' is read and stamped")
    }
    return (inner, others)
  }

  mutating func readScaling(
    _ dict: JSONObject, into settings: inout RoPESettings, topOriginal: Int?
  ) throws(PatchError) {
    let prefix = form.dictPath + "."
    let type = try ropeType(dict, prefix: prefix)
    let known: Set<String> = ["rope_type", "type", "rope_theta", "partial_rotary_factor"]
    var expected: Set<String> = []
    func take(_ key: String) -> JSONValue? {
      expected.insert(key)
      guard let value = dict[key], value != .null else { return nil }
      return value
    }
    func required(_ key: String) throws(PatchError) -> JSONValue {
      guard let value = take(key) else {
        throw PatchError(
          .missingKey, path: path, key: prefix + key,
          "'\(prefix + key)' is required for rope_type \"\(type)\"")
      }
      return value
    }
    let contextLength = settings.contextLength
    var original = topOriginal
    func readOriginal(required isRequired: Bool) throws(PatchError) {
      let inDict = try integer(
        take("original_max_position_embeddings"), prefix + "original_max_position_embeddings",
        limit: Limits.contextTokens)
      if let topOriginal, let inDict, topOriginal != inDict {
        try log.reject(
          PatchError(
            .inconsistent, path: path, key: "original_max_position_embeddings",
            "top-level 'original_max_position_embeddings' (\(topOriginal)) and"
              + " '\(prefix)original_max_position_embeddings' (\(inDict)) differ; transformers v5"
              + " takes the top-level one"))
      }
      original = topOriginal ?? inDict
      if original == nil && isRequired {
        throw PatchError(
          .missingKey, path: path, key: prefix + "original_max_position_embeddings",
          "'\(prefix)original_max_position_embeddings' is required for rope_type \"\(type)\""
            + " (the context the model was trained with)")
      }
    }
    func factor(required isRequired: Bool = true) throws(PatchError) -> Double? {
      let value = isRequired ? try required("factor") : take("factor")
      guard let value else { return nil }
      let factor = try number(value, prefix + "factor") ?? 1
      if !(factor.isFinite && factor >= 1) {
        try log.reject(
          PatchError(
            .invalidValue, path: path, key: prefix + "factor",
            "'\(prefix)factor' must be >= 1 (a factor below 1 shrinks the context), found"
              + " \(PatchError.number(factor))"))
      }
      return factor
    }

    switch type {
    case "default":
      settings.scaling = .none
      original = topOriginal
    case "linear":
      let factor = try factor() ?? 1
      settings.scaling = .linear(factor: factor)
      // Linear scaling has no original length in transformers: it is the context ÷ factor.
      if original == nil, let contextLength, factor >= 1 {
        original = Int((Double(contextLength) / factor).rounded())
      }
    case "dynamic":
      settings.scaling = .dynamicNTK(factor: try factor() ?? 1)
      try readOriginal(required: false)
    case "yarn", "dynamic-yarn":
      let isDynamic = type == "dynamic-yarn"
      let factor = try factor(required: !isDynamic)
      try readOriginal(required: true)
      let parameters = try yarnParameters(dict, prefix: prefix, take: take)
      settings.scaling =
        isDynamic ? .dynamicYaRN(parameters) : .yarn(factor: factor ?? 1, parameters)
      if isDynamic {
        _ = take("finetuned")
        log.warn(
          "rope_type \"dynamic-yarn\" is jquesnelle's; transformers, vLLM and llama.cpp only run"
            + " static YaRN")
      }
      if let factor, let original, let contextLength {
        try checkLengths(
          factor: factor, original: original, context: contextLength, prefix: prefix,
          requireProduct: true)
      }
    case "llama3":
      let factor = try factor() ?? 1
      try readOriginal(required: true)
      let low = try number(try required("low_freq_factor"), prefix + "low_freq_factor") ?? 1
      let high = try number(try required("high_freq_factor"), prefix + "high_freq_factor") ?? 4
      if !(low.isFinite && low > 0) {
        try log.reject(
          invalid(prefix + "low_freq_factor", expected: "> 0", found: low))
      }
      if !(high.isFinite && high > low) {
        try log.reject(
          invalid(
            prefix + "high_freq_factor",
            expected: "> low_freq_factor (\(PatchError.number(low)))", found: high))
      }
      settings.scaling = .llama3(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high)
      if let original, let contextLength {
        try checkLengths(
          factor: factor, original: original, context: contextLength, prefix: prefix,
          requireProduct: false)
      }
    case "longrope":
      let short = try numbers(try required("short_factor"), prefix + "short_factor")
      let long = try numbers(try required("long_factor"), prefix + "long_factor")
      let factor = try factor(required: false)
      try readOriginal(required: false)
      let attention = try attentionFactor(dict, prefix: prefix, take: take)
      settings.scaling = .longRoPE(
        shortFactors: short, longFactors: long, factor: factor, attentionFactor: attention)
    default:
      throw PatchError(
        .unknownType, path: path, key: prefix + form.typeKey,
        "unknown rope_type \"\(type)\" in '\(prefix + form.typeKey)'; Spindle reads "
          + RoPESettings.huggingFaceTypes.map { "\"\($0)\"" }.joined(separator: ", "))
    }
    settings.originalContextLength = original ?? settings.contextLength
    let unknown = dict.keys.filter { !known.contains($0) && !expected.contains($0) }
    if !unknown.isEmpty {
      log.warn(
        "unrecognized key\(unknown.count == 1 ? "" : "s") "
          + unknown.map { "'\(prefix + $0)'" }.joined(separator: ", ")
          + " for rope_type \"\(type)\" (transformers ignores \(unknown.count == 1 ? "it" : "them"))"
      )
    }
  }

  mutating func ropeType(_ dict: JSONObject, prefix: String) throws(PatchError) -> String {
    let modern = try string(dict["rope_type"], prefix + "rope_type")
    let legacy = try string(dict["type"], prefix + "type")
    if let modern, let legacy, modern != legacy {
      try log.reject(
        PatchError(
          .inconsistent, path: path, key: prefix + "type",
          "'\(prefix)type' (\"\(legacy)\") and '\(prefix)rope_type' (\"\(modern)\") disagree;"
            + " transformers v4 takes 'type', v5 'rope_type'"))
    }
    if let type = modern ?? legacy { return type == "su" ? "longrope" : type }
    if form.key == "rope_parameters" { return "default" }
    throw PatchError(
      .missingKey, path: path, key: prefix + "rope_type",
      "'\(prefix)rope_type' (or 'type') is required: which scaling is this?")
  }

  mutating func yarnParameters(
    _ dict: JSONObject, prefix: String, take: (String) -> JSONValue?
  ) throws(PatchError) -> YaRNParameters {
    var parameters = YaRNParameters()
    if let betaFast = try number(take("beta_fast"), prefix + "beta_fast"), betaFast != 0 {
      parameters.betaFast = betaFast
    }
    if let betaSlow = try number(take("beta_slow"), prefix + "beta_slow"), betaSlow != 0 {
      parameters.betaSlow = betaSlow
    }
    if !(parameters.betaSlow.isFinite && parameters.betaSlow > 0) {
      try log.reject(invalid(prefix + "beta_slow", expected: "> 0", found: parameters.betaSlow))
    }
    if !(parameters.betaFast.isFinite && parameters.betaFast > parameters.betaSlow) {
      try log.reject(
        invalid(
          prefix + "beta_fast",
          expected: "> beta_slow (\(PatchError.number(parameters.betaSlow)))",
          found: parameters.betaFast))
    }
    parameters.mscale = try number(take("mscale"), prefix + "mscale")
    parameters.mscaleAllDim = try number(take("mscale_all_dim"), prefix + "mscale_all_dim")
    parameters.attentionFactor = try attentionFactor(dict, prefix: prefix, take: take)
    if let truncate = take("truncate") {
      guard case .bool(let value) = truncate else {
        throw wrongType(prefix + "truncate", expected: "a boolean", found: truncate)
      }
      parameters.truncate = value
    }
    if let extrapolation = try number(
      take("extrapolation_factor"), prefix + "extrapolation_factor")
    {
      if !(extrapolation >= 0 && extrapolation <= 1) {
        try log.reject(
          invalid(prefix + "extrapolation_factor", expected: "in [0, 1]", found: extrapolation))
      }
      parameters.extrapolationFactor = extrapolation
    }
    return parameters
  }

  /// `attention_factor`, or `attn_factor` as DeepSeek-R1 distills and old vLLM spell it.
  mutating func attentionFactor(
    _ dict: JSONObject, prefix: String, take: (String) -> JSONValue?
  ) throws(PatchError) -> Double? {
    let modern = try number(take("attention_factor"), prefix + "attention_factor")
    let short = try number(take("attn_factor"), prefix + "attn_factor")
    if let modern, let short, modern != short {
      try log.reject(
        PatchError(
          .inconsistent, path: path, key: prefix + "attn_factor",
          "'\(prefix)attention_factor' (\(PatchError.number(modern))) and '\(prefix)attn_factor'"
            + " (\(PatchError.number(short))) disagree; transformers reads only attention_factor"))
    } else if modern == nil, short != nil {
      log.warn(
        "'\(prefix)attn_factor' is read as attention_factor; transformers ignores 'attn_factor'"
          + " (only old vLLM and llama.cpp's converter read it)")
    }
    guard let value = modern ?? short else { return nil }
    if !(value.isFinite && value > 0) {
      try log.reject(
        invalid(
          prefix + (modern == nil ? "attn_factor" : "attention_factor"), expected: "> 0",
          found: value))
    }
    return value
  }

  /// `original < context`, and for YaRN `context == factor × original` (to within one).
  mutating func checkLengths(
    factor: Double, original: Int, context: Int, prefix: String, requireProduct: Bool
  ) throws(PatchError) {
    if factor > 1 && original >= context {
      try log.reject(
        PatchError(
          .invalidValue, path: path, key: prefix + "original_max_position_embeddings",
          "'\(prefix)original_max_position_embeddings' (\(original)) must be below"
            + " 'max_position_embeddings' (\(context)) when the factor is"
            + " \(PatchError.number(factor))"))
    } else if requireProduct && !RoPEScaling.isContext(context, factor: factor, original: original)
    {
      try log.reject(
        PatchError(
          .inconsistent, path: path, key: "max_position_embeddings",
          "'max_position_embeddings' (\(context)) is not factor × original"
            + " (\(PatchError.number(factor)) × \(original) ="
            + " \(PatchError.number(factor * Double(original)))); transformers v4.5x replaced the"
            + " factor with their ratio, v5 warns and keeps the factor"))
    }
  }

  mutating func headDimension() throws(PatchError) -> Int? {
    if let head = try integer(config["head_dim"], "head_dim", limit: Limits.headDimension) {
      return head
    }
    guard let hidden = try integer(config["hidden_size"], "hidden_size"),
      let heads = try integer(config["num_attention_heads"], "num_attention_heads"), heads > 0
    else { return nil }
    try PatchError.checkLimit(
      hidden / heads, key: "hidden_size / num_attention_heads", path: path,
      limit: Limits.headDimension)
    return hidden / heads
  }

  mutating func checkGeometry(_ settings: RoPESettings, baseKey: String) throws(PatchError) {
    if let base = settings.base, !(base.isFinite && base > 1) {
      try log.reject(invalid(baseKey, expected: "> 1", found: base))
    }
    if let head = settings.headDimension, head <= 0 {
      try log.reject(invalid("head_dim", expected: "a positive integer", found: Double(head)))
    }
    if let partial = settings.partialRotaryFactor, !(partial > 0 && partial <= 1) {
      try log.reject(invalid("partial_rotary_factor", expected: "in (0, 1]", found: partial))
    }
    for key in ["max_position_embeddings", "original_max_position_embeddings"] {
      if let value = try integer(config[key], key), value <= 0 {
        try log.reject(invalid(key, expected: "a positive integer", found: Double(value)))
      }
    }
  }

  // MARK: Typed access

  func present(_ value: JSONValue?) -> JSONValue? {
    guard let value, value != .null else { return nil }
    return value
  }

  func number(_ value: JSONValue?, _ key: String) throws(PatchError) -> Double? {
    guard let value = present(value) else { return nil }
    guard case .number(let number) = value else {
      throw wrongType(key, expected: "a number", found: value)
    }
    return number.double
  }

  /// An integer; over `limit` (when given) is an error.
  func integer(_ value: JSONValue?, _ key: String, limit: Int? = nil) throws(PatchError) -> Int? {
    guard let value = present(value) else { return nil }
    guard case .number(let number) = value, let integer = number.int else {
      throw wrongType(key, expected: "an integer", found: value)
    }
    try PatchError.checkLimit(integer, key: key, path: path, limit: limit)
    return integer
  }

  func string(_ value: JSONValue?, _ key: String) throws(PatchError) -> String? {
    guard let value = present(value) else { return nil }
    guard case .string(let text) = value else {
      throw wrongType(key, expected: "a string", found: value)
    }
    return text
  }

  func numbers(_ value: JSONValue, _ key: String) throws(PatchError) -> [Double] {
    guard case .array(let elements) = value else {
      throw wrongType(key, expected: "an array of numbers", found: value)
    }
    var result: [Double] = []
    for element in elements {
      guard case .number(let number) = element else {
        throw wrongType(key, expected: "an array of numbers", found: element)
      }
      result.append(number.double)
    }
    return result
  }

  func wrongType(_ key: String, expected: String, found: JSONValue) -> PatchError {
    let shown =
      switch found {
      case .number(let number): "number \(number.text)"
      case .string(let text): "string \"\(text.prefix(40))\""
      case .bool(let value): "boolean \(value)"
      default: found.typeName
      }
    return PatchError(
      .wrongType, path: path, key: key, "'\(key)' must be \(expected), found \(shown)")
  }

  func invalid(_ key: String, expected: String, found: Double) -> PatchError {
    PatchError(
      .invalidValue, path: path, key: key,
      "'\(key)' must be \(expected), found \(PatchError.number(found))")
  }
}
