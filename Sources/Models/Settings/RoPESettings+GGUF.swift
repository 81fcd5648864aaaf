public import Formats
import RoPE

extension RoPESettings {
  /// Reads the scaling from GGUF metadata the way llama.cpp's `llama_model::load_hparams`
  /// reads it, with gguf's exact types (`UINT32` lengths, `FLOAT32` factors, a `STRING` type).
  ///
  /// llama.cpp's defaults apply: `rope.scaling.type` absent means `linear`, a factor of 0 or
  /// absent means 1 (legacy `rope.scale_linear` is the fallback), the original length defaults
  /// to `context_length`, `yarn_ext_factor` -1 means 1 for YaRN. The YaRN attention factor is
  /// the one llama.cpp ends up with: `g(s)` (or the `yarn_log_multiplier` ratio) times
  /// `rope.scaling.attn_factor`; a `yarn_attn_factor` key (the converter's copy of HF's
  /// `attention_factor`) is reported as the attention factor, with a warning when llama.cpp
  /// would use something else.
  ///
  /// LongRoPE is read from `tables` (see ``GGUFLongRoPETables``): both tensors F32
  /// `[n_rot/2]` with finite positive values, in an architecture whose graph reads them, and no
  /// other runtime scaling beside them. The factor is `context_length / original_context_length`;
  /// the attention factor is `rope.scaling.attn_factor` (1 when absent, as llama.cpp), reported
  /// as `nil` when it is the default `sqrt(1 + ln s / ln L)` at F32 precision.
  ///
  /// - Throws: a missing architecture or context length, a key of the wrong type, an unknown
  ///   scaling type, a LongRoPE tensor of the wrong type or shape or with a non-positive value;
  ///   unless `force`, a factor below 1, an original length above the context, YaRN lengths
  ///   that disagree with the factor, betas out of order, one LongRoPE tensor without the other,
  ///   LongRoPE tensors in an architecture that does not read them or beside a runtime scaling.
  public init(
    ggufMetadata metadata: [String: GGUFValue], tables: GGUFLongRoPETables = .init(),
    path: String, force: Bool = false
  ) throws(PatchError) {
    var reader = GGUFScalingReader(
      lookup: { metadata[$0] }, tables: tables, path: path, log: ValidationLog(force: force))
    self = try reader.read()
  }

  /// Reads a GGUF file's scaling, its LongRoPE tensors included (see
  /// ``init(ggufMetadata:tables:path:force:)``).
  public init(gguf file: GGUFFile, force: Bool = false) throws(PatchError) {
    var index: [String: GGUFValue] = [:]
    for entry in file.metadata { index[entry.key] = entry.value }
    try self.init(
      ggufMetadata: index, tables: GGUFLongRoPETables(gguf: file), path: file.path, force: force)
  }

  /// The architecture prefix of a GGUF's keys, `general.architecture`.
  public static func ggufArchitecture(
    _ lookup: (String) -> GGUFValue?, path: String
  ) throws(PatchError) -> String {
    guard let value = lookup("general.architecture") else {
      throw PatchError(
        .missingKey, path: path, key: "general.architecture",
        "'general.architecture' is required: it prefixes every rope key")
    }
    guard case .string(let architecture) = value, !architecture.isEmpty else {
      throw PatchError(
        .wrongType, path: path, key: "general.architecture",
        "'general.architecture' must be a non-empty STRING, found \(value.typeName)"
          + " \(value.summary())")
    }
    return architecture
  }
}

/// The state of one read of GGUF metadata.
struct GGUFScalingReader {
  let lookup: (String) -> GGUFValue?
  let tables: GGUFLongRoPETables
  let path: String
  var log: ValidationLog

