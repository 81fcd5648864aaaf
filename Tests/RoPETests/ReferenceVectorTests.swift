import Testing

@testable import RoPE

/// The vectors of `rope-test-vectors.txt` / `rope-scaling.md` §8 (independent numpy port,
/// cross-checked there against transformers 5.24), printed to 11 significant digits.
@Suite("Reference vectors (rope-scaling.md §8)")
struct ReferenceVectorTests {
  struct YaRNCase: Sendable, CustomTestStringConvertible {
    var name: String
    var headDimension: Int
    var base: Double
    var factor: Double
    var original: Int
    var parameters = YaRNParameters()
    var range: (Double, Double)
    var counts: (kept: Int, interpolated: Int, blended: Int)
    var attentionFactor: Double
    var head: [Double]
    var tail: [Double]
    var testDescription: String { name }
  }

  static let yarnCases: [YaRNCase] = [
    YaRNCase(
      name: "A", headDimension: 128, base: 10000, factor: 4, original: 4096, range: (20, 46),
      counts: (21, 18, 25), attentionFactor: 1.1386294361,
      head: [1.0, 8.6596432336e-01, 7.4989420933e-01, 6.4938163158e-01],
      tail: [4.4456985251e-05, 3.8498163151e-05, 3.3338035804e-05, 2.8869549617e-05]),
    YaRNCase(
      name: "B", headDimension: 64, base: 100000, factor: 8, original: 2048, range: (6, 17),
      counts: (7, 15, 10), attentionFactor: 1.2079441542,
      head: [1.0, 6.9783058486e-01, 4.8696752517e-01, 3.3982083289e-01],
      tail: [5.2712062929e-06, 3.6784089703e-06, 2.5669062831e-06, 1.7912657128e-06]),
    YaRNCase(
      name: "C DeepSeek-V2", headDimension: 64, base: 10000, factor: 40, original: 4096,
      parameters: YaRNParameters(mscale: 0.707, mscaleAllDim: 0.707), range: (10, 23),
      counts: (11, 9, 12), attentionFactor: 1.0,
      head: [1.0, 7.4989420933e-01, 5.6234132519e-01, 4.2169650343e-01],
      tail: [7.9056941504e-06, 5.9284342642e-06, 4.4456985251e-06, 3.3338035804e-06]),
    YaRNCase(
      name: "C2 DeepSeek-V3", headDimension: 64, base: 10000, factor: 40, original: 4096,
      parameters: YaRNParameters(mscale: 1, mscaleAllDim: 1), range: (10, 23),
      counts: (11, 9, 12), attentionFactor: 1.0,
      head: [1.0, 7.4989420933e-01, 5.6234132519e-01, 4.2169650343e-01],
      tail: [7.9056941504e-06, 5.9284342642e-06, 4.4456985251e-06, 3.3338035804e-06]),
    YaRNCase(
      name: "C3 falsy mscale_all_dim", headDimension: 64, base: 10000, factor: 40,
      original: 4096, parameters: YaRNParameters(mscale: 1, mscaleAllDim: 0), range: (10, 23),
      counts: (11, 9, 12), attentionFactor: 1.3688879454,
      head: [1.0, 7.4989420933e-01, 5.6234132519e-01, 4.2169650343e-01],
      tail: [7.9056941504e-06, 5.9284342642e-06, 4.4456985251e-06, 3.3338035804e-06]),
    YaRNCase(
      name: "D gpt-oss truncate=false", headDimension: 64, base: 150000, factor: 32,
      original: 4096, parameters: YaRNParameters(truncate: false),
      range: (8.092779115512402, 17.39802450158856), counts: (9, 14, 9),
      attentionFactor: 1.3465735903,
      head: [1.0, 6.8904430589e-01, 4.7478205548e-01, 3.2714587186e-01],
      tail: [9.2420895024e-07, 6.3682091462e-07, 4.3879782509e-07, 3.0235114281e-07]),
    YaRNCase(
      name: "D' truncate=true", headDimension: 64, base: 150000, factor: 32, original: 4096,
      range: (8, 18), counts: (9, 14, 9), attentionFactor: 1.3465735903,
      head: [1.0, 6.8904430589e-01, 4.7478205548e-01, 3.2714587186e-01],
      tail: [9.2420895024e-07, 6.3682091462e-07, 4.3879782509e-07, 3.0235114281e-07]),
    YaRNCase(
      name: "E Qwen", headDimension: 128, base: 1_000_000, factor: 4, original: 32768,
      range: (23, 40), counts: (24, 24, 16), attentionFactor: 1.1386294361,
      head: [1.0, 8.0584218776e-01, 6.4938163158e-01, 5.2329911468e-01],
      tail: [5.9284342642e-07, 4.7773824374e-07, 3.8498163151e-07, 3.1023444019e-07]),
  ]

  /// The printed values carry 11 significant digits.
  static func matches(_ value: Double, _ printed: Double) -> Bool {
    abs(value - printed) <= 6e-11 * abs(printed)
  }

