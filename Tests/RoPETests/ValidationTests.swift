import RoPE
import Testing

@Suite("Validation and preconditions")
struct ValidationTests {
  static let configuration = RotaryConfiguration(
    headDimension: 128, maxPositionEmbeddings: 16384, originalContextLength: 4096)

  @Test(arguments: [
    (
      RoPEScaling.linear(factor: 0.5),
      RoPEError.invalidValue(parameter: "factor", expected: "finite and >= 1", found: 0.5)
    ),
    (
      .yarn(factor: .infinity),
      .invalidValue(parameter: "factor", expected: "finite and >= 1", found: .infinity)
    ),
    (
      .yarn(factor: 4, YaRNParameters(betaFast: 1, betaSlow: 1)),
      .invalidValue(parameter: "beta_fast", expected: "finite and > beta_slow (1.0)", found: 1)
    ),
    (
      .yarn(factor: 4, YaRNParameters(betaSlow: 0)),
      .invalidValue(parameter: "beta_slow", expected: "finite and > 0", found: 0)
    ),
    (
      .yarn(factor: 4, YaRNParameters(attentionFactor: 0)),
      .invalidValue(parameter: "attention_factor", expected: "finite and > 0", found: 0)
    ),
    (
      .yarn(factor: 4, YaRNParameters(extrapolationFactor: 2)),
      .invalidValue(parameter: "extrapolation_factor", expected: "in [0, 1]", found: 2)
    ),
    (
      .llama3(factor: 8, lowFrequencyFactor: 4, highFrequencyFactor: 1),
      .invalidValue(
        parameter: "high_freq_factor", expected: "finite and > low_freq_factor (4.0)", found: 1)
    ),
    (
      .longRoPE(shortFactors: [1, 2], longFactors: []),
      .wrongCount(parameter: "short_factor", expected: 64, found: 2)
    ),
  ])
  func rejectsScaling(scaling: RoPEScaling, error: RoPEError) {
    #expect(throws: error) { try scaling.frequencies(for: Self.configuration) }
  }

  @Test func rejectsConfiguration() {
    #expect(
      throws: RoPEError.oddRotaryDimension(
        headDimension: 100, partialRotaryFactor: 0.25, rotaryDimension: 25)
    ) {
      try RoPEScaling.none.frequencies(
        for: RotaryConfiguration(
          headDimension: 100, partialRotaryFactor: 0.25, maxPositionEmbeddings: 10))
    }
    #expect(
      throws: RoPEError.invalidValue(parameter: "rope_theta", expected: "finite and > 1", found: 1)
    ) {
      try RoPEScaling.none.frequencies(
        for: RotaryConfiguration(base: 1, headDimension: 64, maxPositionEmbeddings: 10))
    }
    #expect(
      throws: RoPEError.invalidValue(
        parameter: "sequence_length", expected: "a positive integer", found: 0)
    ) {
      try RoPEScaling.dynamicYaRN().frequencies(for: Self.configuration, sequenceLength: 0)
    }
  }

  @Test func errorDescriptionNamesTheKey() {
    let error = RoPEError.invalidValue(parameter: "factor", expected: "finite and >= 1", found: 0.5)
    #expect(error.description == "RoPE parameter 'factor' must be finite and >= 1, found 0.5")
  }

  /// Unvalidated odd dimensions are programming errors: preconditions, not throws.
  @Test func oddDimensionIsAPreconditionFailure() async {
    await #expect(processExitsWith: .failure) {
      _ = RotaryConfiguration(headDimension: 3, maxPositionEmbeddings: 8).defaultInverseFrequencies
    }
    await #expect(processExitsWith: .failure) {
      _ = GGMLRoPE(dimensionCount: 5, originalContextLength: 4096, base: 10000)
    }
  }

  /// Dynamic YaRN recomputes `s = max(1, l/L)` and its magnitude from the sequence length.
  @Test(arguments: [(2048, 1.0), (4096, 1.0), (8192, 2.0), (32768, 8.0)])
  func dynamicYaRNFactor(sequenceLength: Int, factor: Double) throws {
    let dynamic = try RoPEScaling.dynamicYaRN().frequencies(
      for: Self.configuration, sequenceLength: sequenceLength)
    let fixed = try RoPEScaling.yarn(factor: factor).frequencies(for: Self.configuration)
    #expect(dynamic == fixed)
    let report = try RoPEDimensionReport(
      scaling: .dynamicYaRN(), configuration: Self.configuration, sequenceLength: sequenceLength)
    #expect(report.factor == factor)
  }

  /// LongRoPE picks the long factors only beyond the original context, and its frequency
  /// factors are those factors.
  @Test func longRoPESelection() throws {
    let short = [Double](repeating: 1.5, count: 64)
    let long = [Double](repeating: 6, count: 64)
    let scaling = RoPEScaling.longRoPE(shortFactors: short, longFactors: long)
    let atOriginal = try scaling.frequencies(for: Self.configuration, sequenceLength: 4096)
    let beyond = try scaling.frequencies(for: Self.configuration, sequenceLength: 4097)
    #expect(atOriginal.frequencyFactors.allSatisfy { ulpDistance($0, 1.5) <= 1 })
    #expect(beyond.frequencyFactors.allSatisfy { ulpDistance($0, 6) <= 1 })
    // s = 16384/4096 = 4: sqrt(1 + ln 4 / ln 4096) = sqrt(1 + 1/6).
    #expect(beyond.attentionFactor == Float((1 + 1.0 / 6).squareRoot()))
  }
}

@Test func scalingsThatDependOnTheSequenceLength() {
  let dynamic: [RoPEScaling] = [
    .dynamicNTK(factor: 2), .dynamicYaRN(YaRNParameters()),
    .longRoPE(shortFactors: [1], longFactors: [2]),
  ]
  let fixed: [RoPEScaling] = [
    .none, .linear(factor: 2), .ntkAware(factor: 2), .yarn(factor: 4, YaRNParameters()),
  ]
  #expect(dynamic.map(\.dependsOnSequenceLength) == [true, true, true])
  #expect(fixed.map(\.dependsOnSequenceLength) == [false, false, false, false])
}
