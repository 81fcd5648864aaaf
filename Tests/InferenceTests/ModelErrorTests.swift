import Inference
import Tensors
import Testing

/// Bad weights and inputs are refused with located, typed errors, never a crash.
@Suite("Model errors")
struct ModelErrorTests {
  static let configuration = LlamaConfiguration(
    layerCount: 1, embeddingLength: 4, feedForwardLength: 8, headCount: 2, keyValueHeadCount: 1,
    vocabularySize: 5)

  static func tensors(replacing name: String? = nil, with view: TensorView? = nil) throws
    -> [String: TensorView]
  {
    func f(_ name: String, _ shape: [Int]) throws -> TensorView {
      try TensorView(
        name: name, shape: shape, floats: [Float](repeating: 0.1, count: shape.reduce(1, *)))
    }
    var all: [String: TensorView] = [
      "token_embd.weight": try f("token_embd.weight", [5, 4]),
      "output_norm.weight": try f("output_norm.weight", [4]),
      "blk.0.attn_norm.weight": try f("blk.0.attn_norm.weight", [4]),
      "blk.0.attn_q.weight": try f("blk.0.attn_q.weight", [4, 4]),
      "blk.0.attn_k.weight": try f("blk.0.attn_k.weight", [2, 4]),
      "blk.0.attn_v.weight": try f("blk.0.attn_v.weight", [2, 4]),
      "blk.0.attn_output.weight": try f("blk.0.attn_output.weight", [4, 4]),
      "blk.0.ffn_norm.weight": try f("blk.0.ffn_norm.weight", [4]),
      "blk.0.ffn_gate.weight": try f("blk.0.ffn_gate.weight", [8, 4]),
      "blk.0.ffn_up.weight": try f("blk.0.ffn_up.weight", [8, 4]),
      "blk.0.ffn_down.weight": try f("blk.0.ffn_down.weight", [4, 8]),
    ]
    if let name { all[name] = view }
    return all
  }

  /// The weights of `tensors`, by their GGUF names (a missing one fails the test).
  static func weights(_ tensors: [String: TensorView]) throws -> LlamaWeights {
    func view(_ name: String) throws -> TensorView { try #require(tensors[name]) }
    let layer = LlamaWeights.Layer(
      attentionNorm: try view("blk.0.attn_norm.weight"), query: try view("blk.0.attn_q.weight"),
      key: try view("blk.0.attn_k.weight"), value: try view("blk.0.attn_v.weight"),
      attentionOutput: try view("blk.0.attn_output.weight"),
      feedForwardNorm: try view("blk.0.ffn_norm.weight"), gate: tensors["blk.0.ffn_gate.weight"],
      up: try view("blk.0.ffn_up.weight"), down: try view("blk.0.ffn_down.weight"))
    return LlamaWeights(
      tokenEmbedding: try view("token_embd.weight"), layers: [layer],
      outputNorm: try view("output_norm.weight"), output: tensors["output.weight"])
  }

  static let rotary = RotaryEmbedding(
    layout: .interleaved, dimensionCount: 2,
    angles: .table(inverseFrequencies: [1], attentionFactor: 1))

  @Test func tiedOutputRuns() throws {
    let weights = try Self.weights(Self.tensors())
    #expect(weights.isOutputTied)
    let model = try LlamaModel(
      configuration: Self.configuration, weights: weights, rotary: Self.rotary)
    let logits = try model.logits(tokens: [0, 4, 2])
    #expect(logits.count == 3 && logits.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isFinite) })
  }

  @Test func wrongShapeSaysExpectedAndFound() throws {
    let bad = try TensorView(
      name: "blk.0.attn_k.weight", shape: [4, 4], floats: [Float](repeating: 0, count: 16))
    let weights = try Self.weights(Self.tensors(replacing: "blk.0.attn_k.weight", with: bad))
    #expect(
      throws: InferenceError(
        .shapeMismatch, name: "blk.0.attn_k.weight",
        "tensor \"blk.0.attn_k.weight\" should have shape [2, 4], found [4, 4]")
    ) {
      try LlamaModel(configuration: Self.configuration, weights: weights, rotary: Self.rotary)
    }
  }

  @Test func unsupportedTypeIsRefused() throws {
    let bad = try TensorView(
      name: "blk.0.ffn_gate.weight", dtype: .i32, shape: [8, 4],
      bytes: [UInt8](repeating: 0, count: 128))
    let weights = try Self.weights(Self.tensors(replacing: "blk.0.ffn_gate.weight", with: bad))
    let error = #expect(throws: InferenceError.self) {
      try LlamaModel(configuration: Self.configuration, weights: weights, rotary: Self.rotary)
    }
    #expect(error?.kind == .unsupportedDType && error?.name == "blk.0.ffn_gate.weight")
  }

  @Test func byteCountMustMatchShape() {
    let error = #expect(throws: InferenceError.self) {
      try TensorView(
        name: "x", dtype: .q8_0, shape: [2, 32], bytes: [UInt8](repeating: 0, count: 60))
    }
    #expect(error?.kind == .invalidStorage)
  }

  @Test func tokenOutsideVocabularyIsRefused() throws {
    let weights = try Self.weights(Self.tensors())
    let model = try LlamaModel(
      configuration: Self.configuration, weights: weights, rotary: Self.rotary)
    let error = #expect(throws: InferenceError.self) { try model.logits(tokens: [1, 5]) }
    #expect(error?.kind == .invalidInput)
  }

  @Test func rotaryTableMustFitTheHeads() throws {
    let weights = try Self.weights(Self.tensors())
    let rotary = RotaryEmbedding(
      layout: .halves, dimensionCount: 2,
      angles: .table(inverseFrequencies: [1, 0.5], attentionFactor: 1))
    let error = #expect(throws: InferenceError.self) {
      try LlamaModel(configuration: Self.configuration, weights: weights, rotary: rotary)
    }
    #expect(error?.kind == .invalidRotary)
  }
}
