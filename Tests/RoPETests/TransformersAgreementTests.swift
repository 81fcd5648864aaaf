import Testing

@testable import RoPE

/// Agreement with real transformers v5 `ROPE_INIT_FUNCTIONS`, whose tables are float32 (torch).
///
/// Kept, interpolated and unscaled pairs must be within 2 float32 ulp. Blended pairs (YaRN ramp,
/// llama3 smoothing) are computed by transformers in float32 *after* the ramp or smoothing factor
/// was itself rounded to float32; that rounding error `δ <= 1.5·2^-24` is multiplied by
/// `θ_i - θ_i/s`, which is up to `1.5·s` ulp of the result (26 ulp at s = 32). This module computes
/// the blend in Double, so for those pairs the bound is 2 ulp plus one ulp of `θ_i`.
@Suite("Agreement with transformers ROPE_INIT_FUNCTIONS")
struct TransformersAgreementTests {
  @Test func fixtureIsComplete() {
    #expect(TransformersVector.all.count == 546, "\(TransformersVector.fixtureURL.path)")
  }

  @Test(arguments: TransformersVector.all)
  func inverseFrequencies(vector: TransformersVector) throws {
    let configuration = vector.configuration
    let exact = vector.scaling.exactFrequencies(for: configuration, sequenceLength: vector.seqLen)
    let result = try vector.scaling.frequencies(for: configuration, sequenceLength: vector.seqLen)
    let expected = vector.expectedInverseFrequencies
    try #require(result.inverseFrequencies.count == expected.count)
    for i in expected.indices {
      let ours = result.inverseFrequencies[i]
      let theta = exact.defaultInverseFrequencies[i]
      let isBlended =
        exact.inverseFrequencies[i] != theta
        && exact.inverseFrequencies[i] != theta / exact.effectiveFactor
      if isBlended && isBlendedType(vector.scaling) {
        let bound = 2 * expected[i].ulp + Float(theta).ulp
        #expect(abs(ours - expected[i]) <= bound, "pair \(i): \(ours) vs \(expected[i])")
      } else {
        #expect(ulpDistance(ours, expected[i]) <= 2, "pair \(i): \(ours) vs \(expected[i])")
      }
    }
    #expect(result.attentionFactor == Float(vector.attentionFactor))
  }

  private func isBlendedType(_ scaling: RoPEScaling) -> Bool {
    switch scaling {
    case .yarn, .llama3: true
    default: false
    }
  }
}
