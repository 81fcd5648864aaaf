extension LlamaModel {
  /// Greedy decoding: up to `count` tokens after `prompt`, each the highest logit (the first
  /// among equals, as llama.cpp's greedy sampler picks), stopping after a token of `stop`.
  ///
  /// The prompt runs as one batch into a ``KeyValueCache``, then one token per step.
  /// `emit` sees every token as soon as it is chosen (stop token included); `promptProgress`
  /// hears the prompt's layers run so far.
  ///
  /// - Returns: the generated tokens.
  /// - Throws: `invalidInput` for an empty prompt or a token outside the vocabulary.
  public func greedyTokens(
    after prompt: [Int32], count: Int, stop: Set<Int32> = [], emit: (Int32) -> Void = { _ in },
    promptProgress: (_ layersDone: Int) -> Void = { _ in }
  ) throws(InferenceError) -> [Int32] {
    var cache = KeyValueCache(for: self)
    var generated: [Int32] = []
    var input = prompt
    while generated.count < count {
      let logits = try self.logits(
        appending: input, to: &cache, progress: generated.isEmpty ? promptProgress : { _ in })
      let next = Int32(Self.argmax(logits))
      generated.append(next)
      emit(next)
      if stop.contains(next) { break }
      input = [next]
    }
    return generated
  }

  /// The index of the largest value, the first among equals (NaN never wins).
  static func argmax(_ values: [Float]) -> Int {
    var best = 0
    for index in values.indices where values[index] > values[best] { best = index }
    return best
  }
}
