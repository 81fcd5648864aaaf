/// llama.cpp's rotary kernel, `ggml_rope_ext`, reproduced in Float for one position at a time, so
/// that Hugging Face-form tables can be compared with what llama.cpp actually rotates by.
///
/// The stored properties are the kernel's arguments. ggml computes everything in `float` with the C
/// library's `logf`, `powf`, `cosf`, `sinf`; this type does the same operations in the same order
/// with the same functions and the fused multiply-adds GCC contracts them into on x86-64 with
/// FMA (`-march=native`, llama.cpp's default build), so on glibc it is bit-identical:
///
/// ```
/// theta_scale = powf(freq_base, -2.0f/n_dims)                       // Float
/// θ_0 = (float)p;  θ_{i+1} = θ_i · theta_scale                      // iterative Float product
/// θ_extrap = θ_i / ff_i                                             // freq_factors, or 1
/// θ_interp = freq_scale · θ_extrap
/// if ext_factor != 0:
///   mix    = (1 - clamp((i - c0) / max(0.001, c1 - c0), 0, 1)) · ext_factor
///   θ      = fma(θ_interp, 1 - mix, θ_extrap·mix)
///   mscale = attn_factor · fma(0.1, logf(1/freq_scale), 1)          // no s <= 1 guard
/// else:
///   θ = θ_interp,  mscale = attn_factor
/// cos, sin = cosf(θ)·mscale, sinf(θ)·mscale
/// ```
///
/// Sources: ggml `src/ggml-cpu/ops.cpp` `ggml_rope_cache_init`, `rope_yarn`, `rope_yarn_ramp`;
/// `src/ggml.c` `ggml_rope_yarn_corr_dims`. The iterative product makes the angle error grow like
/// `p · i · 2^-24`; compare against exact angles with a tolerance proportional to the position.
public struct GGMLRoPE: Hashable, Sendable {
  /// `n_dims`: rotated dimensions (GGUF `rope.dimension_count`), even.
  public var dimensionCount: Int
  /// `n_ctx_orig`: original context length (GGUF `rope.scaling.original_context_length`).
  public var originalContextLength: Int
  /// `freq_base` (GGUF `rope.freq_base`).
  public var base: Float
  /// `freq_scale = 1/s` (GGUF `rope.scaling.factor` inverted).
  public var frequencyScale: Float
  /// `ext_factor`: 0 is linear interpolation, 1 is YaRN.
  public var extrapolationFactor: Float
  /// `attn_factor`: the magnitude before ggml's own YaRN factor.
  public var attentionFactor: Float
  /// `beta_fast`.
  public var betaFast: Float
  /// `beta_slow`.
  public var betaSlow: Float
  /// The optional `freq_factors` tensor (`rope_freqs`, `rope_factors_long`/`_short`), one per pair.
  public var frequencyFactors: [Float]?

  /// One rotated pair at one position: the angle and magnitude, and the cos/sin ggml stores.
  public struct Rotation: Hashable, Sendable {
    /// The angle `θ` after the YaRN blend.
    public var angle: Float
    /// The magnitude `mscale` multiplied into cos and sin.
    public var magnitude: Float
    /// `cosf(θ) · mscale`.
    public var cos: Float
    /// `sinf(θ) · mscale`.
    public var sin: Float
  }

  /// Creates the kernel arguments directly, with ggml's defaults for the YaRN knobs.
  ///
  /// - Precondition: `dimensionCount` is even and positive, and `frequencyFactors`, when given,
  ///   holds at least `dimensionCount / 2` values (ggml asserts the same).
  public init(
    dimensionCount: Int, originalContextLength: Int, base: Float, frequencyScale: Float = 1,
    extrapolationFactor: Float = 0, attentionFactor: Float = 1, betaFast: Float = 32,
    betaSlow: Float = 1, frequencyFactors: [Float]? = nil
  ) {
    precondition(
      dimensionCount > 0 && dimensionCount.isMultiple(of: 2),
      "n_dims \(dimensionCount) must be even and positive")
    precondition(
      (frequencyFactors?.count ?? dimensionCount / 2) >= dimensionCount / 2,
      "freq_factors must hold n_dims/2 values")
    self.dimensionCount = dimensionCount
    self.originalContextLength = originalContextLength
    self.base = base
    self.frequencyScale = frequencyScale
    self.extrapolationFactor = extrapolationFactor
    self.attentionFactor = attentionFactor
    self.betaFast = betaFast
    self.betaSlow = betaSlow
    self.frequencyFactors = frequencyFactors
  }

