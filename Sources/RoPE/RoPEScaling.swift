/// A RoPE scaling method with its parameters, one case per transformers `rope_type`
/// (plus the two methods transformers lacks: static NTK-aware and dynamic YaRN).
///
/// Compute the tables with ``frequencies(for:sequenceLength:)``; each case documents its formula
/// and the reference function it reproduces. Notation: `d` rotary dimension, `b` base,
/// `θ_i = b^(-2i/d)`, `s` factor, `L` original context length, `L'` max position embeddings,
/// `l` current sequence length, `g(s, m) = s <= 1 ? 1 : 1 + 0.1·m·ln(s)`.
public enum RoPEScaling: Hashable, Sendable {
  /// No scaling (`rope_type: "default"`, GGUF `none`):
  ///
  /// ```
  /// inv_i = θ_i            attention_factor = 1
  /// ```
  ///
  /// transformers `_compute_default_rope_parameters` (v5: each model's
  /// `compute_default_rope_parameters`).
  case none

  /// Position interpolation (PI, `rope_type: "linear"`, GGUF `linear`):
  ///
  /// ```
  /// inv_i = θ_i / s        attention_factor = 1
  /// ```
  ///
  /// transformers `_compute_linear_scaling_rope_parameters`.
  case linear(factor: Double)

  /// Static NTK-aware scaling: a larger base, so the last pair is divided by exactly `s` and the
  /// first pair is unchanged (YaRN paper Eq. 14–16; jquesnelle `LlamaNTKScaledRotaryEmbedding`):
  ///
  /// ```
  /// b'    = b · s^(d/(d-2))
  /// inv_i = b'^(-2i/d)     attention_factor = 1
  /// ```
  ///
  /// transformers has no such type; llama.cpp expresses it as a changed `rope.freq_base`.
  case ntkAware(factor: Double)

  /// Dynamic NTK (`rope_type: "dynamic"`): the NTK base recomputed from the sequence length
  /// `l`, measured against `max_position_embeddings`:
  ///
  /// ```
  /// l     = max(l, L')                 // l defaults to L'
  /// b'    = b · (s·l/L' - (s - 1))^(d/(d-2))
  /// inv_i = b'^(-2i/d)     attention_factor = 1
  /// ```
  ///
  /// transformers `_compute_dynamic_ntk_parameters`.
  case dynamicNTK(factor: Double)

  /// YaRN, NTK-by-parts interpolation plus an attention temperature (`rope_type: "yarn"`);
  /// see ``YaRNParameters`` for the formula. transformers `_compute_yarn_parameters`.
  case yarn(factor: Double, YaRNParameters = YaRNParameters())

  /// Dynamic YaRN (YaRN paper §3.3, jquesnelle `LlamaDynamicYaRNScaledRotaryEmbedding`): YaRN
  /// with the factor recomputed from the sequence length `l`:
  ///
  /// ```
  /// s = max(1, l / L)                  // l defaults to L, i.e. no scaling
  /// ```
  ///
  /// then as ``yarn(factor:_:)`` with that `s` (so `s = 1` gives the default table and
  /// attention factor 1 unless `attentionFactor` is set). No engine ships it; it is here for
  /// tables and reports.
  case dynamicYaRN(YaRNParameters = YaRNParameters())

  /// Llama 3.1 frequency-dependent scaling (`rope_type: "llama3"`), with `λ_i = 2π/θ_i`:
  ///
  /// ```
  /// λ_i < L/high                 → inv_i = θ_i                       (kept)
  /// λ_i > L/low                  → inv_i = θ_i / s                   (interpolated)
  /// otherwise  smooth = (L/λ_i - low) / (high - low)
  ///                              → inv_i = (1 - smooth)·θ_i/s + smooth·θ_i
  /// attention_factor = 1
  /// ```
  ///
  /// transformers `_compute_llama3_parameters`; llama.cpp carries it as the `rope_freqs` tensor
  /// (``RoPEFrequencies/frequencyFactors``). Meta's values are s 8, low 1, high 4, L 8192.
  case llama3(factor: Double, lowFrequencyFactor: Double = 1, highFrequencyFactor: Double = 4)

