public import Models

/// What a person asked `stamp` to do, in their words: a method, a factor and optional
/// overrides; everything left `nil` is read from the model or defaulted.
public struct StampRequest: Hashable, Sendable {
  /// The scaling methods `stamp` writes.
  public enum Method: String, Hashable, Sendable, CaseIterable {
    /// YaRN (`rope_type: "yarn"`; with ``StampRequest/dynamic``, `"dynamic-yarn"`).
    case yarn
    /// Position interpolation (`"linear"`).
    case linear
    /// Dynamic NTK (`"dynamic"`).
    case dynamic
    /// Llama 3.1 scaling (`"llama3"`, low/high frequency factors 1 and 4).
    case llama3
    /// LongRoPE / Phi-3 (`"longrope"`), with ``StampRequest/shortFactors`` and
    /// ``StampRequest/longFactors``; GGUF: the `rope_factors_short`/`_long` tensors.
    case longrope
  }

  public var method: Method
  /// The scale factor `s`, at least 1.
  public var factor: Double
  /// The pre-training context; default: the model's (its scaling's original length, else its
  /// context length).
  public var originalContextLength: Int?
  /// The context after scaling; default: `original × factor` (dynamic NTK: the original, since
  /// transformers measures the sequence against `max_position_embeddings`).
  public var contextLength: Int?
  /// YaRN `beta_fast` (default 32).
  public var betaFast: Double?
  /// YaRN `beta_slow` (default 1).
  public var betaSlow: Double?
  /// YaRN or LongRoPE `attention_factor` (default: transformers' `1 + 0.1·ln s`, LongRoPE
  /// `sqrt(1 + ln s / ln L)`).
  public var attentionFactor: Double?
  /// LongRoPE's divisors within the original context, one per rotary pair.
  public var shortFactors: [Double] = []
  /// LongRoPE's divisors beyond the original context, one per rotary pair.
  public var longFactors: [Double] = []
  /// LongRoPE: the factor is `context / original` and not written (Phi-3's configs state
  /// none); ``factor`` is ignored and the context defaults to the model's.
  public var derivesFactor = false
  /// Dynamic YaRN instead of static.
  public var dynamic: Bool
  /// Overwrite a different scaling already in the model.
  public var replace: Bool
  /// Turn validation errors into warnings.
  public var force: Bool
  /// Bake the scaling into the checkpoint as tensors (``BakedRoPE``) instead of keys only.
  public var tables: Bool = false
  /// With ``tables``: fold the attention factor into the Q/K weights (portable mode).
  public var bakeAttention: Bool = false

  public init(
    method: Method, factor: Double, originalContextLength: Int? = nil,
    contextLength: Int? = nil, betaFast: Double? = nil, betaSlow: Double? = nil,
    attentionFactor: Double? = nil, dynamic: Bool = false, replace: Bool = false,
    force: Bool = false
  ) {
    self.method = method
    self.factor = factor
    self.originalContextLength = originalContextLength
    self.contextLength = contextLength
    self.betaFast = betaFast
    self.betaSlow = betaSlow
    self.attentionFactor = attentionFactor
    self.dynamic = dynamic
    self.replace = replace
    self.force = force
  }
}

extension StampRequest {
  /// The request that stamps again exactly the scaling `settings` declare: what
  /// `spindle tables` bakes.
  ///
  /// - Throws: ``PatchError/Kind/missingKey`` when the model declares no scaling;
  ///   ``PatchError/Kind/unsupported`` for a scaling `stamp` cannot write (see
  ///   ``init(stamping:path:)``).
  public init(restamping settings: RoPESettings, path: String) throws(PatchError) {
    if case .none = settings.scaling {
      throw PatchError(
        .missingKey, path: path,
        "the model declares no RoPE scaling to bake; stamp one with `spindle stamp --yarn"
          + " FACTOR --tables`")
    }
    try self.init(stamping: settings, path: path)
    tables = true
  }

  /// The request that stamps the scaling and lengths `settings` declare (`stamp --from-config`).
  ///
  /// - Throws: ``PatchError/Kind/missingKey`` when `settings` declare no scaling;
  ///   ``PatchError/Kind/unsupported`` for a scaling `stamp` cannot write (DeepSeek `mscale`,
  ///   llama3 with other frequency factors than 1 and 4, NTK-aware, dynamic ones).
  public init(stamping settings: RoPESettings, path: String) throws(PatchError) {
    func unsupported(_ what: String) -> PatchError {
      PatchError(.unsupported, path: path, "\(what) cannot be stamped by Spindle yet")
    }
    switch settings.scaling {
    case .none:
      throw PatchError(.missingKey, path: path, "\(path) declares no RoPE scaling")
    case .longRoPE(let short, let long, let factor, let attentionFactor):
      self.init(
        method: .longrope, factor: factor ?? settings.factor ?? 1,
        attentionFactor: attentionFactor)
      shortFactors = short
      longFactors = long
      derivesFactor = factor == nil
    case .yarn(let factor, let parameters):
      guard parameters.mscale == nil, parameters.mscaleAllDim == nil, parameters.truncate,
        parameters.extrapolationFactor == 1
      else { throw unsupported("YaRN with mscale, truncate false or an extrapolation factor") }
      self.init(
        method: .yarn, factor: factor, betaFast: parameters.betaFast,
        betaSlow: parameters.betaSlow, attentionFactor: parameters.attentionFactor)
    case .linear(let factor):
      self.init(method: .linear, factor: factor)
    case .llama3(let factor, let low, let high):
      guard low == 1, high == 4 else {
        throw unsupported("llama3 scaling with low/high frequency factors other than 1 and 4")
      }
      self.init(method: .llama3, factor: factor)
    case .dynamicYaRN, .dynamicNTK:
      throw PatchError(
        .unsupported, path: path,
        "\(settings.scaling.ropeType) recomputes its frequencies from the sequence length; a"
          + " baked table is static")
    case .ntkAware:
      throw unsupported(settings.scaling.ropeType)
    }
    originalContextLength = settings.originalContextLength
    contextLength = settings.contextLength
  }
}
