extension RoPEScaling {
  /// Checks the configuration and the scaling parameters before any table is computed.
  ///
  /// Stricter than transformers, which only warns about most of these: a stamping tool should not
  /// write a table it knows to be meaningless. The rules:
  ///
  /// - the configuration passes ``RotaryConfiguration/validate()``;
  /// - every `factor` is finite and `>= 1` (1 is "no scaling");
  /// - YaRN: `0 < beta_slow < beta_fast`, `mscale`/`mscale_all_dim` finite, `attention_factor`
  ///   finite and `> 0`, `extrapolation_factor` in `[0, 1]`;
  /// - llama3: `0 < low_freq_factor < high_freq_factor`, both finite;
  /// - LongRoPE: both factor lists hold `d/2` finite positive values;
  /// - `sequenceLength`, when given, is positive.
  ///
  /// - Throws: ``RoPEError`` naming the first offending key.
  public func validate(
    for configuration: RotaryConfiguration, sequenceLength: Int? = nil
  ) throws(RoPEError) {
    try configuration.validate()
    if let sequenceLength, sequenceLength <= 0 {
      throw .invalidValue(
        parameter: "sequence_length", expected: "a positive integer", found: Double(sequenceLength))
    }
    switch self {
    case .none:
      break
    case .linear(let factor), .ntkAware(let factor), .dynamicNTK(let factor):
      try Self.checkFactor(factor)
    case .yarn(let factor, let parameters):
      try Self.checkFactor(factor)
      try parameters.validate()
    case .dynamicYaRN(let parameters):
      try parameters.validate()
    case .llama3(let factor, let low, let high):
      try Self.checkFactor(factor)
      guard low.isFinite, low > 0 else {
        throw .invalidValue(parameter: "low_freq_factor", expected: "finite and > 0", found: low)
      }
      guard high.isFinite, high > low else {
        throw .invalidValue(
          parameter: "high_freq_factor", expected: "finite and > low_freq_factor (\(low))",
          found: high)
      }
    case .longRoPE(let shortFactors, let longFactors, let factor, let attentionFactor):
      for (name, factors) in [("short_factor", shortFactors), ("long_factor", longFactors)] {
        guard factors.count == configuration.pairCount else {
          throw .wrongCount(
            parameter: name, expected: configuration.pairCount, found: factors.count)
        }
        if let bad = factors.first(where: { !($0.isFinite && $0 > 0) }) {
          throw .invalidValue(
            parameter: name, expected: "finite and > 0 in every entry", found: bad)
        }
      }
      if let factor { try Self.checkFactor(factor) }
      if let attentionFactor { try YaRNParameters.checkAttentionFactor(attentionFactor) }
    }
  }

  private static func checkFactor(_ factor: Double) throws(RoPEError) {
    guard factor.isFinite, factor >= 1 else {
      throw .invalidValue(parameter: "factor", expected: "finite and >= 1", found: factor)
    }
  }
}

extension YaRNParameters {
  /// Checks the YaRN-specific parameters (see ``RoPEScaling/validate(for:sequenceLength:)``).
  ///
  /// - Throws: ``RoPEError`` naming the first offending key.
  public func validate() throws(RoPEError) {
    guard betaSlow.isFinite, betaSlow > 0 else {
      throw .invalidValue(parameter: "beta_slow", expected: "finite and > 0", found: betaSlow)
    }
    guard betaFast.isFinite, betaFast > betaSlow else {
      throw .invalidValue(
        parameter: "beta_fast", expected: "finite and > beta_slow (\(betaSlow))", found: betaFast)
    }
    if let mscale, !mscale.isFinite {
      throw .invalidValue(parameter: "mscale", expected: "finite", found: mscale)
    }
    if let mscaleAllDim, !mscaleAllDim.isFinite {
      throw .invalidValue(parameter: "mscale_all_dim", expected: "finite", found: mscaleAllDim)
    }
    if let attentionFactor { try Self.checkAttentionFactor(attentionFactor) }
    guard extrapolationFactor >= 0, extrapolationFactor <= 1 else {
      throw .invalidValue(
        parameter: "extrapolation_factor", expected: "in [0, 1]", found: extrapolationFactor)
    }
  }

  static func checkAttentionFactor(_ value: Double) throws(RoPEError) {
    guard value.isFinite, value > 0 else {
      throw .invalidValue(parameter: "attention_factor", expected: "finite and > 0", found: value)
    }
  }
}
