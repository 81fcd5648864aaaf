public import RoPE

/// A way to run a model past its original context, applied when the model is loaded (nothing
/// is rewritten), named as `spindle eval-context --methods` spells it.
public enum ContextMethod: String, CaseIterable, Sendable, Hashable {
  /// No scaling: the model as trained, positions past the window extrapolated.
  case none
  /// Position interpolation (PI): every angle divided by the factor.
  case linear
  /// NTK-aware: the base raised so the lowest frequency is interpolated by the factor.
  case ntk
  /// Dynamic NTK (transformers `rope_type: "dynamic"`): the NTK base recomputed from the
  /// length of the sequence being run, so sequences within the window run unscaled.
  case dynamicNTK = "dynamic-ntk"
  /// YaRN: NTK-by-parts interpolation and the attention temperature `0.1 ln s + 1`.
  case yarn
  /// Dynamic YaRN (the YaRN paper, §3.3): YaRN with `s = max(1, l / L)` for a sequence of `l`
  /// tokens; the factor option does not apply.
  case dynamicYaRN = "dynamic-yarn"
  /// The scaling the checkpoint carries (keys or baked tables), run as its runtime runs it.
  case asStamped = "as-stamped"

  /// The scaling at `factor`; `nil` for ``asStamped``.
  public func scaling(factor: Double) -> RoPEScaling? {
    switch self {
    case .none: RoPEScaling.none
    case .linear: .linear(factor: factor)
    case .ntk: .ntkAware(factor: factor)
    case .dynamicNTK: .dynamicNTK(factor: factor)
    case .yarn: .yarn(factor: factor)
    case .dynamicYaRN: .dynamicYaRN()
    case .asStamped: nil
    }
  }

  /// Whether `--factor` changes what the method computes.
  public var takesFactor: Bool {
    switch self {
    case .linear, .ntk, .dynamicNTK, .yarn: true
    case .none, .dynamicYaRN, .asStamped: false
    }
  }

  /// Whether the scaling depends on the length of the sequence being run.
  public var isDynamic: Bool { self == .dynamicNTK || self == .dynamicYaRN }

  /// How tables, plots and progress name a method at a factor: `yarn ×4`, or the bare name
  /// (`none`, `dynamic-yarn`) when it takes no factor (`factor` is then `nil`).
  public static func label(_ method: String, factor: Double?) -> String {
    factor.map { "\(method) ×\(NumberText.significant($0, digits: 4))" } ?? method
  }
}
