extension LlamaConfiguration {
  /// Floating-point operations (a multiply and an add count two) of a forward pass over
  /// `tokens` tokens from position 0 that projects `logits` of them onto the vocabulary.
  ///
  /// `2·n·layers·(2·E·Q + 2·E·KV + m·E·FF) + 2·logits·V·E + layers·heads·4·d·n(n+1)/2`, with
  /// `n` the tokens, `Q` and `KV` the query and key/value widths, `m` the feed-forward
  /// matrices (3 for SwiGLU, 2 for GELU): the products, then the causal attention's scores and
  /// `V·p` (`2·d` each per query and key). Norms, rotations and the softmax are left out; at
  /// long lengths the attention term, quadratic in `n`, is most of the pass.
  public func forwardOperations(tokens n: Int, logits: Int) -> Double {
    let feedForwardMatrices: Double =
      switch recipe.feedForward {
      case .swiGLU: 3
      case .gelu: 2
      }
    let e = Double(embeddingLength)
    let perToken =
      2 * e * Double(queryLength) + 2 * e * Double(keyValueLength)
      + feedForwardMatrices * e * Double(feedForwardLength)
    let tokens = Double(n)
    let products = 2 * tokens * Double(layerCount) * perToken
    let projection = 2 * Double(logits) * Double(vocabularySize) * e
    return products + projection + attentionOperations(tokens: n)
  }

  /// The attention term of ``forwardOperations(tokens:logits:)``:
  /// `layers·heads·4·d·n(n+1)/2`.
  public func attentionOperations(tokens n: Int) -> Double {
    let tokens = Double(n)
    return Double(layerCount) * Double(headCount) * 4 * Double(headDimension) * tokens
      * (tokens + 1) / 2
  }
}