  /// The kernel arguments llama.cpp would use for a model converted from this Hugging Face form,
  /// after its runtime resolution in `llama_context` (generic architectures, default CLI flags).
  ///
  /// - `linear`: `freq_scale = 1/s`, `ext_factor = 0`.
  /// - `ntk`, `dynamic`: the changed base (dynamic at `sequenceLength`); llama.cpp has no dynamic.
  /// - `yarn`, `dynamic-yarn`: `freq_scale = 1/s`, `ext_factor = extrapolation_factor`, betas, and
  ///   `attn_factor` from ``llamaContextAttentionFactor(frequencyScale:extrapolationFactor:yarnAttentionFactor:logMultiplier:ropeAttentionFactor:isDeepSeek2:)``
  ///   with no log multiplier. So the net magnitude is `g(s)`: llama.cpp ignores an explicit
  ///   `attention_factor` and the `mscale` ratio outside DeepSeek2, and it always truncates.
  /// - `llama3`: `freq_factors` = ``RoPEFrequencies/frequencyFactors`` (`rope_freqs`).
  /// - `longrope`: the short or long factors, `attn_factor` = the LongRoPE attention factor
  ///   (`rope.scaling.attn_factor`).
  ///
  /// - Throws: ``RoPEError`` when the scaling is invalid for the configuration.
  public init(
    scaling: RoPEScaling, configuration: RotaryConfiguration, sequenceLength: Int? = nil
  ) throws(RoPEError) {
    try scaling.validate(for: configuration, sequenceLength: sequenceLength)
    let exact = scaling.exactFrequencies(for: configuration, sequenceLength: sequenceLength)
    let d = configuration.rotaryDimension
    self.init(
      dimensionCount: d, originalContextLength: configuration.originalContextLength,
      base: Float(configuration.base))
    switch scaling {
    case .none:
      break
    case .linear(let factor):
      frequencyScale = Float(1 / factor)
    case .ntkAware, .dynamicNTK:
      // θ'_1 = b'^(-2/d), so b' = θ'_1^(-d/2); exact in Double before rounding to Float.
      base = Float(LibM.power(exact.inverseFrequencies[1], -Double(d) / 2))
    case .yarn(_, let parameters), .dynamicYaRN(let parameters):
      frequencyScale = Float(1 / exact.effectiveFactor)
      extrapolationFactor = Float(parameters.extrapolationFactor)
      betaFast = Float(parameters.betaFast)
      betaSlow = Float(parameters.betaSlow)
      attentionFactor = Self.llamaContextAttentionFactor(
        frequencyScale: frequencyScale, extrapolationFactor: extrapolationFactor)
    case .llama3:
      frequencyFactors = RoPEFrequencies(exact).frequencyFactors
    case .longRoPE(let shortFactors, let longFactors, _, _):
      let isLong = (sequenceLength ?? 0) > configuration.originalContextLength
      frequencyFactors = (isLong ? longFactors : shortFactors).map { Float($0) }
      attentionFactor = Float(exact.attentionFactor)
    }
  }

  /// `ggml_rope_yarn_corr_dims` for these arguments.
  public var correctionDimensions: (low: Float, high: Float) {
    Self.correctionDimensions(
      dimensionCount: dimensionCount, originalContextLength: originalContextLength, base: base,
      betaFast: betaFast, betaSlow: betaSlow)
  }

  /// The rotation of every pair at `position`, as `ggml_rope_cache_init` fills its cache.
  public func rotations(atPosition position: Int32) -> [Rotation] {
    let thetaScale = LibM.powerFloat(base, -2 / Float(dimensionCount))
    let corrections = correctionDimensions
    var theta = Float(position)
    var result: [Rotation] = []
    result.reserveCapacity(dimensionCount / 2)
    for pair in 0..<(dimensionCount / 2) {
      let factor = frequencyFactors?[pair] ?? 1
      result.append(
        Self.yarn(
          thetaExtrapolated: theta / factor, frequencyScale: frequencyScale,
          correctionDimensions: corrections, dimensionIndex: 2 * pair,
          extrapolationFactor: extrapolationFactor, attentionFactor: attentionFactor))
      theta *= thetaScale
    }
    return result
  }