  /// LongRoPE / Phi-3 "su" scaling (`rope_type: "longrope"`): per-pair divisors, long ones
  /// beyond the original context:
  ///
  /// ```
  /// ext   = l > L ? long_factor : short_factor      // l defaults to "not beyond"
  /// inv_i = 1 / (ext_i · b^(2i/d))
  /// s     = factor ?? L'/L
  /// attention_factor = attentionFactor ?? (s <= 1 ? 1 : sqrt(1 + ln(s)/ln(L)))
  /// ```
  ///
  /// transformers `_compute_longrope_parameters`; llama.cpp tensors `rope_factors_short` and
  /// `rope_factors_long`, magnitude in `rope.scaling.attn_factor`.
  case longRoPE(
    shortFactors: [Double], longFactors: [Double], factor: Double? = nil,
    attentionFactor: Double? = nil)

  /// LongRoPE's default attention factor for scale `s` and original context `L`.
  ///
  /// As transformers `_compute_longrope_parameters` and convert_hf_to_gguf's `Phi3MiniModel`
  /// compute it:
  ///
  /// ```
  /// attention_factor = s <= 1 ? 1 : sqrt(1 + ln(s)/ln(L))
  /// ```
  public static func longRoPEAttentionFactor(factor: Double, originalContextLength: Int) -> Double {
    factor <= 1 ? 1 : (1 + LibM.ln(factor) / LibM.ln(Double(originalContextLength))).squareRoot()
  }

  /// The transformers `rope_type` string for the case (`"ntk"` and `"dynamic-yarn"` are this
  /// module's names for the two types transformers lacks, after vLLM and jquesnelle).
  public var ropeType: String {
    switch self {
    case .none: "default"
    case .linear: "linear"
    case .ntkAware: "ntk"
    case .dynamicNTK: "dynamic"
    case .yarn: "yarn"
    case .dynamicYaRN: "dynamic-yarn"
    case .llama3: "llama3"
    case .longRoPE: "longrope"
    }
  }
}

/// The YaRN parameters other than the factor, with transformers' defaults.
///
/// With `d`, `b`, `s`, `L`, `θ_i` as in ``RoPEScaling``, transformers `_compute_yarn_parameters`
/// (= jquesnelle `LlamaYaRNScaledRotaryEmbedding.yarn()` when `truncate`) computes:
///
/// ```
/// D(n)  = d · ln(L / (2π·n)) / (2·ln b)       // pair index whose wavelength fits n times in L
/// low   = D(beta_fast),  high = D(beta_slow)    // floor / ceil when truncate
/// low   = max(low, 0),   high = min(high, d-1)  // d-1, not d/2-1, as in every implementation
/// if low == high { high += 0.001 }
/// ramp_i = clamp((i - low) / (high - low), 0, 1)
/// e_i    = (1 - ramp_i) · extrapolation_factor
/// inv_i  = θ_i/s · (1 - e_i) + θ_i · e_i
/// attention_factor = attention_factor                              if given
///                  = g(s, mscale) / g(s, mscale_all_dim)          if both non-zero
///                  = g(s, 1)                                       otherwise
/// ```
///
/// Pairs with `ramp_i == 0` keep `θ_i` exactly; pairs with `ramp_i == 1` become exactly `θ_i/s`
/// (when `extrapolation_factor` is 1).
public struct YaRNParameters: Hashable, Sendable {
  /// `beta_fast` (paper β), default 32.
  ///
  /// A pair that rotates more than `beta_fast` times within `L` is kept.
  public var betaFast: Double
  /// `beta_slow` (paper α), default 1.
  ///
  /// A pair that rotates fewer than `beta_slow` times within `L` is fully interpolated.
  public var betaSlow: Double
  /// `mscale` (DeepSeek); zero or `nil` counts as absent, as Python's truthiness does.
  public var mscale: Double?
  /// `mscale_all_dim` (DeepSeek); zero or `nil` counts as absent.
  public var mscaleAllDim: Double?
  /// `attention_factor`: when set, the magnitude on cos/sin, replacing the computed one.
  public var attentionFactor: Double?
  /// `truncate`: round the correction range to integers (default; gpt-oss sets `false`).
  public var truncate: Bool
  /// `extrapolation_factor` (jquesnelle, old vLLM, GGUF `yarn_ext_factor`), default 1.
  ///
  /// Scales the kept share: 1 is YaRN, 0 degenerates to PI with YaRN's magnitude.
  /// transformers v5 has no such key.
  public var extrapolationFactor: Double

