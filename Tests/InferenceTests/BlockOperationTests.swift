import Foundation
import RoPE
import Tensors
import TestSupport
import Testing

@testable import Inference

/// The operations GPT-NeoX and phi3 blocks add: LayerNorm with a bias, the GELU forms, partial
/// NeoX rotary. `.exact` forms against the formula in Double; `.llamaCpp` forms against what
/// ggml's CPU kernels computed (`fixtures/inference/ggml-ops`), bit for bit.
@Suite("Block operations")
struct BlockOperationTests {
  static func fixture(_ name: String) throws -> Data {
    try Data(
      contentsOf: URL(fileURLWithPath: Repository.fixture("inference/ggml-ops/\(name)")))
  }

  static func floats(_ data: Data, from offset: Int, count: Int) -> [Float] {
    (0..<count).map { i in
      Float(
        bitPattern: data.subdata(in: (offset + 4 * i)..<(offset + 4 * i + 4)).withUnsafeBytes {
          UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))
        })
    }
  }

  /// One case of `norm.bin`: `y = ggml_add(ggml_mul(ggml_norm(x, eps), w), b)`.
  struct NormCase {
    var length: Int
    var epsilon: Float
    var x: [Float]
    var weight: [Float]
    var bias: [Float]
    var y: [Float]
  }

  /// `norm.bin` of llama.cpp's AVX-512 build, or `avx2/norm.bin` of its AVX2 one.
  static func normCases(_ build: LlamaCppBuild = .avx512) throws -> [NormCase] {
    let data = try fixture(build == .avx512 ? "norm.bin" : "avx2/norm.bin")
    var cases: [NormCase] = []
    var offset = 0
    while offset < data.count {
      let header = floats(data, from: offset, count: 3)
      let n = Int(header[0].bitPattern)
      let rows = Int(header[1].bitPattern)
      offset += 12
      let x = floats(data, from: offset, count: n * rows)
      offset += 4 * n * rows
      let weight = floats(data, from: offset, count: n)
      let bias = floats(data, from: offset + 4 * n, count: n)
      offset += 8 * n
      let y = floats(data, from: offset, count: n * rows)
      offset += 4 * n * rows
      cases.append(
        NormCase(length: n, epsilon: header[2], x: x, weight: weight, bias: bias, y: y))
    }
    return cases
  }

  /// LayerNorm in Double: `(x − mean)/√(var + ε)·w + b`.
  static func layerNormReference(
    _ x: [Float], weight: [Float], bias: [Float], epsilon: Float
  ) -> [Double] {
    let n = weight.count
    var result: [Double] = []
    for start in stride(from: 0, to: x.count, by: n) {
      let row = x[start..<(start + n)].map(Double.init)
      let mean = row.reduce(0, +) / Double(n)
      let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
      let inverse = 1 / (variance + Double(epsilon)).squareRoot()
      for i in 0..<n {
        result.append((row[i] - mean) * inverse * Double(weight[i]) + Double(bias[i]))
      }
    }
    return result
  }

  @Test("LayerNorm, hand-computed: [1, 2, 3, 4] → ±1.3416408, ±0.4472136 (times w, plus b)")
  func layerNormByHand() {
    // mean 2.5, variance 1.25, 1/√1.25 = 0.894427191.
    var x: [Float] = [1, 2, 3, 4]
    Kernels.layerNorm(&x, weight: [1, 1, 1, 1], bias: nil, epsilon: 0)
    #expect(x == [-1.3416408, -0.4472136, 0.4472136, 1.3416408])
    // ggml: scale = 1/sqrtf(1.25) = 0.8944272 in Float, −1.5·scale = −1.3416407 (not …408),
    // then ·2 + 0.5.
    var y: [Float] = [1, 2, 3, 4]
    Kernels.layerNormGGML(&y, weight: [2, 2, 2, 2], bias: [0.5, 0, 0, -0.5], epsilon: 0)
    #expect(y == [-2.1832814, -0.8944272, 0.8944272, 2.1832814])
  }

  @Test("LayerNorm .exact is the formula in Double to within rounding")
  func layerNormExact() throws {
    for c in try Self.normCases() {
      var x = c.x
      Kernels.layerNorm(&x, weight: c.weight, bias: c.bias, epsilon: c.epsilon)
      let reference = Self.layerNormReference(
        c.x, weight: c.weight, bias: c.bias, epsilon: c.epsilon)
      for i in x.indices {
        // Three roundings: the normalized value, times w, plus b.
        let scale =
          abs(reference[i] - Double(c.bias[i % c.length])) + abs(Double(c.bias[i % c.length]))
        #expect(
          abs(Double(x[i]) - reference[i]) <= 2e-7 * scale + 1e-12, "n \(c.length) index \(i)")
      }
    }
  }

  @Test(
    "LayerNorm .llamaCpp equals ggml's norm, mul and add bit for bit",
    arguments: LlamaCppBuild.allCases)
  func layerNormGGML(build: LlamaCppBuild) throws {
    let cases = try Self.normCases(build)
    #expect(cases.map(\.length) == [64, 40, 7, 96, 32])
    for c in cases {
      var x = c.x
      LlamaCppBuild.withBuild(build) {
        Kernels.layerNormGGML(&x, weight: c.weight, bias: c.bias, epsilon: c.epsilon)
      }
      #expect(x.map(\.bitPattern) == c.y.map(\.bitPattern), "n \(c.length) eps \(c.epsilon)")
      // ggml's Float mean differs from the formula, most where the mean is large (100 ± 0.01).
      let reference = Self.layerNormReference(
        c.x, weight: c.weight, bias: c.bias, epsilon: c.epsilon)
      let gap = zip(x, reference).map { abs(Double($0) - $1) }.max() ?? 0
      #expect(gap <= (c.length == 96 ? 3e-3 : 2e-6), "n \(c.length): max |Δ| \(gap)")
    }
  }

  static func geluErfReference(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
  static func geluTanhReference(_ x: Double) -> Double {
    0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
  }

  @Test("GELU exact forms: hand-computed values and the formulas in Double")
  func geluExact() {
    // Φ(1) = 0.841344746…; tanh form at 1: 0.841191990…; at −3: −0.004049694… and −0.003637392….
    // Float arithmetic: within one ulp of the correctly rounded value.
    #expect(abs(Kernels.geluErf(1) - 0.841_344_746_068_542_9) <= Float(0.84).ulp)
    #expect(abs(Kernels.geluTanh(1) - 0.841_191_990_608_276_8) <= Float(0.84).ulp)
    // At −3, 1 + erf (or tanh) cancels: about |x|·2⁻²³ absolute.
    #expect(abs(Kernels.geluErf(-3) - -0.004_049_694_094_890_31) <= 4e-7)
    #expect(abs(Kernels.geluTanh(-3) - -0.003_637_392_081_773) <= 4e-7)
    #expect(Kernels.geluErf(0) == 0 && Kernels.geluTanh(0) == 0)
    for step in -2000...2000 {
      let x = Float(step) * 0.004_3
      let erfGap = abs(Double(Kernels.geluErf(x)) - Self.geluErfReference(Double(x)))
      let tanhGap = abs(Double(Kernels.geluTanh(x)) - Self.geluTanhReference(Double(x)))
      let scale = max(abs(Double(x)), 1e-3)
      #expect(erfGap <= 4e-7 * scale, "erf form at \(x): \(erfGap)")
      #expect(tanhGap <= 4e-7 * scale, "tanh form at \(x): \(tanhGap)")
    }
  }

  @Test("ggml's GELU equals ggml_gelu on every binary16 input, bit for bit")
  func geluTableEqualsGGML() throws {
    let data = try Self.fixture("gelu-f16.bin")
    #expect(data.count == 2 * 65536)
    var checked = 0
    for bits in 0...Int(UInt16.max) {
      let x = HalfFloat.float(fromHalf: UInt16(bits))
      guard !x.isNaN else { continue }
      let expected = HalfFloat.float(
        fromHalf: UInt16(data[2 * bits]) | UInt16(data[2 * bits + 1]) << 8)
      #expect(Kernels.geluGGML(x).bitPattern == expected.bitPattern, "input \(x)")
      checked += 1
    }
    #expect(checked == 65536 - 2046)
  }

  @Test("ggml's GELU equals ggml_gelu on Float inputs (rounded to F16 for the table)")
  func geluFloatsEqualGGML() throws {
    let data = try Self.fixture("gelu-f32.bin")
    let pairs = Self.floats(data, from: 0, count: data.count / 4)
    for i in stride(from: 0, to: pairs.count, by: 2) {
      #expect(Kernels.geluGGML(pairs[i]).bitPattern == pairs[i + 1].bitPattern, "input \(pairs[i])")
    }
  }

  @Test("ggml's GELU table: the tanh formula rounded to F16, cut off at ±10")
  func geluTableByHand() {
    // Table entries from ggml's algorithm: F16(gelu_tanh(x)) for F16 inputs.
    #expect(Kernels.geluGGML(1) == Float(Float16(0.841_191_99)))
    #expect(Kernels.geluGGML(-1) == Float(Float16(-0.158_808_01)))
    #expect(Kernels.geluGGML(0.5) == Float(Float16(0.345_714_02)))
    #expect(Kernels.geluGGML(-10) == 0 && Kernels.geluGGML(-10.5) == 0)
    #expect(Kernels.geluGGML(10) == 10 && Kernels.geluGGML(12.345) == 12.345)
    // Just inside the cut-off the input is rounded to F16 first: 9.999 → 10.0 → 10.
    #expect(Kernels.geluGGML(9.999) == 10)
    // The one entry where GCC's contraction (fma(0.044715·x, x, 1)) changes the rounding.
    let x = HalfFloat.float(fromHalf: 0xBFFF)
    #expect(x == -1.999_023_4)
    #expect(HalfFloat.half(from: Kernels.geluGGML(x)) == 43475)
    // Every entry within half an F16 step of the formula in Double, plus the Float formula's
    // own error: 1 + tanhf(z) cancels for negative x, leaving about |x|·2⁻²³ absolute.
    for bits in 0...Int(UInt16.max) {
      let input = HalfFloat.float(fromHalf: UInt16(bits))
      guard input.isFinite, input > -10, input < 10 else { continue }
      let reference = Self.geluTanhReference(Double(input))
      let value = Kernels.geluGGML(input)
      let step = Double(Float16(value).ulp)
      #expect(
        abs(Double(value) - reference) <= 0.5 * step + 1.5e-7 * Double(abs(input)) + 1e-9,
        "input \(input)")
    }
  }

  @Test(
    "Partial NeoX rotary: pairs (i, i + r/2) of the first r dimensions turn, the rest pass",
    arguments: [false, true])
  func partialRotaryHalves(ggml: Bool) throws {
    // head_dim 8, rotary_pct 0.5: r = 4 rotated dimensions, two pairs (0, 2) and (1, 3).
    let inverse: [Float] = [1, 0.01]
    let rotary =
      ggml
      ? RotaryEmbedding(
        layout: .halves, dimensionCount: 4,
        angles: .ggml(GGMLRoPE(dimensionCount: 4, originalContextLength: 2048, base: 10_000)))
      : RotaryEmbedding(
        layout: .halves, dimensionCount: 4,
        angles: .table(inverseFrequencies: inverse, attentionFactor: 1))
    try rotary.validate(headDimension: 8)
    let position = 7
    let (cosines, sines) = rotary.rotations(positions: position..<(position + 1))
    let input: [Float] = (0..<16).map { Float($0 + 1) * 0.25 }
    var x = input
    x.withUnsafeMutableBufferPointer { buffer in
      cosines.withUnsafeBufferPointer { c in
        sines.withUnsafeBufferPointer { s in
          rotary.rotate(
            buffer.baseAddress!, heads: 2, headDimension: 8, cos: c.baseAddress!,
            sin: s.baseAddress!)
        }
      }
    }
    for head in 0..<2 {
      let h = head * 8
      #expect(Array(x[(h + 4)..<(h + 8)]) == Array(input[(h + 4)..<(h + 8)]), "pass-through")
      for i in 0..<2 {
        // θ_i = p·base^(−2i/r): 1 and 0.01 for base 10⁴, r = 4.
        let theta = Double(position) * (i == 0 ? 1 : 0.01)
        let (a, b) = (Double(input[h + i]), Double(input[h + i + 2]))
        let first = a * cos(theta) - b * sin(theta)
        let second = a * sin(theta) + b * cos(theta)
        #expect(abs(Double(x[h + i]) - first) <= 2e-6, "head \(head) pair \(i)")
        #expect(abs(Double(x[h + i + 2]) - second) <= 2e-6, "head \(head) pair \(i)")
      }
    }
    // The table angles' cos of pair 1 is cos(7·0.01).
    #expect(abs(Double(cosines[1]) - cos(0.07)) <= 1e-7)
  }
}
