import Tensors

/// A llama-family decoder ready to run on the CPU: weights checked against the configuration,
/// small vectors decoded, large matrices left in their files.
///
/// ```swift
/// let model = try LlamaModel(configuration: c, weights: w, rotary: r)
/// let logits = try model.logits(tokens: [1, 15, 42])   // one row of vocabularySize per token
/// ```
///
/// Each block follows ``LlamaConfiguration/recipe`` (RMSNorm or LayerNorm, SwiGLU or GELU,
/// sequential or parallel residual) and uses the optional tensors its weights carry: qwen2's
/// q/k/v biases, qwen3's per-head q/k RMSNorm, GPT-NeoX's norm and feed-forward biases. ``logits(tokens:startPosition:outputs:)`` runs a whole sequence with full causal
/// attention in memory linear in its length (one layer's keys and values at a time, batches of
/// rows; see `LlamaModel+Batches.swift`); ``logits(appending:to:)`` runs new tokens against a
/// ``KeyValueCache``. Work is split over ``Parallelism/threadCount`` threads.
public struct LlamaModel: Sendable {
  /// The hyperparameters.
  public let configuration: LlamaConfiguration
  /// How queries and keys are rotated.
  public let rotary: RotaryEmbedding
  /// Where intermediate values are rounded.
  public var numericMode: NumericMode
  /// With ``NumericMode/llamaCpp``: attention as llama.cpp's flash-attention kernel computes it
  /// (its default on the CPU backend, `-fa auto`), instead of the soft_max and two products
  /// it runs with `-fa off`. See `Kernels+FlashAttention.swift`.
  public var flashAttention = false
  /// The threads llama.cpp divides a flash-attention decode over (its split path's chunks
  /// depend on them); `nil`: ``Parallelism/threadCount``, as `spindle` and llama.cpp run with
  /// the same `--threads`.
  public var flashAttentionThreads: Int?

  struct Layer: Sendable {
    var attentionNorm: [Float]
    var attentionNormBias: [Float]?
    var query: WeightMatrix
    var key: WeightMatrix
    var value: WeightMatrix
    var attentionOutput: WeightMatrix
    var queryBias: [Float]?
    var keyBias: [Float]?
    var valueBias: [Float]?
    var attentionOutputBias: [Float]?
    var queryNorm: [Float]?
    var keyNorm: [Float]?
    var feedForwardNorm: [Float]
    var feedForwardNormBias: [Float]?
    /// SwiGLU blocks only.
    var gate: WeightMatrix?
    var up: WeightMatrix
    var upBias: [Float]?
    var down: WeightMatrix
    var downBias: [Float]?
  }

  let embedding: WeightMatrix
  let layers: [Layer]
  let outputNorm: [Float]
  let outputNormBias: [Float]?
  let output: WeightMatrix
  let outputBias: [Float]?

