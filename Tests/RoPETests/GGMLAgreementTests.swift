import Testing

@testable import RoPE

/// ggml's Float kernel against the Double Hugging Face-form tables: angles `p · inv_i` and the
/// cos/sin magnitude, at positions 0 … 131072.
///
/// Angle tolerance `p · 1.3e-7`: the reference states "about p·1.2e-7", and its own case-J numbers
/// (max |Δcos| 1.55e-3 at p = 12345) are 1.26e-7·p; here case A peaks at 1.27e-7·p (iterative
/// float32 `θ *= theta_scale`, error ~ p·i·2^-24 summed over 20+ multiplications).
@Suite("Agreement with ggml rope_yarn")
struct GGMLAgreementTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var configuration: RotaryConfiguration
    var scaling: RoPEScaling
    var testDescription: String { name }
  }

  static let shortFactors: [Double] = (0..<32).map { (i: Int) -> Double in 1 + 0.02 * Double(i) }
  static let longFactors: [Double] = (0..<32).map { (i: Int) -> Double in
    let x = Double(i) / 31
    return 1 + 31 * x * x
  }

  static let cases: [Case] = [
    Case(
      name: "A yarn",
      configuration: .init(
        headDimension: 128, maxPositionEmbeddings: 16384, originalContextLength: 4096),
      scaling: .yarn(factor: 4)),
    Case(
      name: "B yarn",
      configuration: .init(
        base: 100_000, headDimension: 64, maxPositionEmbeddings: 16384, originalContextLength: 2048),
      scaling: .yarn(factor: 8)),
    Case(
      name: "D' yarn",
      configuration: .init(
        base: 150_000, headDimension: 64, maxPositionEmbeddings: 131072, originalContextLength: 4096
      ),
      scaling: .yarn(factor: 32)),
    Case(
      name: "E yarn",
      configuration: .init(
        base: 1_000_000, headDimension: 128, maxPositionEmbeddings: 131072,
        originalContextLength: 32768),
      scaling: .yarn(factor: 4)),
    Case(
      name: "yarn partial 0.5",
      configuration: .init(
        base: 10_000, headDimension: 128, partialRotaryFactor: 0.5, maxPositionEmbeddings: 32768,
        originalContextLength: 4096),
      scaling: .yarn(factor: 8)),
    Case(
      name: "F llama3",
      configuration: .init(
        base: 500_000, headDimension: 128, maxPositionEmbeddings: 131072,
        originalContextLength: 8192),
      scaling: .llama3(factor: 8)),
    Case(
      name: "G linear", configuration: .init(headDimension: 128, maxPositionEmbeddings: 16384),
      scaling: .linear(factor: 4)),
    Case(
      name: "none",
      configuration: .init(base: 500_000, headDimension: 128, maxPositionEmbeddings: 8192),
      scaling: .none),
    Case(
      name: "longrope long",
      configuration: .init(
        base: 10_000, headDimension: 64, maxPositionEmbeddings: 131072, originalContextLength: 4096),
      scaling: .longRoPE(shortFactors: shortFactors, longFactors: longFactors)),
  ]

  /// Powers of two up to 2^17 and a spread of other positions.
  static let positions: [Int32] =
    [0, 3, 100, 777, 4095, 12345, 50000, 65537, 100_003, 131071]
    + (0...17).map { (k: Int32) -> Int32 in 1 << k }

  @Test(arguments: cases)
  func anglesAndMagnitude(_ test: Case) throws {
    let exact = test.scaling.exactFrequencies(for: test.configuration, sequenceLength: 131072)
    let ggml = try GGMLRoPE(
      scaling: test.scaling, configuration: test.configuration, sequenceLength: 131072)
    var worst = 0.0
    for position in Self.positions {
      let rotations = ggml.rotations(atPosition: position)
      for (pair, rotation) in rotations.enumerated() {
        let angle = Double(position) * exact.inverseFrequencies[pair]
        let error = abs(Double(rotation.angle) - angle)
        worst = max(worst, error / max(Double(position), 1))
        #expect(error <= Double(position) * 1.3e-7, "p \(position) pair \(pair)")
        #expect(
          ulpDistance(rotation.magnitude, Float(exact.attentionFactor)) <= 2,
          "\(rotation.magnitude) vs \(exact.attentionFactor)")
      }
    }
    _ = worst
  }

  /// Reference case J: ggml's cos at p = 12345 for case A, first and last three pairs (NEOX
  /// layout, so pair i is cos index i), from the reference's float32 re-implementation.
  @Test func caseJCosines() throws {
    let configuration = RotaryConfiguration(
      headDimension: 128, maxPositionEmbeddings: 16384, originalContextLength: 4096)
    let ggml = try GGMLRoPE(scaling: .yarn(factor: 4), configuration: configuration)
    #expect(ggml.correctionDimensions == (20, 46))
    let cosines = ggml.rotations(atPosition: 12345).map(\.cos)
    let head: [Float] = [1.2688407302e-01, -9.9388706684e-01, -7.6909345388e-01]
    let tail: [Float] = [1.0124390125, 1.0435519218, 1.0670785904]
    for (value, printed) in zip(cosines.prefix(3) + cosines.suffix(3), head + tail) {
      #expect(ulpDistance(value, printed) <= 2, "\(value) vs \(printed)")
    }
  }

  /// ggml cannot express `truncate: false`: it always rounds the range (reference case D).
  @Test func ggmlAlwaysTruncates() throws {
    let configuration = RotaryConfiguration(
      base: 150_000, headDimension: 64, maxPositionEmbeddings: 131072,
      originalContextLength: 4096)
    let ggml = try GGMLRoPE(
      scaling: .yarn(factor: 32, YaRNParameters(truncate: false)), configuration: configuration)
    #expect(ggml.correctionDimensions == (8, 18))
  }

  /// llama.cpp ignores an explicit `attention_factor` while YaRN is active (reference §6):
  /// the kernel's magnitude stays `g(s)`.
  @Test func explicitAttentionFactorIsIgnoredByLlamaCpp() throws {
    let configuration = RotaryConfiguration(
      headDimension: 128, maxPositionEmbeddings: 16384, originalContextLength: 4096)
    let scaling = RoPEScaling.yarn(factor: 4, YaRNParameters(attentionFactor: 0.878))
    let ggml = try GGMLRoPE(scaling: scaling, configuration: configuration)
    let magnitude = ggml.rotations(atPosition: 1)[0].magnitude
    #expect(ulpDistance(magnitude, Float(YaRNParameters.magnitude(factor: 4))) <= 2)
    #expect(try scaling.frequencies(for: configuration).attentionFactor == 0.878)
  }

  /// With `ext_factor = 0` ggml is plain linear interpolation with magnitude `attn_factor`.
  @Test func zeroExtrapolationFactorIsLinear() {
    let rotation = GGMLRoPE.yarn(
      thetaExtrapolated: 100, frequencyScale: 0.25, correctionDimensions: (20, 46),
      dimensionIndex: 0, extrapolationFactor: 0, attentionFactor: 0.5)
    #expect(rotation.angle == 25)
    #expect(rotation.magnitude == 0.5)
  }

  /// `rope_yarn_ramp`: 1 (extrapolate) at and below `low`, 0 at and above `high`, and the
  /// 0.001 guard when `low == high`.
  @Test(arguments: [
    (Float(20), Float(46), 0, Float(1)), (20, 46, 40, 1), (20, 46, 66, 0.5), (20, 46, 92, 0),
    (20, 46, 126, 0), (5, 5, 10, 1), (5, 5, 12, 0),
  ])
  func ramp(low: Float, high: Float, dimensionIndex: Int, expected: Float) {
    #expect(GGMLRoPE.ramp(low: low, high: high, dimensionIndex: dimensionIndex) == expected)
  }
}