  mutating func read() throws(PatchError) -> RoPESettings {
    let architecture = try RoPESettings.ggufArchitecture(lookup, path: path)
    let p = architecture + "."
    guard let context = try uint32(p + "context_length", limit: Limits.contextTokens) else {
      throw PatchError(
        .missingKey, path: path, key: p + "context_length",
        "'\(p)context_length' is required (llama.cpp refuses to load without it)")
    }
    var settings = RoPESettings(scaling: .none, contextLength: context)
    settings.base = try float(p + "rope.freq_base") ?? 10_000
    settings.rotaryDimension = try uint32(p + "rope.dimension_count", limit: Limits.headDimension)
    settings.headDimension = try uint32(p + "attention.key_length", limit: Limits.headDimension)
    if settings.headDimension == nil, let embedding = try uint32(p + "embedding_length"),
      let heads = try uint32(p + "attention.head_count"), heads > 0
    {
      settings.headDimension = embedding / heads
      try PatchError.checkLimit(
        embedding / heads, key: p + "embedding_length / " + p + "attention.head_count", path: path,
        limit: Limits.headDimension)
    }
    if let dimension = settings.rotaryDimension, let head = settings.headDimension, head > 0 {
      settings.partialRotaryFactor = Double(dimension) / Double(head)
    }
    if let base = settings.base, !(base.isFinite && base > 1) {
      try log.reject(invalid(p + "rope.freq_base", expected: "> 1", found: base))
    }

    let typeKey = p + "rope.scaling.type"
    let type = try string(typeKey) ?? "linear"
    var factorKey = p + "rope.scaling.factor"
    var factor = try float(factorKey)
    if factor == nil, let legacy = try float(p + "rope.scale_linear") {
      factorKey = p + "rope.scale_linear"
      factor = legacy
    }
    let s = factor.flatMap { $0 == 0 ? nil : $0 } ?? 1
    if !(s.isFinite && s >= 1) {
      try log.reject(
        PatchError(
          .invalidValue, path: path, key: factorKey,
          "'\(factorKey)' must be >= 1 (a factor below 1 shrinks the context), found"
            + " \(PatchError.number(s))"))
    }
    let originalKey = p + "rope.scaling.original_context_length"
    let original = try uint32(originalKey, limit: Limits.contextTokens)
    settings.originalContextLength = original ?? context
    let ropeAttentionFactor = try float(p + "rope.scaling.attn_factor") ?? 1
    if !(ropeAttentionFactor.isFinite && ropeAttentionFactor > 0) {
      try log.reject(
        invalid(p + "rope.scaling.attn_factor", expected: "> 0", found: ropeAttentionFactor))
    }
    _ = try bool(p + "rope.scaling.finetuned")

    switch type {
    case "none":
      settings.scaling = .none
    case "linear":
      settings.scaling = s == 1 ? .none : .linear(factor: s)
      if original == nil, s != 1 {
        settings.originalContextLength = Int((Double(context) / s).rounded())
      }
    case "yarn":
      settings.scaling = .yarn(
        factor: s,
        try yarnParameters(
          prefix: p, factor: s, ropeAttentionFactor: ropeAttentionFactor,
          isDeepSeek2: architecture == "deepseek2"))
      let original = settings.originalContextLength ?? context
      if s > 1 && original >= context {
        try log.reject(
          PatchError(
            .invalidValue, path: path, key: originalKey,
            "'\(originalKey)' (\(original)) must be below '\(p)context_length' (\(context)) when"
              + " the factor is \(PatchError.number(s))"))
      } else if !RoPEScaling.isContext(context, factor: s, original: original) {
        try log.reject(
          PatchError(
            .inconsistent, path: path, key: p + "context_length",
            "'\(p)context_length' (\(context)) is not factor × original"
              + " (\(PatchError.number(s)) × \(original) = \(PatchError.number(s * Double(original))))"
          ))
      }
    case "longrope":
      // The tensors carry LongRoPE; the type alone changes nothing in llama.cpp.
      break
    default:
      throw PatchError(
        .unknownType, path: path, key: typeKey,
        "unknown '\(typeKey)' \"\(type)\"; llama.cpp knows \"none\", \"linear\", \"yarn\" and"
          + " \"longrope\" (llama3 scaling is a rope_freqs tensor, not a type)")
    }
    try readLongRoPE(
      into: &settings, architecture: architecture, type: type, factor: s,
      attentionFactor: ropeAttentionFactor)
    settings.warnings = log.warnings
    return settings
  }

