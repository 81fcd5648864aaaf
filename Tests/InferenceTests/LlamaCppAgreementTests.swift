import Foundation
import Inference
import Patching
import TestSupport
import Testing
import Verification

/// Spindle's logits against llama.cpp's on the same GGUF (`fixtures/inference/*.json`).
@Suite("Agreement with llama.cpp")
struct LlamaCppAgreementTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var fixture: String
    var yarn: Bool
    var mode: NumericMode
    var rotary: LlamaCheckpoint.RotarySource
    /// Bound on every `|Δlogit|`.
    var tolerance: Float
    /// Recorded positions allowed to differ by more than 1e-6 (the rest must be bit-near).
    var inexactPositions: Int
    var testDescription: String { "\(fixture), \(mode) numerics, \(rotary) rotary" }
  }

  /// Measured (x86-64 AVX-512, llama.cpp from llama-cpp-python 0.3.36): `.llamaCpp` numerics
  /// give bit-identical logits except one position of the 600-token case (1.2e-3, a Q8_0
  /// rounding flip after a last-ulp difference, likely ggml's vectorized `expf`); `.exact`
  /// differs by up to 5.3e-3, the size of llama.cpp's activation quantization.
  static let cases: [Case] = [
    Case(
      fixture: "tiny-llama-64", yarn: false, mode: .llamaCpp, rotary: .llamaCpp,
      tolerance: 1e-6, inexactPositions: 0),
    Case(
      fixture: "tiny-llama-600", yarn: false, mode: .llamaCpp, rotary: .llamaCpp,
      tolerance: 2e-3, inexactPositions: 1),
    Case(
      fixture: "tiny-llama-yarn4-start2900", yarn: true, mode: .llamaCpp, rotary: .llamaCpp,
      tolerance: 1e-6, inexactPositions: 0),
    Case(
      fixture: "tiny-llama-yarn4-start2900", yarn: true, mode: .llamaCpp, rotary: .runtime,
      tolerance: 2e-3, inexactPositions: 7),
    Case(
      fixture: "tiny-llama-64", yarn: false, mode: .exact, rotary: .llamaCpp, tolerance: 1e-2,
      inexactPositions: 64),
    Case(
      fixture: "tiny-llama-yarn4-start2900", yarn: true, mode: .exact, rotary: .runtime,
      tolerance: 1e-2, inexactPositions: 7),
  ]

  @Test(arguments: cases)
  func agreesWithLlamaCpp(_ c: Case) throws {
    try check(c)
  }

  /// The 3000-token YaRN sequence from position 0 (about 25 s in a debug build; set SPINDLE_SLOW_TESTS=1).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["SPINDLE_SLOW_TESTS"] == "1"))
  func longYaRNSequence() throws {
    try check(
      Case(
        fixture: "tiny-llama-yarn4-3000", yarn: true, mode: .llamaCpp, rotary: .llamaCpp,
        tolerance: 1e-6, inexactPositions: 0))
  }

  func check(_ c: Case) throws {
    let reference = try ReferenceLogits(c.fixture)
    let checkpoint = try c.yarn ? Self.yarnCheckpoint() : Self.tinyLlama()
    let model = try checkpoint.model(rotary: c.rotary, numericMode: c.mode)
    let indices = reference.outputs.map(\.index)
    // Recorded with llama.cpp's AVX-512 build.
    let ours = try LlamaCppBuild.withBuild(.avx512) {
      try model.logits(
        tokens: reference.tokens, startPosition: reference.startPosition, outputs: indices)
    }
    let gap = LogitGap(
      ours, reference.outputs.map(\.logits), indices: indices, tolerance: c.tolerance)
    print("\(c.testDescription): \(gap)")
    #expect(gap.maximum <= c.tolerance, "\(gap)")
    #expect(gap.inexactRows.count <= c.inexactPositions, "\(gap)")
    #expect(gap.clearTopOneMismatches.isEmpty, "\(gap)")
    if c.mode == .llamaCpp { #expect(gap.topOneMismatches.isEmpty, "\(gap)") }
  }

  static func tinyLlama() throws -> LlamaCheckpoint {
    try LlamaCheckpoint(gguf: Repository.fixture("gguf/tiny-llama.gguf"))
  }

  /// tiny-llama stamped with `--yarn 4`, as `record.sh` stamps it.
  static func yarnCheckpoint() throws -> LlamaCheckpoint {
    let folder = NSTemporaryDirectory() + "spindle-inference-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let output = "\(folder)/tiny-llama-yarn4.gguf"
    try StampPlan(
      path: Repository.fixture("gguf/tiny-llama.gguf"),
      request: StampRequest(method: .yarn, factor: 4)
    ).execute(.path(output))
    // The mapping keeps the bytes readable after the file is unlinked.
    return try LlamaCheckpoint(gguf: output)
  }
}
