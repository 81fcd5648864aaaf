import PropertyBased
import Testing

@testable import RoPE

/// Invariants over random configurations: base 1.5 … 1e7, factor 1 … 64, several head sizes,
/// partial rotary factors and original context lengths.
@Suite("RoPE properties")
struct PropertyTests {
  static let headDimensions = Gen.element(of: [32, 64, 96, 128, 256])
  static let partials = Gen.element(of: [0.25, 0.5, 1.0])
  static let originals = Gen.element(of: [2048, 4096, 8192, 32768])

  static func configuration(_ base: Double, _ head: Int?, _ partial: Double?, _ original: Int?)
    -> RotaryConfiguration
  {
    RotaryConfiguration(
      base: base, headDimension: head ?? 128, partialRotaryFactor: partial ?? 1,
      maxPositionEmbeddings: 4 * (original ?? 4096), originalContextLength: original ?? 4096)
  }

  static func scalings(factor: Double) -> [RoPEScaling] {
    [
      .none, .linear(factor: factor), .ntkAware(factor: factor), .dynamicNTK(factor: factor),
      .yarn(factor: factor), .yarn(factor: factor, YaRNParameters(truncate: false)),
      .yarn(factor: factor, YaRNParameters(betaFast: 16, betaSlow: 2)), .dynamicYaRN(),
      .llama3(factor: factor),
    ]
  }

  /// Inverse frequencies strictly decrease in Double and never increase in Float.
  @Test func inverseFrequenciesAreMonotonic() async {
    await propertyCheck(
      count: 200, input: Gen.double(in: 1.5...1e7), Gen.double(in: 1...64), Self.headDimensions,
      Self.partials, Self.originals
    ) { base, factor, head, partial, original in
      let configuration = Self.configuration(base, head, partial, original)
      for scaling in Self.scalings(factor: factor) {
        let exact = scaling.exactFrequencies(for: configuration, sequenceLength: 40000)
        let inverse = exact.inverseFrequencies
        #expect(zip(inverse, inverse.dropFirst()).allSatisfy { $0 > $1 }, "\(scaling)")
        let rounded = try scaling.frequencies(for: configuration, sequenceLength: 40000)
          .inverseFrequencies
        #expect(zip(rounded, rounded.dropFirst()).allSatisfy { $0 >= $1 }, "\(scaling)")
      }
    }
  }

  /// Factor 1 is no scaling, bit for bit, with attention factor 1.
  @Test func factorOneIsDefault() async {
    await propertyCheck(
      count: 200, input: Gen.double(in: 1.5...1e7), Self.headDimensions, Self.partials,
      Self.originals
    ) { base, head, partial, original in
      let configuration = Self.configuration(base, head, partial, original)
      let plain = try RoPEScaling.none.frequencies(for: configuration)
      #expect(plain.frequencyFactors.allSatisfy { $0 == 1 })
      let scalings: [RoPEScaling] = [
        .linear(factor: 1), .ntkAware(factor: 1), .dynamicNTK(factor: 1), .yarn(factor: 1),
        .yarn(factor: 1, YaRNParameters(mscale: 0.707, mscaleAllDim: 1)), .llama3(factor: 1),
      ]
      for scaling in scalings {
        #expect(try scaling.frequencies(for: configuration) == plain, "\(scaling)")
      }
      // Dynamic YaRN within the original context is plain RoPE too.
      let dynamic = try RoPEScaling.dynamicYaRN().frequencies(
        for: configuration, sequenceLength: original ?? 4096)
      #expect(dynamic == plain)
    }
  }

  /// YaRN: kept pairs are bit-identical to the default table, interpolated pairs are exactly
  /// `Float(θ_i / s)`, for every truncation mode.
  @Test func yarnKeptAndInterpolatedPairsAreExact() async {
    await propertyCheck(
      count: 300, input: Gen.double(in: 1.5...1e7), Gen.double(in: 1...64), Self.headDimensions,
      Self.partials, Self.originals
    ) { base, factor, head, partial, original in
      let configuration = Self.configuration(base, head, partial, original)
      let plain = try RoPEScaling.none.frequencies(for: configuration).inverseFrequencies
      let theta = configuration.defaultInverseFrequencies
      for truncate in [true, false] {
        let scaling = RoPEScaling.yarn(factor: factor, YaRNParameters(truncate: truncate))
        let inverse = try scaling.frequencies(for: configuration).inverseFrequencies
        let report = try RoPEDimensionReport(scaling: scaling, configuration: configuration)
        for dimension in report.dimensions {
          let i = dimension.pairIndex
          switch dimension.dimensionClass {
          case .kept: #expect(inverse[i].bitPattern == plain[i].bitPattern, "pair \(i)")
          case .interpolated: #expect(inverse[i] == Float(theta[i] / factor), "pair \(i)")
          case .blended:
            #expect(inverse[i] < plain[i] && inverse[i] > Float(theta[i] / factor), "pair \(i)")
          }
        }
      }
    }
  }

  /// `frequencyFactors[i] · inverseFrequencies[i]` recovers `θ_i` within 2 Float ulp.
  @Test func frequencyFactorsTimesInverseIsTheta() async {
    await propertyCheck(
      count: 200, input: Gen.double(in: 1.5...1e7), Gen.double(in: 1...64), Self.headDimensions,
      Self.partials, Self.originals
    ) { base, factor, head, partial, original in
      let configuration = Self.configuration(base, head, partial, original)
      let theta = configuration.defaultInverseFrequencies
      for scaling in Self.scalings(factor: factor) {
        let result = try scaling.frequencies(for: configuration, sequenceLength: 40000)
        for i in theta.indices {
          let product = result.frequencyFactors[i] * result.inverseFrequencies[i]
          #expect(ulpDistance(product, Float(theta[i])) <= 2, "\(scaling) pair \(i)")
        }
      }
    }
  }

  /// The report's classes partition the pairs, and the YaRN ramp is non-decreasing.
  @Test func reportRampIsMonotonic() async {
    await propertyCheck(
      count: 100, input: Gen.double(in: 1.5...1e7), Gen.double(in: 1.01...64),
      Self.headDimensions, Self.originals
    ) { base, factor, head, original in
      let configuration = Self.configuration(base, head, 1, original)
      for scaling in Self.scalings(factor: factor) {
        let report = try RoPEDimensionReport(
          scaling: scaling, configuration: configuration, sequenceLength: 40000)
        let ramps = report.dimensions.map(\.ramp)
        #expect(zip(ramps, ramps.dropFirst()).allSatisfy { $0 <= $1 }, "\(scaling)")
        let total = RoPEDimensionReport.DimensionClass.allCases.map { report.count(of: $0) }
        #expect(total.reduce(0, +) == configuration.pairCount)
      }
    }
  }
}
