import Formats
import Foundation
import Inference
import Models
import TestSupport
import Testing

/// Issue 10's acceptance on fixtures/architectures: Spindle's logits against transformers'
/// (the transformers-written folders, `.exact` numerics, runtime rotary) and against llama.cpp's
/// (the `convert_hf_to_gguf.py` GGUFs, `.llamaCpp` numerics, flash attention off, F16 KV cache),
/// within 1e-4 × max |logit|, and llama.cpp's greedy tokens.
@Suite(
  "Architecture agreement",
  .enabled(if: ModelFixtures.exists("architectures/summary.json"), "fixtures/architectures absent"))
struct ArchitectureAgreementTests {
  typealias Recorded = RecordedLogits

  static func logits(_ model: LlamaModel, _ recorded: Recorded) throws -> [[Float]] {
    try model.logits(tokens: recorded.tokens, startPosition: 0, outputs: recorded.indices)
  }

  static let models = [
    "llama", "qwen2", "qwen3", "phi3", "phi3-longrope", "gptneox", "gptneox-sequential",
  ]

  @Test("transformers folder, exact numerics: transformers' logits", arguments: models)
  func transformersLogits(_ name: String) throws {
    let checkpoint = try ModelCheckpoint(
      path: ModelFixtures.fixture("architectures/models/\(name)"))
    let model = try checkpoint.model(rotary: .runtime, numericMode: .exact)
    let recorded = try Recorded(architectures: "\(name)/short.transformers")
    let gap = recorded.relativeGap(try Self.logits(model, recorded))
    #expect(gap <= 1e-4, "\(name): max |Δ| / max |logit| = \(gap)")
  }

  @Test("converted GGUF, llama.cpp numerics: llama.cpp's logits", arguments: models)
  func llamaCppLogits(_ name: String) throws {
    let checkpoint = try ModelCheckpoint(
      path: ModelFixtures.fixture("architectures/gguf/\(name).gguf"))
    let model = try checkpoint.model(
      rotary: .llamaCpp, longRoPE: .context(256), numericMode: .llamaCpp)
    let recorded = try Recorded(architectures: "\(name)/short.llamacpp-ctx256-flash-off")
    let gap = recorded.relativeGap(try Self.logits(model, recorded))
    #expect(gap <= 1e-4, "\(name): max |Δ| / max |logit| = \(gap)")
  }

  /// llama.cpp's default attention on the CPU backend (flash attention on): the same logits,
  /// bit for bit, at every kernel level this machine runs, in the sums of llama.cpp's AVX-512
  /// build (`logits/<name>/`) and of its AVX2 one (`logits/<name>/avx2/`,
  /// `record-build.sh`).
  @Test(
    "converted GGUF, llama.cpp numerics, flash attention: llama.cpp's logits",
    arguments: models, KernelLevel.runnable)
  func llamaCppFlashAttentionLogits(_ name: String, level: KernelLevel) throws {
    for build in LlamaCppBuild.allCases {
      try KernelLevel.withLevel(level) {
        try LlamaCppBuild.withBuild(build) { try llamaCppFlashAttentionLogits(name, build: build) }
      }
    }
  }

  private func llamaCppFlashAttentionLogits(_ name: String, build: LlamaCppBuild) throws {
    let checkpoint = try ModelCheckpoint(
      path: ModelFixtures.fixture("architectures/gguf/\(name).gguf"))
    var model = try checkpoint.model(
      rotary: .llamaCpp, longRoPE: .context(256), numericMode: .llamaCpp)
    model.flashAttention = true
    let recorded = try Recorded(
      architectures: "\(name)/\(build == .avx2 ? "avx2/" : "")short.llamacpp-ctx256-flash-on")
    let ours = try Self.logits(model, recorded)
    #expect(recorded.rows.count == 16 && ours.count == recorded.rows.count)
    func differing(_ rows: [[Float]]) -> Int {
      zip(rows.joined(), recorded.rows.joined()).filter { $0.bitPattern != $1.bitPattern }.count
    }
    #expect(differing(ours) == 0, "\(name), \(build.rawValue): gap \(recorded.relativeGap(ours))")
    // The path matters: without it the same model misses llama.cpp's flash-attention logits.
    model.flashAttention = false
    #expect(differing(try Self.logits(model, recorded)) > 0)
  }

  @Test("converted GGUF, llama.cpp numerics: llama.cpp's greedy tokens", arguments: models)
  func llamaCppGreedy(_ name: String) throws {
    let checkpoint = try ModelCheckpoint(
      path: ModelFixtures.fixture("architectures/gguf/\(name).gguf"))
    let model = try checkpoint.model(
      rotary: .llamaCpp, longRoPE: .context(256), numericMode: .llamaCpp)
    let recorded = try Recorded(architectures: "\(name)/greedy.llamacpp-ctx256-flash-off")
    #expect(recorded.greedy.count == 8)
    let tokens = try model.greedyTokens(after: recorded.tokens, count: recorded.greedy.count)
    #expect(tokens == recorded.greedy)
  }

  /// phi3 LongRoPE past and inside the original window (256): transformers switches to the long
  /// factors for a whole pass longer than 256 tokens, llama.cpp when its context exceeds 256.
  @Test(
    "phi3 LongRoPE on both sides of the window",
    arguments: [
      ("long.transformers", ModelCheckpoint.LongRoPEFactors.context(300), false),
      ("window.transformers", .context(256), false),
      ("long.llamacpp-ctx512-flash-off", .context(512), true),
      ("short.llamacpp-ctx512-flash-off", .context(512), true),
      ("window.llamacpp-ctx256-flash-off", .context(256), true),
    ])
  func longRoPE(_ reference: String, factors: ModelCheckpoint.LongRoPEFactors, llamaCpp: Bool)
    throws
  {
    let folder = llamaCpp ? "gguf/phi3-longrope.gguf" : "models/phi3-longrope"
    let checkpoint = try ModelCheckpoint(path: ModelFixtures.fixture("architectures/\(folder)"))
    let model = try checkpoint.model(
      rotary: llamaCpp ? .llamaCpp : .runtime, longRoPE: factors,
      numericMode: llamaCpp ? .llamaCpp : .exact)
    let recorded = try Recorded(architectures: "phi3-longrope/\(reference)")
    let gap = recorded.relativeGap(try Self.logits(model, recorded))
    #expect(gap <= 1e-4, "\(reference): max |Δ| / max |logit| = \(gap)")
  }

  /// The factors matter: the long table where llama.cpp used the short one is far off.
  @Test func wrongLongRoPETableIsCaught() throws {
    let checkpoint = try ModelCheckpoint(
      path: ModelFixtures.fixture("architectures/gguf/phi3-longrope.gguf"))
    let model = try checkpoint.model(rotary: .llamaCpp, longRoPE: .long, numericMode: .llamaCpp)
    let recorded = try Recorded(architectures: "phi3-longrope/window.llamacpp-ctx256-flash-off")
    let gap = recorded.relativeGap(try Self.logits(model, recorded))
    #expect(gap > 1e-2)
  }
}