  @Test(arguments: yarnCases)
  func yarn(_ vector: YaRNCase) throws {
    let configuration = RotaryConfiguration(
      base: vector.base, headDimension: vector.headDimension,
      maxPositionEmbeddings: Int(Double(vector.original) * vector.factor),
      originalContextLength: vector.original)
    let scaling = RoPEScaling.yarn(factor: vector.factor, vector.parameters)
    let exact = scaling.exactFrequencies(for: configuration)
    let inverse = exact.inverseFrequencies
    for (value, printed) in zip(inverse.prefix(4), vector.head) {
      #expect(Self.matches(value, printed), "\(value) vs \(printed)")
    }
    for (value, printed) in zip(inverse.suffix(4), vector.tail) {
      #expect(Self.matches(value, printed), "\(value) vs \(printed)")
    }
    #expect(Self.matches(exact.attentionFactor, vector.attentionFactor))

    let report = try RoPEDimensionReport(scaling: scaling, configuration: configuration)
    #expect(
      report.correctionRange == YaRNCorrectionRange(low: vector.range.0, high: vector.range.1))
    #expect(report.count(of: .kept) == vector.counts.kept)
    #expect(report.count(of: .interpolated) == vector.counts.interpolated)
    #expect(report.count(of: .blended) == vector.counts.blended)
  }

  /// Case A against the reference's float32 column (its torch-precision mimic): within 2 ulp.
  @Test func caseAFloat32() throws {
    let configuration = RotaryConfiguration(
      headDimension: 128, maxPositionEmbeddings: 16384, originalContextLength: 4096)
    let result = try RoPEScaling.yarn(factor: 4).frequencies(for: configuration)
    let head: [Float] = [1.0, 8.6596435308e-01, 7.4989420176e-01, 6.4938163757e-01]
    let tail: [Float] = [4.4456985052e-05, 3.8498161302e-05, 3.3338037611e-05, 2.8869548260e-05]
    let ours = Array(result.inverseFrequencies.prefix(4) + result.inverseFrequencies.suffix(4))
    for (value, printed) in zip(ours, head + tail) {
      #expect(ulpDistance(value, printed) <= 2, "\(value) vs \(printed)")
    }
    #expect(result.attentionFactor == Float(1.1386294361))
  }

  /// F: llama3 (Llama 3.1): head and tail, class counts, and the `rope_freqs` factors.
  @Test func llama3() throws {
    let configuration = RotaryConfiguration(
      base: 500_000, headDimension: 128, maxPositionEmbeddings: 131072,
      originalContextLength: 8192)
    let scaling = RoPEScaling.llama3(factor: 8)
    let inverse = scaling.exactFrequencies(for: configuration).inverseFrequencies
    let head = [1.0, 8.1461723386e-01, 6.6360123770e-01, 5.4058100464e-01]
    let tail = [5.6770881008e-07, 4.6246538050e-07, 3.7673226902e-07, 3.0689259889e-07]
    for (value, printed) in zip(inverse.prefix(4) + inverse.suffix(4), head + tail) {
      #expect(Self.matches(value, printed), "\(value) vs \(printed)")
    }
    let report = try RoPEDimensionReport(scaling: scaling, configuration: configuration)
    #expect(report.count(of: .kept) == 29)
    #expect(report.count(of: .interpolated) == 29)
    #expect(report.count(of: .blended) == 6)
    let factors = try scaling.frequencies(for: configuration).frequencyFactors
    #expect(factors.prefix(29).allSatisfy { $0 == 1 })
    #expect(factors.suffix(29).allSatisfy { $0 == 8 })
  }

  /// G: linear.
  @Test func linear() throws {
    let configuration = RotaryConfiguration(headDimension: 128, maxPositionEmbeddings: 16384)
    let inverse = RoPEScaling.linear(factor: 4).exactFrequencies(for: configuration)
      .inverseFrequencies
    let printed = [0.25, 2.1649108084e-01, 1.8747355233e-01, 1.6234540789e-01]
    for (value, printed) in zip(inverse.prefix(4), printed) {
      #expect(Self.matches(value, printed), "\(value) vs \(printed)")
    }
  }

  /// H: dynamic NTK, effective base and last inverse frequency at three sequence lengths.
  @Test(arguments: [
    (4096, 10000.0, 1.1547819847e-04), (8192, 30527.736749, 3.8492732823e-05),
    (16384, 72195.860087, 1.6496885496e-05),
  ])
  func dynamicNTK(sequenceLength: Int, effectiveBase: Double, lastInverse: Double) throws {
    let configuration = RotaryConfiguration(headDimension: 128, maxPositionEmbeddings: 4096)
    let scaling = RoPEScaling.dynamicNTK(factor: 2)
    let inverse = scaling.exactFrequencies(for: configuration, sequenceLength: sequenceLength)
      .inverseFrequencies
    #expect(Self.matches(inverse[63], lastInverse), "\(inverse[63])")
    let ggml = try GGMLRoPE(
      scaling: scaling, configuration: configuration, sequenceLength: sequenceLength)
    #expect(abs(Double(ggml.base) - effectiveBase) <= Double(Float(effectiveBase).ulp))
  }

  /// C: DeepSeek softmax scale `g(40, mscale_all_dim)`.
  @Test(arguments: [(0.707, 1.2608037774), (1.0, 1.3688879454)])
  func deepSeekSoftmaxMagnitude(mscaleAllDim: Double, expected: Double) {
    #expect(Self.matches(YaRNParameters.magnitude(factor: 40, mscale: mscaleAllDim), expected))
  }

  /// I: llama.cpp's `yarn_attn_factor`: 1 for plain YaRN, `1/(1 + 0.1 ln 40)` for DeepSeek2.
  @Test func llamaContextAttentionFactor() {
    for factor: Float in [4, 8, 40] {
      let a = GGMLRoPE.llamaContextAttentionFactor(
        frequencyScale: 1 / factor, extrapolationFactor: 1)
      #expect(abs(a - 1) <= 2 * Float.ulpOfOne)
    }
    for logMultiplier: Float in [0.707, 1] {
      let a = GGMLRoPE.llamaContextAttentionFactor(
        frequencyScale: 1 / 40, extrapolationFactor: 1, logMultiplier: logMultiplier,
        isDeepSeek2: true)
      #expect(abs(Double(a) - 0.7305199840) < 1e-7, "\(a)")
    }
  }
}
