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
