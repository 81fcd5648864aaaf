/// An evaluation Spindle cannot run, located (the model, the method, the text) with what to
/// change.
public struct EvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable {
    /// The model cannot be run with the method asked for.
    case unsupportedMethod
    /// No text is long enough for a length asked for.
    case textTooShort
    /// The model or its forward pass failed.
    case model
  }

  public var kind: Kind
  /// The model concerned.
  public var path: String
  public var message: String

  public init(_ kind: Kind, path: String, _ message: String) {
    self.kind = kind
    self.path = path
    self.message = message
  }

  public var description: String { "\(path): \(message) [\(kind.rawValue)]" }
}
