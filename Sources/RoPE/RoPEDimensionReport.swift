/// What a scaling method does to each rotary pair: wavelength, how often it fits in the original
/// context, the ramp value and the resulting class, for people who want to see what YaRN does to
/// their model.
///
/// For pair `i` with `θ_i = b^(-2i/d)`:
///
/// ```
/// wavelength λ_i = 2π / θ_i                 // positions per full rotation
/// ratio      r_i = L / λ_i                  // rotations within the original context
/// ramp_i          0 = kept (θ_i), 1 = interpolated (θ_i / s), between = blended
/// ```
///
/// The ramp depends on the method: YaRN's `clamp((i - low)/(high - low), 0, 1)` (transformers
/// `linear_ramp_factor`); llama3's `1 - smooth`, clamped; 1 for every linear pair; `2i/(d-2)` for
/// NTK-aware and dynamic NTK, the exponent of their divisor `θ_i/inv_i = s^(2i/(d-2))` (dynamic
/// NTK at its effective factor); `ln(ext_i)/ln(s)`, clamped, for LongRoPE; 0 for no scaling.
public struct RoPEDimensionReport: Hashable, Sendable {
  /// How a pair is treated.
  public enum DimensionClass: String, Hashable, Sendable, CaseIterable {
    /// Frequency unchanged (high frequency, many rotations within `L`).
    case kept
    /// Between kept and interpolated.
    case blended
    /// Frequency divided by the full factor (low frequency, wavelength beyond `L`).
    case interpolated
  }

  /// One rotary pair.
  public struct Dimension: Hashable, Sendable {
    /// The pair index `i`, `0 ..< d/2`.
    public var pairIndex: Int
    /// The original wavelength `λ_i = 2π/θ_i`, in positions.
    public var wavelength: Double
    /// `L / λ_i`: rotations of the pair within the original context.
    public var contextRatio: Double
    /// 0 kept … 1 interpolated; see the type's summary for each method's definition.
    public var ramp: Double
    /// The class implied by `ramp`.
    public var dimensionClass: DimensionClass
    /// The original inverse frequency `θ_i`.
    public var originalInverseFrequency: Double
    /// The scaled inverse frequency, in Double.
    public var inverseFrequency: Double
  }

  /// One entry per pair.
  public var dimensions: [Dimension]
  /// The scale factor in effect (dynamic methods: at the given sequence length).
  public var factor: Double
  /// The YaRN correction range, for YaRN methods only.
  public var correctionRange: YaRNCorrectionRange?
  /// The magnitude on cos and sin in Double (``RoPEFrequencies/attentionFactor`` before its
  /// rounding to Float).
  public var attentionFactor: Double

  /// Builds the report for a scaling method and configuration.
  ///
  /// - Throws: ``RoPEError`` when the scaling is invalid for the configuration.
  public init(
    scaling: RoPEScaling, configuration: RotaryConfiguration, sequenceLength: Int? = nil
  ) throws(RoPEError) {
    try scaling.validate(for: configuration, sequenceLength: sequenceLength)
    let exact = scaling.exactFrequencies(for: configuration, sequenceLength: sequenceLength)
    let d = configuration.rotaryDimension
    let original = Double(configuration.originalContextLength)
    let s = exact.effectiveFactor
    var range: YaRNCorrectionRange?
    if case .yarn(_, let parameters) = scaling {
      range = YaRNCorrectionRange(parameters: parameters, configuration: configuration)
    } else if case .dynamicYaRN(let parameters) = scaling {
      range = YaRNCorrectionRange(parameters: parameters, configuration: configuration)
    }
    dimensions = exact.defaultInverseFrequencies.indices.map { i in
      let theta = exact.defaultInverseFrequencies[i]
      let wavelength = 2 * LibM.pi / theta
      let ramp: Double
      switch scaling {
      case .none:
        ramp = 0
      case .linear:
        ramp = 1
      case .ntkAware, .dynamicNTK:
        ramp = Double(2 * i) / Double(d - 2)
      case .yarn, .dynamicYaRN:
        ramp = s == 1 ? 0 : range?.ramp(pairIndex: i) ?? 0
      case .llama3(_, let low, let high):
        let smooth = (original / wavelength - low) / (high - low)
        ramp = 1 - min(max(smooth, 0), 1)
      case .longRoPE:
        let divisor = theta / exact.inverseFrequencies[i]
        ramp = s <= 1 ? 0 : min(max(LibM.ln(divisor) / LibM.ln(s), 0), 1)
      }
      let dimensionClass: DimensionClass =
        ramp <= 0 ? .kept : ramp >= 1 ? .interpolated : .blended
      return Dimension(
        pairIndex: i, wavelength: wavelength, contextRatio: original / wavelength, ramp: ramp,
        dimensionClass: dimensionClass, originalInverseFrequency: theta,
        inverseFrequency: exact.inverseFrequencies[i])
    }
    factor = s
    correctionRange = range
    attentionFactor = exact.attentionFactor
  }

  /// The number of pairs in each class.
  public func count(of dimensionClass: DimensionClass) -> Int {
    dimensions.count { $0.dimensionClass == dimensionClass }
  }
}

extension YaRNCorrectionRange {
  /// The range of `parameters` (betas, truncation) for `configuration`'s rotary dimension,
  /// base and original context.
  public init(parameters: YaRNParameters, configuration: RotaryConfiguration) {
    self.init(
      betaFast: parameters.betaFast, betaSlow: parameters.betaSlow,
      rotaryDimension: configuration.rotaryDimension, base: configuration.base,
      originalContextLength: configuration.originalContextLength, truncate: parameters.truncate)
  }
}