  /// Checks every tensor against `configuration` and prepares the model.
  ///
  /// - Throws: `invalidConfiguration`, `invalidRotary`, `missingTensor` (a SwiGLU block
  ///   without a gate), `invalidConfiguration` naming a gate a GELU block cannot use, or for a
  ///   tensor `shapeMismatch` (expected vs found) and `unsupportedDType`.
  public init(
    configuration: LlamaConfiguration, weights: LlamaWeights, rotary: RotaryEmbedding,
    numericMode: NumericMode = .exact
  ) throws(InferenceError) {
    try configuration.validate()
    try rotary.validate(headDimension: configuration.headDimension)
    guard weights.layers.count == configuration.layerCount else {
      throw InferenceError(
        .invalidConfiguration, name: "block_count",
        "block_count is \(configuration.layerCount) but \(weights.layers.count) layers of"
          + " weights were given")
    }
    let c = configuration
    let e = c.embeddingLength
    embedding = try WeightMatrix(weights.tokenEmbedding, rows: c.vocabularySize, columns: e)
    output = try WeightMatrix(weights.output, rows: c.vocabularySize, columns: e)
    outputNorm = try Self.vector(weights.outputNorm, count: e)
    outputNormBias = try Self.optionalVector(weights.outputNormBias, count: e)
    outputBias = try Self.optionalVector(weights.outputBias, count: c.vocabularySize)
    var layers: [Layer] = []
    for (index, w) in weights.layers.enumerated() {
      let gated = c.recipe.feedForward == .swiGLU
      if gated, w.gate == nil {
        throw InferenceError(
          .missingTensor, name: "blk.\(index).ffn_gate.weight",
          "layer \(index) has no gate projection, which a SwiGLU block needs")
      }
      if !gated, let gate = w.gate {
        throw InferenceError(
          .invalidConfiguration, name: gate.name,
          "layer \(index) has a gate projection \"\(gate.name)\", but the recipe's"
            + " feed-forward network (\(c.recipe.feedForward)) has no gate")
      }
      let queryNorm = try w.queryNorm.map { v throws(InferenceError) in
        try Self.vector(v, count: c.headDimension)
      }
      let keyNorm = try w.keyNorm.map { v throws(InferenceError) in
        try Self.vector(v, count: c.headDimension)
      }
      layers.append(
        Layer(
          attentionNorm: try Self.vector(w.attentionNorm, count: e),
          attentionNormBias: try Self.optionalVector(w.attentionNormBias, count: e),
          query: try WeightMatrix(w.query, rows: c.queryLength, columns: e),
          key: try WeightMatrix(w.key, rows: c.keyValueLength, columns: e),
          value: try WeightMatrix(w.value, rows: c.keyValueLength, columns: e),
          attentionOutput: try WeightMatrix(w.attentionOutput, rows: e, columns: c.queryLength),
          queryBias: try Self.optionalVector(w.queryBias, count: c.queryLength),
          keyBias: try Self.optionalVector(w.keyBias, count: c.keyValueLength),
          valueBias: try Self.optionalVector(w.valueBias, count: c.keyValueLength),
          attentionOutputBias: try Self.optionalVector(w.attentionOutputBias, count: e),
          queryNorm: queryNorm, keyNorm: keyNorm,
          feedForwardNorm: try Self.vector(w.feedForwardNorm, count: e),
          feedForwardNormBias: try Self.optionalVector(w.feedForwardNormBias, count: e),
          gate: try w.gate.map { v throws(InferenceError) in
            try WeightMatrix(v, rows: c.feedForwardLength, columns: e)
          },
          up: try WeightMatrix(w.up, rows: c.feedForwardLength, columns: e),
          upBias: try Self.optionalVector(w.upBias, count: c.feedForwardLength),
          down: try WeightMatrix(w.down, rows: e, columns: c.feedForwardLength),
          downBias: try Self.optionalVector(w.downBias, count: e)))
    }
    self.configuration = configuration
    self.rotary = rotary
    self.numericMode = numericMode
    self.layers = layers
  }

  /// The logits of every position of `tokens` (positions `0..<tokens.count`).
  ///
  /// - Throws: `invalidInput` for a token outside the vocabulary.
  public func logits(tokens: [Int32]) throws(InferenceError) -> [[Float]] {
    try logits(tokens: tokens, startPosition: 0, outputs: Array(tokens.indices))
  }

  /// The logits at `outputs` (indices into `tokens`, in the order given) of a sequence whose
  /// first token sits at `startPosition`.
  ///
  /// Only the last layer's queries at `outputs` are computed, as llama.cpp does with its
  /// output ids; every earlier layer runs on the whole sequence.
  ///
  /// - Throws: `invalidInput` for a token outside the vocabulary, an output index outside
  ///   the sequence, or a negative start position.
  public func logits(
    tokens: [Int32], startPosition: Int, outputs: [Int]
  ) throws(InferenceError) -> [[Float]] {
    var rows: [[Float]] = []
    rows.reserveCapacity(outputs.count)
    try logits(tokens: tokens, startPosition: startPosition, outputs: outputs, chunk: outputs.count)
    { chunk, _ in rows += chunk }
    return rows
  }

