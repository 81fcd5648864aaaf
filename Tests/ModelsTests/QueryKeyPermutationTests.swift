import Inference
import Models
import Testing

/// llama.cpp's Q/K permutation, held to the fixtures generate.py made with it: the GGUF rows of
/// tiny-llama are `permute(hf)` of the transformers rows (generate.py asserts it in numpy).
@Suite("Q/K row permutation")
struct QueryKeyPermutationTests {
  @Test func rowOrderOfOneHead() {
    // d = 8: GGUF rows pair (0,4), (1,5), (2,6), (3,7) of the transformers halves.
    #expect(QueryKeyPermutation.sourceRows(rows: 8, heads: 1) == [0, 4, 1, 5, 2, 6, 3, 7])
    #expect(
      QueryKeyPermutation.sourceRows(rows: 8, heads: 2) == [0, 2, 1, 3, 4, 6, 5, 7])
  }

  static func bytes(_ view: TensorView) -> [UInt8] {
    view.withUnsafeBytes { Array($0) }
  }

  @Test("permute(hf) == gguf for every query and key of tiny-llama, and back")
  func tinyLlama() throws {
    let gguf = try ModelCheckpoint(path: ModelFixtures.fixture("gguf/tiny-llama.gguf"))
    let hf = try ModelCheckpoint(path: ModelFixtures.fixture("hf/tiny-llama"))
    let c = gguf.configuration
    for (g, h) in zip(gguf.weights.layers, hf.weights.layers) {
      // GGUF stores Q8_0; the HF fixture holds the dequantized values, so compare as F32.
      let query = try QueryKeyPermutation.apply(h.query, heads: c.headCount)
      let key = try QueryKeyPermutation.apply(h.key, heads: c.keyValueHeadCount)
      #expect(try Self.floats(query) == Self.floats(g.query))
      #expect(try Self.floats(key) == Self.floats(g.key))
      #expect(try Self.floats(h.query) != Self.floats(g.query))
      let back = try QueryKeyPermutation.apply(query, heads: c.headCount, inverse: true)
      #expect(Self.bytes(back) == Self.bytes(h.query))
    }
  }

  static func floats(_ view: TensorView) throws -> [Float] {
    try view.floats()
  }
}
