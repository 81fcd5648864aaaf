import Foundation
import Inference
import Patching
import RoPE
import TestSupport
import Testing
import Verification

/// The two ways to hand the model its rotary angles agree, and so do the two layouts.
@Suite("Rotary inputs")
struct RotaryEquivalenceTests {
  static let tokens: [Int32] = (0..<48).map { Int32(($0 * 37 + 11) % 256) }
  static let start = 2500
  static let yarnConfiguration = RotaryConfiguration(
    base: 10_000, headDimension: 16, maxPositionEmbeddings: 8192, originalContextLength: 2048)

  /// The runtime YaRN table and a hand-made table with the same values give identical logits;
  /// the baked form (`θ_i / frequencyFactor_i`, stored attention factor) stays within 1e-5.
  @Test func bakedTableMatchesRuntimeYaRN() throws {
    let checkpoint = try LlamaCppAgreementTests.tinyLlama()
    let frequencies = try RoPEScaling.yarn(factor: 4, YaRNParameters()).frequencies(
      for: Self.yarnConfiguration)
    let runtime = RotaryEmbedding(layout: .interleaved, frequencies: frequencies)
    let handMade = RotaryEmbedding(
      layout: .interleaved, dimensionCount: 16,
      angles: .table(
        inverseFrequencies: frequencies.inverseFrequencies.map { Float(bitPattern: $0.bitPattern) },
        attentionFactor: frequencies.attentionFactor))
    let baked = RotaryEmbedding(
      layout: .interleaved, base: 10_000, frequencyFactors: frequencies.frequencyFactors,
      attentionFactor: frequencies.attentionFactor)
    let outputs = Array(Self.tokens.indices)
    let a = try checkpoint.model(rotary: runtime).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    let b = try checkpoint.model(rotary: handMade).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    let c = try checkpoint.model(rotary: baked).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    #expect(a == b)
    let gap = LogitGap(c, a, indices: outputs, tolerance: 1e-5)
    print("baked table vs runtime YaRN table: \(gap)")
    #expect(gap.maximum <= 1e-5, "\(gap)")
    #expect(gap.clearTopOneMismatches.isEmpty, "\(gap)")
  }

  /// In llama.cpp's form, a `rope_freqs` table baked from the YaRN factors (no runtime YaRN,
  /// `ext_factor` 0) against runtime YaRN (`ext_factor` 1): the ramp is the same up to Float
  /// rounding, so logits agree to 1e-5 (measured: 1.0e-7).
  @Test func bakedFrequencyFactorsMatchRuntimeYaRNInGGMLForm() throws {
    let checkpoint = try LlamaCppAgreementTests.yarnCheckpoint()
    let runtime = try checkpoint.rotary(.llamaCpp)
    let frequencies = try RoPEScaling.yarn(factor: 4, YaRNParameters()).frequencies(
      for: Self.yarnConfiguration)
    let kernel = GGMLRoPE(
      dimensionCount: 16, originalContextLength: 2048, base: 10_000,
      attentionFactor: frequencies.attentionFactor, frequencyFactors: frequencies.frequencyFactors)
    let baked = RotaryEmbedding(layout: .interleaved, dimensionCount: 16, angles: .ggml(kernel))
    let outputs = Array(Self.tokens.indices)
    let a = try checkpoint.model(rotary: runtime).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    let b = try checkpoint.model(rotary: baked).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    let gap = LogitGap(b, a, indices: outputs, tolerance: 1e-5)
    print("ggml form, baked rope_freqs vs runtime YaRN: \(gap)")
    #expect(gap.maximum <= 1e-5, "\(gap)")
    #expect(gap.topOneMismatches.isEmpty, "\(gap)")
  }

  /// The GGUF (Q/K rows permuted, adjacent pairs) and the Hugging Face folder (the same
  /// dequantized weights, NeoX halves) compute the same logits, unscaled and YaRN-stamped.
  @Test(arguments: [false, true])
  func ggufAndHuggingFaceLayoutsAgree(yarn: Bool) throws {
    let gguf =
      try yarn ? LlamaCppAgreementTests.yarnCheckpoint() : LlamaCppAgreementTests.tinyLlama()
    let folder = NSTemporaryDirectory() + "spindle-inference-hf-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var hfPath = Repository.fixture("hf/tiny-llama")
    if yarn {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try StampPlan(path: hfPath, request: StampRequest(method: .yarn, factor: 4)).execute(
        .path("\(folder)/stamped"))
      hfPath = "\(folder)/stamped"
    }
    let hf = try LlamaCheckpoint(huggingFace: hfPath)
    #expect(hf.rotaryLayout == .halves && gguf.rotaryLayout == .interleaved)
    let outputs = Array(Self.tokens.indices)
    let a = try gguf.model(rotary: .runtime).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    let b = try hf.model(rotary: .runtime).logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    let gap = LogitGap(b, a, indices: outputs, tolerance: 1e-5)
    print("HF halves vs GGUF interleaved (yarn: \(yarn)): \(gap)")
    #expect(gap.maximum <= 1e-5, "\(gap)")
    #expect(gap.topOneMismatches.isEmpty, "\(gap)")
  }
}
