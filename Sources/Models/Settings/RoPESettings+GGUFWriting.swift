public import Formats
import RoPE

/// The GGUF form of a scaling: the key edits, and what the keys cannot carry.
public struct GGUFScalingMapping: Equatable, Sendable {
  /// Key sets and deletes, in llama.cpp's names and types.
  public var edits: [GGUFKeyEdit] = []
  /// Notes on how llama.cpp will treat the keys (printed as warnings).
  public var warnings: [String] = []
  /// Parts of the scaling llama.cpp will not apply from these keys; non-empty means the GGUF
  /// would run differently from the Hugging Face model, and `stamp` refuses.
  public var unexpressed: [String] = []
  /// LongRoPE's factor tensors, F32 `[n_rot/2]` each (`nil` for every other scaling, whose
  /// stamped file must not keep them).
  public var longRoPETables: GGUFLongRoPETables?
}

extension RoPESettings {
  /// The rope keys `stamp` owns, below `{arch}.`: set when the scaling uses them, deleted
  /// otherwise so no stale value survives a replacement.
  public static let ggufScalingKeys = [
    "rope.scaling.type", "rope.scaling.factor", "rope.scaling.original_context_length",
    "rope.scaling.attn_factor", "rope.scaling.yarn_log_multiplier",
    "rope.scaling.yarn_ext_factor", "rope.scaling.yarn_attn_factor",
    "rope.scaling.yarn_beta_fast", "rope.scaling.yarn_beta_slow", "rope.scale_linear",
  ]

  /// The GGUF keys for these settings, as llama.cpp's converter would write them and
  /// llama.cpp reads them back.
  ///
  /// Types are gguf-py's: `context_length` and `rope.scaling.original_context_length`
  /// `UINT32`, `rope.scaling.type` `STRING`, every factor and beta `FLOAT32`. Defaults are
  /// left out (betas 32/1, `yarn_ext_factor` 1). llama.cpp recomputes the YaRN attention factor
  /// from the factor (`g(s) = 1 + 0.1·ln s`) and ignores `yarn_attn_factor`; a different
  /// attention factor (explicit, or DeepSeek's `mscale` ratio) is therefore carried by the
  /// multiplier it does apply, `rope.scaling.attn_factor = attention_factor / g(s)`, next to
  /// `yarn_attn_factor` (the converter's copy, for readers that want the HF value).
  /// DeepSeek2 keeps its own path: `yarn_log_multiplier = 0.1 × mscale_all_dim`.
  ///
  /// - Parameter existing: the file's current metadata, to delete stale scaling keys.
  public func ggufMapping(
    architecture: String, existing: (String) -> GGUFValue? = { _ in nil }
  ) -> GGUFScalingMapping {
    let p = architecture + "."
    var mapping = GGUFScalingMapping()
    var sets: [(String, GGUFValue)] = []
    func set(_ key: String, _ value: GGUFValue) { sets.append((p + key, value)) }
    if let contextLength { set("context_length", .uint32(UInt32(clamping: contextLength))) }
    switch scaling {
    case .none:
      break
    case .linear(let factor):
      set("rope.scaling.type", .string("linear"))
      set("rope.scaling.factor", .float32(Float(factor)))
    case .yarn(let factor, let parameters):
      writeYaRN(factor: factor, parameters, architecture: architecture, set: set, &mapping)
    case .dynamicYaRN(let parameters):
      let factor = self.factor ?? 1
      writeYaRN(factor: factor, parameters, architecture: architecture, set: set, &mapping)
      mapping.unexpressed.append(
        "llama.cpp has no dynamic YaRN: it would run static YaRN ×\(PatchError.number(factor))"
          + " at every length")
    case .dynamicNTK:
      mapping.unexpressed.append(
        "llama.cpp has no dynamic NTK scaling (it runs static scalings only)")
    case .ntkAware:
      mapping.unexpressed.append(
        "llama.cpp has no NTK-aware type; it would need a changed rope.freq_base")
    case .llama3:
      mapping.unexpressed.append(
        "llama3 scaling needs the rope_freqs.weight tensor (θ_i / inv_freq_i), which GGUF keys"
          + " cannot hold; writing it arrives with --tables")
    case .longRoPE(let short, let long, _, _):
      guard LlamaCppGraph.reads(.longShortFactors, architecture: architecture) else {
        mapping.unexpressed.append(
          "llama.cpp's \(architecture) graph does not read the LongRoPE tensors"
            + " \(GGUFLongRoPETables.longName) and \(GGUFLongRoPETables.shortName) (it would"
            + " refuse the file: wrong number of tensors)")
        break
      }
      // convert_hf_to_gguf's Phi3MiniModel: no type key, the original length, the attention
      // factor (the only magnitude llama.cpp applies), and the two tables.
      if let originalContextLength {
        set(
          "rope.scaling.original_context_length", .uint32(UInt32(clamping: originalContextLength)))
      }
      if let attentionFactor = longRoPEAttentionFactor {
        set("rope.scaling.attn_factor", .float32(Float(attentionFactor)))
      }
      func table(_ values: [Double]) -> GGUFLongRoPETables.Table {
        .init(dtype: .f32, shape: [values.count], values: values.map { Float($0) })
      }
      mapping.longRoPETables = GGUFLongRoPETables(short: table(short), long: table(long))
    }
    let setKeys = Set(sets.map(\.0))
    mapping.edits = sets.map { GGUFKeyEdit.set($0.0, $0.1) }
    for suffix in Self.ggufScalingKeys where !setKeys.contains(p + suffix) {
      if existing(p + suffix) != nil { mapping.edits.append(.delete(p + suffix)) }
    }
    return mapping
  }