  /// ``logits(tokens:startPosition:outputs:)`` handed to `body` `chunk` rows at a time (with
  /// the range of `outputs` they belong to), so scoring every position of a long probe holds
  /// `chunk × vocabulary` logits, not `outputs.count × vocabulary`. `progress` hears the
  /// layers run so far after each layer (of ``LlamaConfiguration/layerCount``).
  ///
  /// - Throws: as ``logits(tokens:startPosition:outputs:)``.
  public func logits(
    tokens: [Int32], startPosition: Int, outputs: [Int], chunk: Int,
    progress: (_ layersDone: Int) -> Void = { _ in }, _ body: ([[Float]], Range<Int>) -> Void
  ) throws(InferenceError) {
    let vocabulary = configuration.vocabularySize
    for (index, token) in tokens.enumerated() where token < 0 || Int(token) >= vocabulary {
      throw InferenceError(
        .invalidInput, name: "tokens",
        "token \(token) at index \(index) is outside the vocabulary 0..<\(vocabulary)")
    }
    for index in outputs where !tokens.indices.contains(index) {
      throw InferenceError(
        .invalidInput, name: "outputs",
        "output index \(index) is outside the sequence 0..<\(tokens.count)")
    }
    guard startPosition >= 0, startPosition <= Int(Int32.max) - tokens.count else {
      throw InferenceError(
        .invalidInput, name: "startPosition",
        "start position \(startPosition) must be >= 0 and leave room for \(tokens.count) tokens")
    }
    guard !tokens.isEmpty, !outputs.isEmpty else { return }
    var transient = KeyValueCache(for: self, startPosition: startPosition)
    let hidden = batchedForward(
      tokens: tokens, outputs: outputs, cache: &transient, keepingLayers: false,
      layerDone: progress)
    let e = configuration.embeddingLength
    let step = Swift.max(1, chunk)
    // llama.cpp multiplies each micro-batch's output rows together; a row alone in its
    // micro-batch takes `vec_dot`'s order rather than tinyBLAS's (F32/F16 output matrices).
    var perMicroBatch: [Int: Int] = [:]
    for index in Set(outputs) { perMicroBatch[index / rowsPerBatch, default: 0] += 1 }
    let alone = outputs.map { numericMode == .llamaCpp && perMicroBatch[$0 / rowsPerBatch] == 1 }
    var start = 0
    while start < outputs.count {
      let end = Swift.min(outputs.count, start + step)
      var values = outputLogits(
        Array(hidden[(start * e)..<(end * e)]), count: end - start,
        alone: end - start == 1 && alone[start])
      if end - start > 1 {
        for row in start..<end where alone[row] {
          let single = outputLogits(Array(hidden[(row * e)..<((row + 1) * e)]), count: 1)
          let offset = (row - start) * vocabulary
          values.replaceSubrange(offset..<(offset + vocabulary), with: single)
        }
      }
      body(
        (0..<(end - start)).map { row in
          Array(values[(row * vocabulary)..<((row + 1) * vocabulary)])
        }, start..<end)
      start = end
    }
  }

  static func vector(_ view: TensorView, count: Int) throws(InferenceError) -> [Float] {
    guard view.shape == [count] else {
      throw InferenceError(
        .shapeMismatch, name: view.name,
        "tensor \"\(view.name)\" should have shape [\(count)], found \(view.shape)")
    }
    guard WeightMatrix.supportedTypes.contains(view.dtype) else {
      throw InferenceError(
        .unsupportedDType, name: view.name,
        "tensor \"\(view.name)\" is \(view.dtype); vectors are read from"
          + " \(WeightMatrix.supportedTypes.map(\.name).sorted().joined(separator: ", "))")
    }
    var flat = view
    flat.shape = [1, count]
    return try WeightMatrix(flat, rows: 1, columns: count).row(0)
  }

  static func optionalVector(_ view: TensorView?, count: Int) throws(InferenceError) -> [Float]? {
    guard let view else { return nil }
    return try vector(view, count: count)
  }
}
