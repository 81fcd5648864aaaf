import Formats
import Foundation
import Inference
import Patching
import TestSupport
import Testing
import Verification

/// The proof behind `stamp --tables` and portable mode: the baked files compute the logits
/// llama.cpp computes for the model stamped with YaRN keys (recorded by
/// `fixtures/inference/record.sh` at positions 2900-2963, past the original 2048).
///
/// `tables` keeps the attention factor as `rope.scaling.attn_factor`, so a runtime that honours
/// `rope_freqs` and that key reproduces YaRN; `portable` folds it into the Q8_0 block scales of
/// `attn_q`/`attn_k` (rounded to F16) and declares nothing, so a runtime that honours only the
/// table reproduces it. Both are evaluated with the table read from the file and no scaling
/// code (`rotary: .runtime` on a file whose type is none).
@Suite("Baked tables reproduce YaRN in the forward pass")
struct BakedTablesProofTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var variant: String
    var request: StampRequest
    var mode: NumericMode
    var tolerance: Float
    var testDescription: String { "\(variant), \(mode)" }
  }

  static func request(portable: Bool) -> StampRequest {
    var request = StampRequest(method: .yarn, factor: 4)
    request.tables = true
    request.bakeAttention = portable
    return request
  }

  // Measured (max |Δlogit| against llama.cpp on the keys-only model): tables, llama.cpp
  // numerics 0 (bit-identical); portable 3.8e-3 there, from the F16 rounding of d·m in the
  // Q8_0 scales. Exact numerics carry llama.cpp's own ~5e-3 activation-quantization gap.
  static let cases: [Case] = [
    Case(variant: "tables", request: request(portable: false), mode: .llamaCpp, tolerance: 1e-6),
    Case(variant: "portable", request: request(portable: true), mode: .llamaCpp, tolerance: 4e-3),
    Case(variant: "tables", request: request(portable: false), mode: .exact, tolerance: 1e-2),
    Case(variant: "portable", request: request(portable: true), mode: .exact, tolerance: 1e-2),
  ]

  @Test(arguments: cases)
  func matchesLlamaCppOnTheKeysModel(_ c: Case) throws {
    let folder = NSTemporaryDirectory() + "spindle-proof-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let output = "\(folder)/\(c.variant).gguf"
    try StampPlan(path: Repository.fixture("gguf/tiny-llama.gguf"), request: c.request)
      .execute(.path(output))
    let checkpoint = try LlamaCheckpoint(gguf: output)
    // The file declares no runtime scaling: the table and (tables) the attn_factor key are all.
    #expect(checkpoint.ropeSettings.summary.hasPrefix("none"))
    #expect(checkpoint.frequencyFactors?.count == 8)
    let model = try checkpoint.model(rotary: .runtime, numericMode: c.mode)
    let reference = try ReferenceLogits("tiny-llama-yarn4-start2900")
    let indices = reference.outputs.map(\.index)
    let ours = try model.logits(
      tokens: reference.tokens, startPosition: reference.startPosition, outputs: indices)
    let gap = LogitGap(
      ours, reference.outputs.map(\.logits), indices: indices, tolerance: c.tolerance)
    print("\(c.testDescription): \(gap)")
    #expect(gap.maximum <= c.tolerance, "\(gap)")
    #expect(gap.clearTopOneMismatches.isEmpty, "\(gap)")
    if c.mode == .llamaCpp { #expect(gap.topOneMismatches.isEmpty, "\(gap)") }
  }

  /// The same proof without quantization noise, on the F32 Hugging Face folder: a runtime that
  /// knows nothing of YaRN and honours only the baked `model.rotary_emb.inv_freq` (cos/sin
  /// magnitude 1) reproduces the keys-only model run with transformers' YaRN, to float
  /// rounding; dropping the attention factor instead is visible at 1000× that.
  @Test func portableFolderNeedsOnlyTheTable() throws {
    let folder = NSTemporaryDirectory() + "spindle-proof-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = Repository.fixture("hf/tiny-llama")
    try StampPlan(path: source, request: StampRequest(method: .yarn, factor: 4)).execute(
      .path("\(folder)/keys"))
    try StampPlan(path: source, request: Self.request(portable: true)).execute(
      .path("\(folder)/portable"))
    try StampPlan(path: source, request: Self.request(portable: false)).execute(
      .path("\(folder)/tables"))
    let reference = try ReferenceLogits("tiny-llama-yarn4-start2900")
    let indices = reference.outputs.map(\.index)
    func logits(_ model: LlamaModel) throws -> [[Float]] {
      try model.logits(
        tokens: reference.tokens, startPosition: reference.startPosition, outputs: indices)
    }
    let keys = try logits(
      try LlamaCheckpoint(huggingFace: "\(folder)/keys").model(rotary: .runtime))
    func tableOnly(_ name: String) throws -> LlamaModel {
      let checkpoint = try LlamaCheckpoint(huggingFace: "\(folder)/\(name)")
      let file = try SafetensorsFile(path: "\(folder)/\(name)/model.safetensors")
      let entry = try #require(file.tensor(named: "model.rotary_emb.inv_freq"))
      let bytes = file.file.bytes(in: entry.byteRange)
      let inverse = stride(from: 0, to: bytes.count, by: 4).map { offset in
        Float(
          bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
      }
      return try checkpoint.model(
        rotary: RotaryEmbedding(
          layout: checkpoint.rotaryLayout, dimensionCount: 2 * inverse.count,
          angles: .table(inverseFrequencies: inverse, attentionFactor: 1)))
    }
    let portable = LogitGap(
      try logits(try tableOnly("portable")), keys, indices: indices, tolerance: 1e-4)
    let unscaled = LogitGap(
      try logits(try tableOnly("tables")), keys, indices: indices, tolerance: 1e-4)
    print("portable F32, table only: \(portable); without the attention factor: \(unscaled)")
    #expect(portable.maximum <= 2e-6, "\(portable)")
    #expect(portable.topOneMismatches.isEmpty)
    #expect(unscaled.maximum > 1000 * portable.maximum, "\(unscaled)")
  }
}
