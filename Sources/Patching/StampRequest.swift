/// What a person asked `stamp` to do, in their words: a method, a factor and optional
/// overrides; everything left `nil` is read from the model or defaulted.
public struct StampRequest: Hashable, Sendable {
  /// The scaling methods `stamp` writes.
  public enum Method: String, Hashable, Sendable, CaseIterable {
    /// YaRN (`rope_type: "yarn"`; with ``StampRequest/dynamic``, `"dynamic-yarn"`).
    case yarn
    /// Position interpolation (`"linear"`).
    case linear
    /// Dynamic NTK (`"dynamic"`).
    case dynamic
    /// Llama 3.1 scaling (`"llama3"`, low/high frequency factors 1 and 4).
    case llama3
  }

  public var method: Method
  /// The scale factor `s`, at least 1.
  public var factor: Double
  /// The pre-training context; default: the model's (its scaling's original length, else its
  /// context length).
  public var originalContextLength: Int?
  /// The context after scaling; default: `original × factor` (dynamic NTK: the original, since
  /// transformers measures the sequence against `max_position_embeddings`).
  public var contextLength: Int?
  /// YaRN `beta_fast` (default 32).
  public var betaFast: Double?
  /// YaRN `beta_slow` (default 1).
  public var betaSlow: Double?
  /// YaRN `attention_factor` (default: transformers' `1 + 0.1·ln s`).
  public var attentionFactor: Double?
  /// Dynamic YaRN instead of static.
  public var dynamic: Bool
  /// Overwrite a different scaling already in the model.
  public var replace: Bool
  /// Turn validation errors into warnings.
  public var force: Bool

  public init(
    method: Method, factor: Double, originalContextLength: Int? = nil,
    contextLength: Int? = nil, betaFast: Double? = nil, betaSlow: Double? = nil,
    attentionFactor: Double? = nil, dynamic: Bool = false, replace: Bool = false,
    force: Bool = false
  ) {
    self.method = method
    self.factor = factor
    self.originalContextLength = originalContextLength
    self.contextLength = contextLength
    self.betaFast = betaFast
    self.betaSlow = betaSlow
    self.attentionFactor = attentionFactor
    self.dynamic = dynamic
    self.replace = replace
    self.force = force
  }
}
