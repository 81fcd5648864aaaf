import Tensors
import Testing

@testable import Inference

/// GPT-NeoX- and phi3-shaped blocks (hand-made weights): batching and the KV cache change no
/// bit, and the block is the formula (a Double reference) to within Float rounding.
@Suite("Block recipes")
struct BlockRecipeTests {
  static let tokens: [Int32] = (0..<19).map { Int32(($0 * 29 + 3) % 48) }
  static let start = 3

  @Test(
    "Batches of any size give the unbatched reference's hidden states",
    arguments: TinyArchitecture.Shape.allCases, [NumericMode.exact, .llamaCpp])
  func batchedEqualsReference(shape: TinyArchitecture.Shape, mode: NumericMode) throws {
    let model = try TinyArchitecture(shape).model(mode)
    for outputs in [Array(Self.tokens.indices), [18], [4, 0, 17, 4, 9]] {
      let reference = model.forward(
        tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
      #expect(!reference.contains { !$0.isFinite })
      for batchRows in [1, 3, 7] {
        var cache = KeyValueCache(for: model, startPosition: Self.start)
        let batched = model.batchedForward(
          tokens: Self.tokens, outputs: outputs, cache: &cache, keepingLayers: false,
          batchRows: batchRows)
        let lone = LoneRows(tokens: Self.tokens.count, batchRows: batchRows, outputs: outputs)
        if mode == .exact
          || lone
            == LoneRows(tokens: Self.tokens.count, batchRows: Self.tokens.count, outputs: outputs)
        {
          #expect(
            batched.map(\.bitPattern) == reference.map(\.bitPattern),
            "batches of \(batchRows), outputs \(outputs)")
        } else {
          // llama.cpp sums lone F32 rows in vec_dot's order: the same values to rounding.
          #expect(
            relativeGap(batched, reference) <= 1e-4,
            "batches of \(batchRows), outputs \(outputs)")
        }
      }
    }
  }

  @Test(
    "Cached steps give the whole-sequence logits",
    arguments: TinyArchitecture.Shape.allCases, [NumericMode.exact, .llamaCpp])
  func cachedEqualsWholeSequence(shape: TinyArchitecture.Shape, mode: NumericMode) throws {
    let model = try TinyArchitecture(shape).model(mode)
    let full = try model.logits(
      tokens: Self.tokens, startPosition: Self.start, outputs: Array(Self.tokens.indices))
    var cache = KeyValueCache(for: model, startPosition: Self.start)
    var end = 0
    for size in [5, 1, 3, 1, 1, 4, 2, 2] {
      let step = try model.logits(appending: Array(Self.tokens[end..<(end + size)]), to: &cache)
      end += size
      let expected = full[end - 1]
      if mode == .exact {
        #expect(step.map(\.bitPattern) == expected.map(\.bitPattern), "\(size) tokens up to \(end)")
      } else {
        // A step outputs its last row alone (and a one-token step is a one-token batch), which
        // llama.cpp sums in ggml's vec_dot order, where the whole sequence takes tinyBLAS's.
        let gap = zip(step, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(gap <= 1e-3, "\(size) tokens up to \(end): max |Δ| \(gap)")
      }
    }
    #expect(end == Self.tokens.count && cache.count == end)
  }

  @Test(
    "The block is the formula: logits within 2e-6 × max |logit| of a Double reference",
    arguments: TinyArchitecture.Shape.allCases)
  func matchesDoubleReference(shape: TinyArchitecture.Shape) throws {
    let architecture = TinyArchitecture(shape)
    let reference = architecture.referenceLogits(tokens: Self.tokens, startPosition: Self.start)
    let scale = reference.joined().map(abs).max() ?? 0
    #expect(scale > 1)
    for (mode, tolerance) in [(NumericMode.exact, 2e-6), (.llamaCpp, 3e-3)] {
      let logits = try architecture.model(mode).logits(
        tokens: Self.tokens, startPosition: Self.start, outputs: Array(Self.tokens.indices))
      var gap = 0.0
      for (row, expected) in zip(logits, reference) {
        for (value, exact) in zip(row, expected) { gap = max(gap, abs(Double(value) - exact)) }
      }
      print("\(shape) \(mode): max |Δlogit| \(gap) (max |logit| \(scale))")
      #expect(gap <= tolerance * scale, "\(shape) \(mode): max |Δ| \(gap), max |logit| \(scale)")
    }
  }

  @Test("Where 1/√d applies changes llama.cpp numerics' rounding only")
  func queryScaling() throws {
    let architecture = TinyArchitecture(.phi3)
    let outputs = Array(Self.tokens.indices)
    func logits(_ scaling: BlockRecipe.AttentionScaling, _ mode: NumericMode) throws -> [[Float]] {
      var configuration = architecture.configuration
      configuration.recipe.attentionScaling = scaling
      let model = try LlamaModel(
        configuration: configuration, weights: architecture.weights(),
        rotary: architecture.rotary, numericMode: mode)
      return try model.logits(tokens: Self.tokens, startPosition: Self.start, outputs: outputs)
    }
    #expect(architecture.configuration.recipe.attentionScaling == .queries)
    // .exact always scales the scores.
    #expect(try logits(.queries, .exact) == logits(.scores, .exact))
    // llama.cpp numerics: 1/√32 is no power of two, so scaling q before its F16 rounding moves
    // some bits, by a rounding's worth.
    let queries = try logits(.queries, .llamaCpp)
    let scores = try logits(.scores, .llamaCpp)
    let gap = zip(queries.joined(), scores.joined()).map { abs($0 - $1) }.max() ?? 0
    #expect(gap > 0 && gap <= 1e-3, "max |Δ| \(gap)")
    #expect(TinyArchitecture(.gptNeoX).configuration.recipe.attentionScaling == .scores)
  }

  @Test("A GELU block refuses a gate, a SwiGLU block needs one, biases are shape-checked")
  func recipeAndTensorsMustAgree() throws {
    let neox = TinyArchitecture(.gptNeoX)
    var weights = try neox.weights()
    weights.layers[1].gate = weights.layers[1].up
    let gated = #expect(throws: InferenceError.self) {
      try LlamaModel(configuration: neox.configuration, weights: weights, rotary: neox.rotary)
    }
    #expect(gated?.kind == .invalidConfiguration && gated?.name == "blk.1.ffn_up.weight")

    let phi3 = TinyArchitecture(.phi3)
    weights = try phi3.weights()
    weights.layers[0].gate = nil
    #expect(
      throws: InferenceError(
        .missingTensor, name: "blk.0.ffn_gate.weight",
        "layer 0 has no gate projection, which a SwiGLU block needs")
    ) {
      try LlamaModel(configuration: phi3.configuration, weights: weights, rotary: phi3.rotary)
    }

    weights = try neox.weights()
    weights.layers[0].upBias = try TensorView(
      name: "blk.0.ffn_up.bias", shape: [64], floats: [Float](repeating: 0, count: 64))
    #expect(
      throws: InferenceError(
        .shapeMismatch, name: "blk.0.ffn_up.bias",
        "tensor \"blk.0.ffn_up.bias\" should have shape [128], found [64]")
    ) {
      try LlamaModel(configuration: neox.configuration, weights: weights, rotary: neox.rotary)
    }
  }
}
