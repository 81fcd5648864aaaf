import Inference
import TestSupport
import Testing
import Verification

/// Decoding with a cache gives the whole-sequence logits bit for bit (in `.llamaCpp` mode, for
/// batches of several tokens; a one-token batch sums attention in ggml's `vec_dot_f16` order,
/// as llama.cpp does, so it agrees only closely).
@Suite("KV cache")
struct KeyValueCacheTests {
  @Test(
    "Cached steps equal the whole-sequence forward pass", arguments: [NumericMode.exact, .llamaCpp])
  func cachedEqualsFull(mode: NumericMode) throws {
    let checkpoint = try LlamaCheckpoint(path: Repository.fixture("gguf/tiny-llama.gguf"))
    let model = try checkpoint.model(rotary: .llamaCpp, numericMode: mode)
    let vocabulary = Int32(model.configuration.vocabularySize)
    let tokens: [Int32] = (0..<12).map { Int32(($0 * 7919 + 3) % Int(vocabulary)) }
    let full = try model.logits(tokens: tokens)
    var cache = KeyValueCache(for: model)
    var steps = [try model.logits(appending: Array(tokens[0..<5]), to: &cache)]
    for token in tokens[5...] { steps.append(try model.logits(appending: [token], to: &cache)) }
    #expect(cache.count == tokens.count)
    for (offset, row) in steps.enumerated() {
      let index = offset == 0 ? 4 : 4 + offset
      if mode == .exact || offset == 0 {
        #expect(row.map(\.bitPattern) == full[index].map(\.bitPattern), "position \(index)")
      } else {
        let gap = zip(row, full[index]).map { abs($0 - $1) }.max() ?? 0
        #expect(gap <= 1e-3, "position \(index): max |Δ| \(gap)")
      }
    }
  }

  @Test("Greedy decoding picks each step's argmax of the full forward pass")
  func greedy() throws {
    let checkpoint = try LlamaCheckpoint(path: Repository.fixture("gguf/tiny-llama.gguf"))
    let model = try checkpoint.model(rotary: .llamaCpp, numericMode: .exact)
    let prompt: [Int32] = [1, 15, 42, 7]
    let generated = try model.greedyTokens(after: prompt, count: 6)
    #expect(generated.count == 6)
    let all = prompt + generated
    let full = try model.logits(tokens: all)
    for (offset, token) in generated.enumerated() {
      let row = full[prompt.count - 1 + offset]
      let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? -1
      #expect(Int(token) == best)
    }
  }
}
