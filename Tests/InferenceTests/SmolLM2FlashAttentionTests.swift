import Formats
import Inference
import Models
import TestSupport
import Testing

/// llama.cpp's default attention on the CPU backend (flash attention on) on SmolLM2-135M:
/// Spindle's `flashAttention` in llama.cpp numerics gives llama.cpp's greedy tokens and the
/// largest logits of the last prompt position bit for bit (`fixtures/inference/smollm2/flash-on.json`
/// from llama.cpp's AVX-512 build, `smollm2/avx2/flash-on.json` from its AVX2 one;
/// `record-smollm2-flash.sh`), over the one-chunk path (a 5-token prompt), the tiled path (a
/// 300-token prompt) and the split path (its decode steps, 512 keys in view, 2 threads).
@Suite(
  "SmolLM2 flash attention agrees with llama.cpp",
  .enabled(
    if: SmolLM2Reference.modelsPresent && SmolLM2Reference.optimized, SmolLM2Reference.skipReason))
struct SmolLM2FlashAttentionTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var model: String
    var prompt: String
    var tokens: [Int32]
    var greedy: [Int32]
    var topIDs: [Int]
    var topLogits: [Float]
    var build: LlamaCppBuild
    var testDescription: String { "\(model), \(prompt) prompt, \(build.rawValue) build" }
  }

  static let cases: [Case] = LlamaCppBuild.allCases.flatMap(recorded)

  static func recorded(_ build: LlamaCppBuild) -> [Case] {
    guard
      let list = try? Repository.recordedJSON(
        "\(SmolLM2Reference.folder(build))/flash-on.json")["cases"]?.array
    else { return [] }
    return list.compactMap { entry in
      func integers(_ key: String) -> [Int] {
        (entry[key]?.array ?? []).compactMap { $0.number?.int }
      }
      guard let model = entry["model"]?.string, let prompt = entry["prompt"]?.string else {
        return nil
      }
      return Case(
        model: model, prompt: prompt, tokens: integers("tokens").map(Int32.init),
        greedy: integers("greedy").map(Int32.init), topIDs: integers("top_ids"),
        topLogits: (entry["top_logits"]?.array ?? []).compactMap {
          $0.number.flatMap { Float($0.text) }
        }, build: build)
    }
  }

  @Test func everyCaseIsRecorded() {
    #expect(Self.cases.count == 8)
    #expect(Self.cases.allSatisfy { $0.topLogits.count == 40 && !$0.greedy.isEmpty })
  }

  @Test(arguments: cases)
  func matchesLlamaCpp(_ c: Case) throws {
    let checkpoint = try ModelCheckpoint(gguf: SmolLM2Models.folder + "/" + c.model)
    var model = try checkpoint.model(rotary: .llamaCpp, numericMode: .llamaCpp)
    model.flashAttention = true
    model.flashAttentionThreads = 2
    try LlamaCppBuild.withBuild(c.build) {
      // llama_logits flags every prompt position for output, so the last layer's products and
      // the output matrix take every row (tinyBLAS), as here.
      let row =
        try model.logits(
          tokens: c.tokens, startPosition: 0, outputs: Array(c.tokens.indices)
        ).last ?? []
      let ours = c.topIDs.map { row[$0] }
      let differing = zip(ours, c.topLogits).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(differing == 0, "\(differing) of 40: \(Array(zip(ours, c.topLogits).prefix(4)))")
      #expect(try model.greedyTokens(after: c.tokens, count: c.greedy.count) == c.greedy)
    }
  }
}
