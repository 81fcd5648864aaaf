/// One way a runtime's reading differs from the intended scaling, with its cause and fix.
public struct RuntimeFinding: Hashable, Sendable {
  public var runtime: Runtime
  public var aspect: Runtime.Aspect
  /// The intended value and the runtime's, as text (`4`, `1.25`; `rounded [23, 40]`).
  public var intended: String
  public var found: String
  /// Why, in one line.
  public var cause: String
  public var fix: String
}

extension RuntimeFinding {
  /// `transformers 4.51–4.54: factor 1.25, intended 4`, as reports print a finding.
  public var summary: String {
    "\(runtime.name): \(aspect.rawValue.split(separator: "_").joined(separator: " ")) \(found),"
      + " intended \(intended)"
  }
}
