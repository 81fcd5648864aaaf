import Foundation
import Inference
import Patching
import Testing
import Verification

/// Spindle's logits on SmolLM2-135M-Instruct against llama.cpp's
/// (`fixtures/inference/smollm2/`, `record-smollm2.sh`).
///
/// Needs the models of `make smollm2` and an optimized build; `make release-tests` runs it.
@Suite(
  "SmolLM2 agreement with llama.cpp",
  .enabled(
    if: SmolLM2Reference.modelsPresent && SmolLM2Reference.optimized, SmolLM2Reference.skipReason))
struct SmolLM2AgreementTests {
  enum Model: String, Sendable {
    case float = "f32"
    case bfloat = "bf16"
    case quantized = "q4_1"
    case yarn = "q4_1 + yarn ×4"
  }

  struct Case: CustomTestStringConvertible, Sendable {
    var fixture: String
    var model: Model
    var mode: NumericMode
    /// Bound on every recorded `|Δlogit|`.
    var tolerance: Float
    /// Whether every position's top-1 must be llama.cpp's (else only clear ones).
    var exactTopOne = true
    /// The llama.cpp build the reference comes from, and whose sums Spindle follows.
    var build = LlamaCppBuild.avx512
    var testDescription: String {
      "\(fixture), \(model.rawValue), \(mode) numerics, \(build.rawValue) build"
    }
  }

  /// The cases, with bounds just above the measured gaps.
  ///
  /// Measured on x86-64 AVX-512 against llama.cpp from llama-cpp-python 0.3.36 (max |Δlogit|
  /// over the recorded entries): every `.llamaCpp` case — F32, Q4_1, YaRN ×4 at positions
  /// 8000–9023 and 32704–32767 — is bit-identical (0), so those bounds are 1e-5; Q4_1 `.exact`
  /// 0.82 (llama.cpp's Q8_1 activations vs Float ones). Top-1 agrees at every recorded position.
  /// The same on an AVX2 CPU against that machine's llama.cpp build (`smollm2/avx2/`), which
  /// also holds one-token batches (ggml's `vec_dot` order) and the BF16 copy (tinyBLAS for a
  /// batch, `ggml_vec_dot_bf16` for one token), all bit-identical.
  static let bitExact: Float = 1e-5

  static let cases: [Case] =
    avx512Cases
    + avx512Cases.filter { $0.mode == .llamaCpp }.map {
      var c = $0
      c.build = .avx2
      return c
    }
    + [
      ("smollm2-f32-1", .float), ("smollm2-q4_1-1", .quantized), ("smollm2-bf16-64", .bfloat),
      ("smollm2-bf16-256", .bfloat), ("smollm2-bf16-1", .bfloat),
    ].map { (fixture: String, model: Model) in
      Case(fixture: fixture, model: model, mode: .llamaCpp, tolerance: bitExact, build: .avx2)
    }

  static let avx512Cases: [Case] = [
    Case(fixture: "smollm2-f32-64", model: .float, mode: .llamaCpp, tolerance: bitExact),
    Case(fixture: "smollm2-f32-128", model: .float, mode: .llamaCpp, tolerance: bitExact),
    Case(fixture: "smollm2-f32-256", model: .float, mode: .llamaCpp, tolerance: bitExact),
    Case(fixture: "smollm2-q4_1-64", model: .quantized, mode: .llamaCpp, tolerance: bitExact),
    Case(fixture: "smollm2-q4_1-128", model: .quantized, mode: .llamaCpp, tolerance: bitExact),
    Case(fixture: "smollm2-q4_1-256", model: .quantized, mode: .llamaCpp, tolerance: bitExact),
    Case(
      fixture: "smollm2-q4_1-64", model: .quantized, mode: .exact, tolerance: 1, exactTopOne: false),
    Case(
      fixture: "smollm2-q4_1-256", model: .quantized, mode: .exact, tolerance: 1,
      exactTopOne: false),
    Case(fixture: "smollm2-yarn4-start32704", model: .yarn, mode: .llamaCpp, tolerance: bitExact),
    Case(fixture: "smollm2-yarn4-start8000", model: .yarn, mode: .llamaCpp, tolerance: bitExact),
  ]

  @Test(arguments: cases)
  func agreesWithLlamaCpp(_ c: Case) throws {
    let reference = try SmolLM2Reference(c.fixture, build: c.build)
    let checkpoint = try Self.checkpoint(c.model)
    let model = try checkpoint.model(rotary: .llamaCpp, numericMode: c.mode)
    let indices = reference.outputs.map(\.index)
    let clock = ContinuousClock()
    var ours: [[Float]] = []
    let elapsed = try clock.measure {
      ours = try LlamaCppBuild.withBuild(c.build) {
        try model.logits(
          tokens: reference.tokens, startPosition: reference.startPosition, outputs: indices)
      }
    }
    let gap = SmolLM2Gap(ours, reference, tieTolerance: c.tolerance)
    print("\(c.testDescription): \(gap) [\(reference.tokens.count) tokens in \(elapsed)]")
    #expect(gap.maximum <= c.tolerance, "\(gap)")
    #expect(gap.clearTopOneMismatches.isEmpty, "\(gap)")
    if c.exactTopOne { #expect(gap.topOneMismatches.isEmpty, "\(gap)") }
  }

  static func checkpoint(_ model: Model) throws -> LlamaCheckpoint {
    switch model {
    case .float: return try LlamaCheckpoint(gguf: SmolLM2Reference.floatModel)
    case .bfloat: return try LlamaCheckpoint(gguf: SmolLM2Reference.bfloatModel)
    case .quantized: return try LlamaCheckpoint(gguf: SmolLM2Reference.quantizedModel)
    case .yarn:
      let folder = NSTemporaryDirectory() + "spindle-smollm2-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let output = "\(folder)/smollm2-yarn4.gguf"
      try StampPlan(
        path: SmolLM2Reference.quantizedModel, request: StampRequest(method: .yarn, factor: 4)
      ).execute(.path(output))
      return try LlamaCheckpoint(gguf: output)
    }
  }
}
