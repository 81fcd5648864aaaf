/// How texts are cut into forward passes and their scores combined into one perplexity for a
/// context length `N`.
public enum PerplexityProtocol: Sendable, Hashable {
  /// What `llama-perplexity -c N` does (tools/perplexity/perplexity.cpp): each text, tokenized
  /// with BOS when the model adds one, cut into its whole chunks of `N` tokens; each chunk's
  /// first token replaced by BOS (when the model adds one), run from position 0, and its
  /// second half scored: positions `N/2 … N−2`, each predicting the next token. The
  /// perplexity is `exp(Σ NLL / count)` over every chunk of every text. Like llama-perplexity,
  /// a text needs at least `2N` tokens.
  case llamaCpp
  /// The YaRN paper's evaluation (jquesnelle/yarn `eval/perplexity.py`): each text truncated
  /// to its first `N` tokens (BOS first), one pass, every position scored; a text's perplexity
  /// is `exp(mean NLL)` over its `N − 1` predictions, and the result is the mean over texts.
  case truncate
  /// Sliding windows (Press et al. 2022, the evaluation the YaRN and PI papers describe):
  /// the first `span` tokens of each text scored by windows of `N` tokens that start `stride`
  /// tokens apart, each window scoring only the tokens no earlier window scored (so every
  /// token after the first window sees at least `N − stride` tokens before it; `stride` is
  /// at most `N`). A text's perplexity is `exp(mean NLL)` over its scored predictions,
  /// averaged over texts.
  case sliding(stride: Int, span: Int)

  /// One forward pass: `tokens` from position 0, scoring the predictions made at `outputs`
  /// (position `i` predicts `tokens[i + 1]`).
  public struct Pass: Sendable, Hashable {
    public var tokens: [Int32]
    public var outputs: Range<Int>

    public init(tokens: [Int32], outputs: Range<Int>) {
      self.tokens = tokens
      self.outputs = outputs
    }
  }

  /// Tokens a text needs for length `length` (shorter texts are left out).
  public func tokensNeeded(length: Int) -> Int {
    switch self {
    case .llamaCpp: 2 * length
    case .truncate: length
    case .sliding(_, let span): max(span, length)
    }
  }

  /// The passes that score `text` at `length`; empty when the text is too short.
  ///
  /// - Parameter beginningOfSequence: BOS when the model adds one (the texts already start
  ///   with it); llama.cpp's chunks put it in front of every chunk.
  public func passes(text: [Int32], length: Int, beginningOfSequence: Int32?) -> [Pass] {
    guard length >= 2, text.count >= tokensNeeded(length: length) else { return [] }
    switch self {
    case .llamaCpp:
      return (0..<(text.count / length)).map { chunk in
        var tokens = Array(text[(chunk * length)..<((chunk + 1) * length)])
        if let beginningOfSequence { tokens[0] = beginningOfSequence }
        return Pass(tokens: tokens, outputs: (length / 2)..<(length - 1))
      }
    case .truncate:
      return [Pass(tokens: Array(text.prefix(length)), outputs: 0..<(length - 1))]
    case .sliding(let stride, let span):
      var passes: [Pass] = []
      var scoredEnd = 1  // the first token is never predicted
      var start = 0
      while scoredEnd < span {
        let end = min(start + length, span)
        // Outputs predict tokens scoredEnd..<end, so they sit at scoredEnd-1..<end-1; a
        // window's first token has no prediction in it (with stride = N it goes unscored,
        // as in the Hugging Face guide).
        passes.append(
          Pass(
            tokens: Array(text[start..<end]),
            outputs: max(0, scoredEnd - 1 - start)..<(end - 1 - start)))
        scoredEnd = end
        start += min(max(1, stride), length)
      }
      return passes
    }
  }

  /// Whether perplexities are averaged over texts (each `exp(mean NLL)` of its own) rather
  /// than pooled over every scored token.
  public var averagesTexts: Bool {
    switch self {
    case .llamaCpp: false
    case .truncate, .sliding: true
    }
  }
}
