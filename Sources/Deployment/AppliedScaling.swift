public import RoPE

/// A rotary scaling as a runtime applies it: the values that decide its tables, and the
/// tables.
public struct AppliedScaling: Hashable, Sendable {
  /// The rope type (`default` when nothing is scaled).
  public var ropeType: String = "default"
  /// The scale factor in effect (1 when unscaled).
  public var factor: Double = 1
  /// The original context YaRN and llama3 measure against, when the type has one.
  public var originalContextLength: Int?
  /// YaRN's correction range, and whether it was rounded.
  public var correctionRange: YaRNCorrectionRange?
  public var rounded: Bool?
  /// The magnitude on cos and sin.
  public var attentionFactor: Double = 1
  /// The longest context served by default (`nil`: none derived from the config; the intended
  /// one is `original × factor` for YaRN and `nil` for the other types, whose context runtimes
  /// count by their own conventions).
  public var maxContext: Int?
  /// The inverse frequencies, per rotary pair.
  public var inverseFrequencies: [Double] = []

  public init() {}
}
