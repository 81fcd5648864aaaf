/// Passkey retrieval for one method at a factor, a length and (when given) a depth.
public struct PasskeyResult: Sendable, Hashable, Codable {
  /// `ContextMethod.rawValue`.
  public var method: String
  /// The factor; `nil` when the method takes none.
  public var factor: Double?
  /// The prompt length asked for, in tokens (each prompt is the longest that fits).
  public var length: Int
  /// Where the key sat (0: first, 1: last); `nil` for a depth drawn at random per trial.
  public var depth: Double?
  public var trials: Int
  /// Trials whose greedy answer's first number was the key.
  public var correct: Int
  /// `correct / trials`.
  public var accuracy: Double
  /// Wall-clock seconds of the trials.
  public var seconds: Double

  public init(
    method: String, factor: Double?, length: Int, depth: Double?, trials: Int, correct: Int,
    seconds: Double
  ) {
    self.method = method
    self.factor = factor
    self.length = length
    self.depth = depth
    self.trials = trials
    self.correct = correct
    accuracy = trials == 0 ? 0 : Double(correct) / Double(trials)
    self.seconds = seconds
  }
}