  private func writeYaRN(
    factor: Double, _ parameters: YaRNParameters, architecture: String,
    set: (String, GGUFValue) -> Void, _ mapping: inout GGUFScalingMapping
  ) {
    set("rope.scaling.type", .string("yarn"))
    set("rope.scaling.factor", .float32(Float(factor)))
    if let originalContextLength {
      set("rope.scaling.original_context_length", .uint32(UInt32(clamping: originalContextLength)))
    }
    if parameters.extrapolationFactor != 1 {
      set("rope.scaling.yarn_ext_factor", .float32(Float(parameters.extrapolationFactor)))
    }
    if parameters.betaFast != 32 {
      set("rope.scaling.yarn_beta_fast", .float32(Float(parameters.betaFast)))
    }
    if parameters.betaSlow != 1 {
      set("rope.scaling.yarn_beta_slow", .float32(Float(parameters.betaSlow)))
    }
    let ignored =
      (parameters.betaFast != 32 ? ["yarn_beta_fast"] : [])
      + (parameters.betaSlow != 1 ? ["yarn_beta_slow"] : [])
    if !ignored.isEmpty && !LlamaCppGraph.architecturesReadingYaRNBetas.contains(architecture) {
      mapping.warnings.append(
        "llama.cpp reads \(ignored.joined(separator: " and ")) only for"
          + " \(LlamaCppGraph.architecturesReadingYaRNBetas.sorted().joined(separator: " and ")); a \(architecture)"
          + " model runs with beta_fast 32 and beta_slow 1 whatever the file says (the keys are"
          + " written for other readers)")
    }
    if !parameters.truncate {
      mapping.warnings.append(
        "truncate=false cannot be expressed: ggml always rounds the YaRN correction range to"
          + " whole dimensions (floor/ceil)")
    }
    let computed = YaRNParameters.magnitude(factor: factor)
    let wanted = parameters.attentionFactor(factor: factor)
    if architecture == "deepseek2" {
      if let mscaleAllDim = parameters.mscaleAllDim, mscaleAllDim != 0 {
        set("rope.scaling.yarn_log_multiplier", .float32(Float(0.1 * mscaleAllDim)))
      }
      if let explicit = parameters.attentionFactor {
        mapping.unexpressed.append(
          "attention_factor \(PatchError.number(explicit)) cannot be expressed for deepseek2:"
            + " its graph derives the magnitude from yarn_log_multiplier")
      }
      return
    }
    guard (wanted / computed - 1).magnitude > 1e-9 else { return }
    let multiplier = wanted / computed
    set("rope.scaling.attn_factor", .float32(Float(multiplier)))
    if let explicit = parameters.attentionFactor {
      set("rope.scaling.yarn_attn_factor", .float32(Float(explicit)))
    }
    mapping.warnings.append(
      "llama.cpp recomputes the YaRN attention factor as 1 + 0.1·ln(s) ="
        + " \(Self.rounded(computed)) and ignores yarn_attn_factor; the wanted"
        + " \(Self.rounded(wanted)) is carried as rope.scaling.attn_factor ="
        + " \(Self.rounded(multiplier)), the multiplier llama.cpp applies on top")
  }

  /// These settings as a GGUF file holds them and ``init(gguf:force:)`` reads them back.
  ///
  /// LongRoPE's factors at F32 precision, no `factor` (GGUF has no such key: `s` is
  /// `context / original`), and the attention factor `nil` when it equals the default at F32
  /// precision. Other scalings are returned unchanged.
  public var ggufStoredForm: RoPESettings {
    guard case .longRoPE(let short, let long, _, _) = scaling else { return self }
    let stored = { (value: Double) in GGUFLongRoPETables.decimal(Float(value)) }
    var result = self
    result.scaling = .longRoPE(shortFactors: short.map(stored), longFactors: long.map(stored))
    if let wanted = longRoPEAttentionFactor,
      Float(wanted) != result.longRoPEAttentionFactor.map(Float.init)
    {
      result.scaling = .longRoPE(
        shortFactors: short.map(stored), longFactors: long.map(stored),
        attentionFactor: stored(wanted))
    }
    return result
  }

  /// LongRoPE's attention factor: the stated one, else `sqrt(1 + ln s / ln L)` with
  /// `s = factor ?? context / original` (`nil` for other scalings or unknown lengths).
  public var longRoPEAttentionFactor: Double? {
    guard case .longRoPE(_, _, _, let stated) = scaling else { return nil }
    if let stated { return stated }
    guard let factor, let originalContextLength else { return nil }
    return RoPEScaling.longRoPEAttentionFactor(
      factor: factor, originalContextLength: originalContextLength)
  }

  static func rounded(_ value: Double) -> String {
    let scaled = (value * 1e6).rounded() / 1e6
    return PatchError.number(scaled)
  }
}
