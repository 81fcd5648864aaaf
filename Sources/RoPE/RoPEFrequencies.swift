/// The tables a scaling method produces for one configuration: what a checkpoint stamps and what
/// an inference engine multiplies positions by.
///
/// Every value is computed in Double and rounded once to Float, so each entry is within half a
/// Float ulp of the exact formula plus the Double error (about 1e-16 relative).
public struct RoPEFrequencies: Hashable, Sendable {
  /// `inv_freq`, one entry per rotary pair (`d/2` entries): angle per position of pair `i`.
  public var inverseFrequencies: [Float]
  /// The magnitude applied to cos and sin (transformers `attention_scaling`); the attention logits
  /// scale by its square.
  public var attentionFactor: Float
  /// The ggml "frequency factors" form, `θ_i / inv_i`, one per pair.
  ///
  /// What llama.cpp's `rope_freqs` (llama3) or `rope_factors_long`/`_short` (LongRoPE) tensors
  /// hold, since ggml divides the unscaled angle by them. 1 means kept, `s` means interpolated.
  public var frequencyFactors: [Float]

  /// Creates the result from its three parts.
  public init(inverseFrequencies: [Float], attentionFactor: Float, frequencyFactors: [Float]) {
    self.inverseFrequencies = inverseFrequencies
    self.attentionFactor = attentionFactor
    self.frequencyFactors = frequencyFactors
  }

  init(_ exact: ExactFrequencies) {
    self.init(
      inverseFrequencies: exact.inverseFrequencies.map { Float($0) },
      attentionFactor: Float(exact.attentionFactor),
      frequencyFactors: zip(exact.defaultInverseFrequencies, exact.inverseFrequencies).map {
        Float($0 / $1)
      })
  }
}

/// The Double tables before rounding, kept for reports and tests.
struct ExactFrequencies: Hashable, Sendable {
  /// `θ_i`, the unscaled inverse frequencies.
  var defaultInverseFrequencies: [Double]
  /// The scaled inverse frequencies.
  var inverseFrequencies: [Double]
  var attentionFactor: Double
  /// The scale factor in effect (after dynamic recomputation; 1 for `.none`).
  var effectiveFactor: Double
}

extension RoPEScaling {
  /// Computes the inverse frequencies, attention factor and frequency factors.
  ///
  /// - Parameters:
  ///   - configuration: base, head size, partial rotary factor and context lengths.
  ///   - sequenceLength: the current sequence length `l`, used only by ``dynamicNTK(factor:)``,
  ///     ``dynamicYaRN(_:)`` (which recompute their scale from it) and ``longRoPE(shortFactors:longFactors:factor:attentionFactor:)``
  ///     (long factors when `l > L`). `nil` means "at the configured length".
  /// - Throws: ``RoPEError`` when ``validate(for:sequenceLength:)`` does.
  public func frequencies(
    for configuration: RotaryConfiguration, sequenceLength: Int? = nil
  ) throws(RoPEError) -> RoPEFrequencies {
    try validate(for: configuration, sequenceLength: sequenceLength)
    return RoPEFrequencies(exactFrequencies(for: configuration, sequenceLength: sequenceLength))
  }

  /// The scale factor `s` in effect at `sequenceLength`: the configured factor, or for the dynamic
  /// variants the recomputed one (`max(1, l/L)` for dynamic YaRN; dynamic NTK keeps `s` and moves
  /// the base instead, so it reports its configured factor).
  func effectiveFactor(for configuration: RotaryConfiguration, sequenceLength: Int?) -> Double {
    switch self {
    case .none: 1
    case .linear(let factor), .ntkAware(let factor), .dynamicNTK(let factor),
      .yarn(let factor, _), .llama3(let factor, _, _):
      factor
    case .dynamicYaRN:
      max(
        1,
        Double(sequenceLength ?? configuration.originalContextLength)
          / Double(configuration.originalContextLength))
    case .longRoPE(_, _, let factor, _):
      factor ?? Double(configuration.maxPositionEmbeddings)
        / Double(configuration.originalContextLength)
    }
  }

  /// The Double computation behind ``frequencies(for:sequenceLength:)``; inputs must be valid.
  func exactFrequencies(
    for configuration: RotaryConfiguration, sequenceLength: Int? = nil
  ) -> ExactFrequencies {
    let theta = configuration.defaultInverseFrequencies
    let d = configuration.rotaryDimension
    let s = effectiveFactor(for: configuration, sequenceLength: sequenceLength)
    let inverse: [Double]
    var attention = 1.0
    switch self {
    case .none:
      inverse = theta
    case .yarn(_, let parameters) where s == 1, .dynamicYaRN(let parameters) where s == 1:
      // Every blend reduces to θ_i at s = 1; taking θ_i directly keeps that exact in Double
      // (θ(1-e) + θe need not round back to θ). The attention factor still follows its rule.
      inverse = theta
      attention = parameters.attentionFactor(factor: 1)
    case .llama3 where s == 1:
      inverse = theta
    case .linear(let factor):
      inverse = theta.map { $0 / factor }
    case .ntkAware(let factor):
      let base = configuration.base * LibM.power(factor, Double(d) / Double(d - 2))
      inverse = RotaryConfiguration.inverseFrequencies(base: base, rotaryDimension: d)
    case .dynamicNTK(let factor):
      let maxPositions = Double(configuration.maxPositionEmbeddings)
      let length = max(Double(sequenceLength ?? configuration.maxPositionEmbeddings), maxPositions)
      let base =
        configuration.base
        * LibM.power(factor * length / maxPositions - (factor - 1), Double(d) / Double(d - 2))
      inverse = RotaryConfiguration.inverseFrequencies(base: base, rotaryDimension: d)
    case .yarn(_, let parameters), .dynamicYaRN(let parameters):
      let range = YaRNCorrectionRange(parameters: parameters, configuration: configuration)
      inverse = theta.indices.map { i in
        let kept = (1 - range.ramp(pairIndex: i)) * parameters.extrapolationFactor
        return theta[i] / s * (1 - kept) + theta[i] * kept
      }
      attention = parameters.attentionFactor(factor: s)
    case .llama3(let factor, let low, let high):
      let original = Double(configuration.originalContextLength)
      let lowFrequencyWavelength = original / low
      let highFrequencyWavelength = original / high
      inverse = theta.map { theta in
        let wavelength = 2 * LibM.pi / theta
        if wavelength < highFrequencyWavelength { return theta }
        if wavelength > lowFrequencyWavelength { return theta / factor }
        let smooth = (original / wavelength - low) / (high - low)
        return (1 - smooth) * theta / factor + smooth * theta
      }
    case .longRoPE(let shortFactors, let longFactors, _, let attentionFactor):
      let isLong = (sequenceLength ?? 0) > configuration.originalContextLength
      let divisors = isLong ? longFactors : shortFactors
      let base = configuration.base
      inverse = divisors.indices.map { i in
        1 / (divisors[i] * LibM.power(base, Double(2 * i) / Double(d)))
      }
      attention =
        attentionFactor
        ?? Self.longRoPEAttentionFactor(
          factor: s, originalContextLength: configuration.originalContextLength)
    }
    return ExactFrequencies(
      defaultInverseFrequencies: theta, inverseFrequencies: inverse, attentionFactor: attention,
      effectiveFactor: s)
  }
}