  /// Creates YaRN parameters; every default is transformers' default.
  public init(
    betaFast: Double = 32, betaSlow: Double = 1, mscale: Double? = nil,
    mscaleAllDim: Double? = nil, attentionFactor: Double? = nil, truncate: Bool = true,
    extrapolationFactor: Double = 1
  ) {
    self.betaFast = betaFast
    self.betaSlow = betaSlow
    self.mscale = mscale
    self.mscaleAllDim = mscaleAllDim
    self.attentionFactor = attentionFactor
    self.truncate = truncate
    self.extrapolationFactor = extrapolationFactor
  }

  /// YaRN's magnitude helper, transformers `get_mscale` and vLLM `yarn_get_mscale`.
  ///
  /// ```
  /// g(s, m) = 1                  if s <= 1
  ///         = 0.1 · m · ln(s) + 1  otherwise
  /// ```
  public static func magnitude(factor: Double, mscale: Double = 1) -> Double {
    factor <= 1 ? 1 : 0.1 * mscale * LibM.ln(factor) + 1
  }

  /// The attention factor for scale `s`, following the three-way rule in the type's summary.
  public func attentionFactor(factor: Double) -> Double {
    if let attentionFactor { return attentionFactor }
    if let mscale, let mscaleAllDim, mscale != 0, mscaleAllDim != 0 {
      return Self.magnitude(factor: factor, mscale: mscale)
        / Self.magnitude(factor: factor, mscale: mscaleAllDim)
    }
    return Self.magnitude(factor: factor)
  }
}

/// The YaRN correction range: the pair indices between which the ramp runs, in Double.
///
/// ```
/// D(n) = d · ln(L / (2π·n)) / (2·ln b)
/// low  = max(truncate ? floor(D(beta_fast)) : D(beta_fast), 0)
/// high = min(truncate ? ceil(D(beta_slow)) : D(beta_slow), d - 1)
/// ```
///
/// transformers `find_correction_range` (the `+0.001` guard for `low == high` belongs to the
/// ramp, ``ramp(pairIndex:)``). ggml's Float version is ``GGMLRoPE/correctionDimensions(dimensionCount:originalContextLength:base:betaFast:betaSlow:)``.
public struct YaRNCorrectionRange: Hashable, Sendable {
  /// The last pair index that is fully kept (ramp 0).
  public var low: Double
  /// The first pair index that is fully interpolated (ramp 1).
  public var high: Double

  /// Creates a range from explicit bounds.
  public init(low: Double, high: Double) {
    self.low = low
    self.high = high
  }

  /// Computes the range as transformers `find_correction_range` does.
  ///
  /// - Precondition: `rotaryDimension > 0`, `base > 1`, `originalContextLength > 0` and both betas
  ///   positive; ``RoPEScaling/validate(for:)`` checks these for user input.
  public init(
    betaFast: Double, betaSlow: Double, rotaryDimension: Int, base: Double,
    originalContextLength: Int, truncate: Bool = true
  ) {
    precondition(rotaryDimension > 0 && base > 1 && originalContextLength > 0)
    precondition(betaFast > 0 && betaSlow > 0, "YaRN betas must be positive")
    let d = Double(rotaryDimension)
    func correctionDimension(_ rotations: Double) -> Double {
      d * LibM.ln(Double(originalContextLength) / (rotations * 2 * LibM.pi)) / (2 * LibM.ln(base))
    }
    var low = correctionDimension(betaFast)
    var high = correctionDimension(betaSlow)
    if truncate {
      low = low.rounded(.down)
      high = high.rounded(.up)
    }
    self.init(low: max(low, 0), high: min(high, d - 1))
  }

  /// transformers `linear_ramp_factor`: 0 at and below `low` (kept), 1 at and above `high`
  /// (interpolated), linear in the pair index between.
  ///
  /// ```
  /// ramp_i = clamp((i - low) / (high - low), 0, 1)    // high += 0.001 if low == high
  /// ```
  public func ramp(pairIndex: Int) -> Double {
    let high = low == high ? self.high + 0.001 : self.high
    return min(max((Double(pairIndex) - low) / (high - low), 0), 1)
  }
}
