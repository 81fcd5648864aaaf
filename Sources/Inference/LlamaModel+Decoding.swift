extension LlamaModel {
  /// Runs `tokens` after those in `cache`, adds their keys and values to it, and returns the
  /// logits of the last of them.
  ///
  /// The same computation as ``logits(tokens:startPosition:outputs:)`` for the whole
  /// sequence, restricted to the new rows: every step is row-independent (norms, products,
  /// per-row activation rounding) except attention, which reads the cached rows.
  ///
  /// `progress` hears the layers run so far after each layer (of ``LlamaConfiguration/layerCount``).
  ///
  /// - Throws: `invalidInput` for an empty `tokens`, a token outside the vocabulary, or a
  ///   cache made for another model.
  public func logits(
    appending tokens: [Int32], to cache: inout KeyValueCache,
    progress: (_ layersDone: Int) -> Void = { _ in }
  ) throws(InferenceError) -> [Float] {
    let vocabulary = configuration.vocabularySize
    guard !tokens.isEmpty else {
      throw InferenceError(.invalidInput, name: "tokens", "no tokens to append")
    }
    for (index, token) in tokens.enumerated() where token < 0 || Int(token) >= vocabulary {
      throw InferenceError(
        .invalidInput, name: "tokens",
        "token \(token) at index \(index) is outside the vocabulary 0..<\(vocabulary)")
    }
    guard cache.keys.count == layers.count,
      cache.keys.allSatisfy({ $0.count == cache.count * configuration.keyValueLength })
    else {
      throw InferenceError(
        .invalidInput, name: "cache", "the cache was made for a model of another shape")
    }
    guard cache.nextPosition <= Int(Int32.max) - tokens.count else {
      throw InferenceError(
        .invalidInput, name: "cache", "position \(cache.nextPosition) leaves no room")
    }
    let hidden = batchedForward(
      tokens: tokens, outputs: [tokens.count - 1], cache: &cache, keepingLayers: true,
      layerDone: progress)
    return outputLogits(hidden, count: 1)
  }
}
