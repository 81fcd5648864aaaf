/// What one runtime computes from a config: the scaling it applies and where its values came
/// from, or why it cannot load the config.
public struct RuntimeReading: Hashable, Sendable {
  public var runtime: Runtime
  /// The scaling it applies.
  public var scaling = AppliedScaling()
  /// Keys of the scaling dict it reads, and keys present that it ignores.
  public var keysRead: [String]
  public var keysIgnored: [String]
  /// Values it assumed because the config does not state them (`original_context`,
  /// `rope_theta`), for the report.
  public var assumptions: [String]
  /// Why it reads no scaling although the config declares one.
  public var unreadScaling: UnreadScaling?
  /// Why it cannot load the config at all (a missing key its reader requires).
  public var failure: String?
}

/// Why a runtime reads no scaling from a config that declares one.
public enum UnreadScaling: Hashable, Sendable {
  /// The scaling sits in a dict the runtime does not read (`rope_parameters`).
  case dictionary(String)
  /// The model class for this `model_type` ignores the scaling.
  case modelClass(String)
}