  /// `ggml_rope_yarn_corr_dims`: the YaRN correction range in Float, always rounded.
  ///
  /// ```
  /// D(n)  = n_dims · logf(n_ctx_orig / (n · 2 · (float)M_PI)) / (2 · logf(base))
  /// start = max(0, floorf(D(beta_fast))),  end = min(n_dims - 1, ceilf(D(beta_slow)))
  /// ```
  public static func correctionDimensions(
    dimensionCount: Int, originalContextLength: Int, base: Float, betaFast: Float, betaSlow: Float
  ) -> (low: Float, high: Float) {
    func correctionDimension(_ rotations: Float) -> Float {
      Float(dimensionCount)
        * LibM.lnFloat(Float(originalContextLength) / (rotations * 2 * LibM.piFloat))
        / (2 * LibM.lnFloat(base))
    }
    let start = correctionDimension(betaFast).rounded(.down)
    let end = correctionDimension(betaSlow).rounded(.up)
    return (max(0, start), min(Float(dimensionCount - 1), end))
  }

  /// `rope_yarn_ramp`: the extrapolated share of dimension `i0` (an even index).
  ///
  /// 1 below the range and 0 above it: the reverse of transformers' ramp, i.e. `1 - ramp_i`.
  public static func ramp(low: Float, high: Float, dimensionIndex i0: Int) -> Float {
    let y = (Float(i0 / 2) - low) / max(0.001, high - low)
    return 1 - min(1, max(0, y))
  }

  /// `rope_yarn`: the angle and magnitude of one pair, given its unscaled angle.
  public static func yarn(
    thetaExtrapolated: Float, frequencyScale: Float,
    correctionDimensions: (low: Float, high: Float),
    dimensionIndex i0: Int, extrapolationFactor: Float, attentionFactor: Float
  ) -> Rotation {
    let thetaInterpolated = frequencyScale * thetaExtrapolated
    var theta = thetaInterpolated
    var magnitude = attentionFactor
    if extrapolationFactor != 0 {
      let mix =
        ramp(low: correctionDimensions.low, high: correctionDimensions.high, dimensionIndex: i0)
        * extrapolationFactor
      // Contracted as GCC compiles ggml for x86-64 with FMA (`-march=native`):
      // fma(θ_interp, 1 − mix, θ_extrap·mix) and fma(0.1, logf(1/freq_scale), 1).
      theta = (thetaExtrapolated * mix).addingProduct(thetaInterpolated, 1 - mix)
      magnitude *= Float(1).addingProduct(0.1, LibM.lnFloat(1 / frequencyScale))
    }
    return Rotation(
      angle: theta, magnitude: magnitude, cos: LibM.cosFloat(theta) * magnitude,
      sin: LibM.sinFloat(theta) * magnitude)
  }

  /// The `attn_factor` llama.cpp passes to the kernel, in Float.
  ///
  /// From the `llama_context` constructor (after PR #17945):
  ///
  /// ```
  /// if ext_factor != 0:
  ///   s = 1/freq_scale
  ///   a = log_mul != 0 ? g(s, m)/g(s, log_mul) : g(s, 1)   // m = 1, or log_mul for DeepSeek2
  ///   a *= 1/(1 + 0.1·logf(s))                              // cancels the kernel's own factor
  /// else:
  ///   a = yarn_attn_factor
  /// a *= rope_attn_factor
  /// ```
  ///
  /// `logMultiplier` is `rope.scaling.yarn_log_multiplier` as the loader holds it (i.e.
  /// `mscale_all_dim`; DeepSeek2 GGUFs store a tenth of it and the loader divides it back).
  public static func llamaContextAttentionFactor(
    frequencyScale: Float, extrapolationFactor: Float, yarnAttentionFactor: Float = 1,
    logMultiplier: Float = 0, ropeAttentionFactor: Float = 1, isDeepSeek2: Bool = false
  ) -> Float {
    func magnitude(_ scale: Float, _ mscale: Float) -> Float {
      scale <= 1 ? 1 : 0.1 * mscale * LibM.lnFloat(scale) + 1
    }
    var result = yarnAttentionFactor
    if extrapolationFactor != 0 {
      let factor = 1 / frequencyScale
      if logMultiplier != 0 {
        let mscale: Float = isDeepSeek2 && logMultiplier != 1 ? logMultiplier : 1
        result = magnitude(factor, mscale) / magnitude(factor, logMultiplier)
      } else {
        result = magnitude(factor, 1)
      }
      result *= 1 / (1 + 0.1 * LibM.lnFloat(factor))
    }
    return result * ropeAttentionFactor
  }
}