  /// Reads LongRoPE from the factor tensors, or checks that a `longrope` type has them.
  mutating func readLongRoPE(
    into settings: inout RoPESettings, architecture: String, type: String, factor: Double,
    attentionFactor: Double
  ) throws(PatchError) {
    let p = architecture + "."
    let typeKey = p + "rope.scaling.type"
    guard let short = tables.short, let long = tables.long else {
      if tables.isEmpty {
        if type == "longrope" {
          try log.reject(
            PatchError(
              .missingKey, path: path, key: GGUFLongRoPETables.longName,
              "'\(typeKey)' is \"longrope\" but the file has no \(GGUFLongRoPETables.longName)"
                + " and \(GGUFLongRoPETables.shortName): llama.cpp would run unscaled"))
        }
        return
      }
      let (present, missing) =
        tables.long == nil
        ? (GGUFLongRoPETables.shortName, GGUFLongRoPETables.longName)
        : (GGUFLongRoPETables.longName, GGUFLongRoPETables.shortName)
      try log.reject(
        PatchError(
          .inconsistent, path: path, key: missing,
          "the file has \(present) but not \(missing): LongRoPE needs both (llama.cpp would use"
            + " no factors whenever it picks the missing one)"))
      return
    }
    guard LlamaCppGraph.reads(.longShortFactors, architecture: architecture) else {
      try log.reject(
        PatchError(
          .unsupported, path: path, key: GGUFLongRoPETables.longName,
          "llama.cpp's \(architecture) graph does not read \(GGUFLongRoPETables.longName) and"
            + " \(GGUFLongRoPETables.shortName); it refuses the file (wrong number of tensors)"))
      return
    }
    let runtimeScaling =
      switch type {
      case "none", "longrope": false
      case "linear": factor != 1
      default: true
      }
    if runtimeScaling {
      try log.reject(
        PatchError(
          .inconsistent, path: path, key: typeKey,
          "the file has LongRoPE factor tensors and '\(typeKey)' \"\(type)\" with factor"
            + " \(PatchError.number(factor)): llama.cpp applies both, scaling twice"))
    }
    let rotary = settings.rotaryDimension ?? settings.headDimension
    var factors: [[Double]] = []
    for (name, table) in [
      (GGUFLongRoPETables.shortName, short), (GGUFLongRoPETables.longName, long),
    ] {
      guard table.dtype == .f32, let values = table.values else {
        throw PatchError(
          .wrongType, path: path, key: name,
          "'\(name)' must be F32 (ggml_rope_ext takes F32 frequency factors), found"
            + " \(table.dtype.name)")
      }
      if let rotary, table.shape != [rotary / 2] {
        throw PatchError(
          .inconsistent, path: path, key: name,
          "'\(name)' must have shape [\(rotary / 2)] (n_rot/2 with n_rot \(rotary)), found"
            + " [\(table.shape.map(String.init).joined(separator: ", "))]")
      }
      if let index = values.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
        throw PatchError(
          .invalidValue, path: path, key: name,
          "'\(name)' must hold finite positive factors, found \(values[index]) at index \(index)")
      }
      factors.append(values.map(GGUFLongRoPETables.decimal))
    }
    let context = settings.contextLength ?? 0
    let original = settings.originalContextLength ?? context
    let scale = original > 0 ? Double(context) / Double(original) : 1
    let computed = RoPEScaling.longRoPEAttentionFactor(
      factor: scale, originalContextLength: original)
    settings.scaling = .longRoPE(
      shortFactors: factors[0], longFactors: factors[1], factor: nil,
      attentionFactor: Float(attentionFactor) == Float(computed) ? nil : attentionFactor)
  }

  mutating func yarnParameters(
    prefix p: String, factor: Double, ropeAttentionFactor: Double, isDeepSeek2: Bool
  ) throws(PatchError) -> YaRNParameters {
    var parameters = YaRNParameters()
    parameters.betaFast = try float(p + "rope.scaling.yarn_beta_fast") ?? 32
    parameters.betaSlow = try float(p + "rope.scaling.yarn_beta_slow") ?? 1
    if !(parameters.betaSlow.isFinite && parameters.betaSlow > 0) {
      try log.reject(
        invalid(p + "rope.scaling.yarn_beta_slow", expected: "> 0", found: parameters.betaSlow))
    }
    if !(parameters.betaFast.isFinite && parameters.betaFast > parameters.betaSlow) {
      try log.reject(
        invalid(
          p + "rope.scaling.yarn_beta_fast",
          expected: "> yarn_beta_slow (\(PatchError.number(parameters.betaSlow)))",
          found: parameters.betaFast))
    }
    let extrapolation = try float(p + "rope.scaling.yarn_ext_factor") ?? -1
    if extrapolation >= 0 {
      if extrapolation > 1 {
        try log.reject(
          invalid(
            p + "rope.scaling.yarn_ext_factor", expected: "in [0, 1] (or -1: unset)",
            found: extrapolation))
      }
      parameters.extrapolationFactor = extrapolation
    }
    // llama.cpp's magnitude: g(s), or the log-multiplier ratio, times rope.scaling.attn_factor.
    var logMultiplier = try float(p + "rope.scaling.yarn_log_multiplier") ?? 0
    if logMultiplier != 0 {
      if isDeepSeek2 { logMultiplier /= 0.1 }
      parameters.mscale = isDeepSeek2 && logMultiplier != 1 ? logMultiplier : 1
      parameters.mscaleAllDim = logMultiplier
    }
    let computed = parameters.attentionFactor(factor: factor) * ropeAttentionFactor
    if let stated = try float(p + "rope.scaling.yarn_attn_factor") {
      parameters.attentionFactor = stated
      if (stated - computed).magnitude > 1e-6 * computed {
        log.warn(
          "'\(p)rope.scaling.yarn_attn_factor' says \(PatchError.number(stated)) but llama.cpp"
            + " recomputes the YaRN attention factor and uses \(RoPESettings.rounded(computed))")
      }
    } else if ropeAttentionFactor != 1 {
      parameters.attentionFactor = computed
    }
    return parameters
  }

  // MARK: Typed access, as llama.cpp's get_key checks types

  func value(_ key: String, _ type: GGUFValueType) throws(PatchError) -> GGUFValue? {
    guard let value = lookup(key) else { return nil }
    guard value.type == type else {
      throw PatchError(
        .wrongType, path: path, key: key,
        "'\(key)' must be \(type.name) (as llama.cpp reads it), found \(value.typeName)"
          + " \(value.summary())")
    }
    return value
  }

  /// A `UINT32`; over `limit` (when given) is an error.
  func uint32(_ key: String, limit: Int? = nil) throws(PatchError) -> Int? {
    guard case .uint32(let number) = try value(key, .uint32) else { return nil }
    try PatchError.checkLimit(Int(number), key: key, path: path, limit: limit)
    return Int(number)
  }

  /// A `FLOAT32` as the decimal it was written from: `Float(1.2)` reads back as `1.2`.
  func float(_ key: String) throws(PatchError) -> Double? {
    guard case .float32(let number) = try value(key, .float32) else { return nil }
    return Double("\(number)") ?? Double(number)
  }

  func string(_ key: String) throws(PatchError) -> String? {
    guard case .string(let text) = try value(key, .string) else { return nil }
    return text
  }

  func bool(_ key: String) throws(PatchError) -> Bool? {
    guard case .bool(let flag) = try value(key, .bool) else { return nil }
    return flag
  }

  func invalid(_ key: String, expected: String, found: Double) -> PatchError {
    PatchError(
      .invalidValue, path: path, key: key,
      "'\(key)' must be \(expected), found \(PatchError.number(found))")
  }
}
