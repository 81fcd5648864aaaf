import Inference

extension ContextEvaluator {
  /// Floating-point operations of ``perplexity(_:factor:length:texts:protocol:beginningOfSequence:progress:)``
  /// at `length`: every pass `protocol` makes of the texts long enough, with its scored
  /// outputs projected to logits (``Inference/LlamaConfiguration/forwardOperations(tokens:logits:)``).
  public func perplexityOperations(
    length: Int, texts: [[Int32]], protocol: PerplexityProtocol, beginningOfSequence: Int32?
  ) -> Double {
    texts.flatMap {
      `protocol`.passes(text: $0, length: length, beginningOfSequence: beginningOfSequence)
    }.reduce(0) {
      $0
        + checkpoint.configuration.forwardOperations(
          tokens: $1.tokens.count, logits: $1.outputs.count)
    }
  }

  /// Floating-point operations of ``passkey(_:factor:length:depth:trials:seed:retrieval:)``:
  /// per trial a prompt of at most `length` tokens, then the answer token by token.
  public func passkeyOperations(length: Int, trials: Int) -> Double {
    let c = checkpoint.configuration
    let prompt = c.forwardOperations(tokens: length, logits: 1)
    let answer = PasskeyRetrieval.answerTokens
    // The answer's tokens: their products and logits, and their attention over the prompt.
    let answering = c.forwardOperations(tokens: length + answer, logits: 1 + answer) - prompt
    return Double(trials) * (prompt + answering)
  }
}
