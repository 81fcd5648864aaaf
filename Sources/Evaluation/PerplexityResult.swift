/// One cell of the comparison: a method at a factor and a length, scored by a protocol.
public struct PerplexityResult: Sendable, Hashable, Codable {
  /// `ContextMethod.rawValue`.
  public var method: String
  /// The factor the method ran with; `nil` when it takes none.
  public var factor: Double?
  /// The context length `N`, in tokens.
  public var length: Int
  /// The perplexity (mean over texts, or pooled, as the protocol says).
  public var perplexity: Double
  /// The mean negative log-likelihood over every scored token, in nats.
  public var meanNegativeLogLikelihood: Double
  /// Predictions scored.
  public var scoredTokens: Int
  /// Texts that were long enough and were scored.
  public var texts: Int
  /// Forward passes run and the tokens they ran.
  public var passes: Int
  public var tokensRun: Int
  /// Wall-clock seconds of the forward passes.
  public var seconds: Double

  public init(
    method: String, factor: Double?, length: Int, perplexity: Double,
    meanNegativeLogLikelihood: Double, scoredTokens: Int, texts: Int, passes: Int,
    tokensRun: Int, seconds: Double
  ) {
    self.method = method
    self.factor = factor
    self.length = length
    self.perplexity = perplexity
    self.meanNegativeLogLikelihood = meanNegativeLogLikelihood
    self.scoredTokens = scoredTokens
    self.texts = texts
    self.passes = passes
    self.tokensRun = tokensRun
    self.seconds = seconds
  }
}
