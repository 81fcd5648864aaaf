public import Formats
public import Inference

/// Why a checkpoint cannot be loaded as a model, located by file and key or tensor.
public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The file could not be read; the message is the reader's.
    case format
    /// The rotary settings could not be read or used; the message is the reader's.
    case settings
    /// A required hyperparameter is absent.
    case missingKey
    /// A hyperparameter has the wrong type (a string where a number belongs, a GGUF key of
    /// another type than llama.cpp reads).
    case wrongType
    /// A hyperparameter's value cannot be used (an unknown activation, sizes that disagree).
    case invalidValue
    /// No description for the architecture.
    case unsupportedArchitecture
    /// A required tensor is absent.
    case missingTensor
    /// A tensor's shape is not what the hyperparameters say.
    case shape
    /// The weights do not fit the configuration; the message is the model's.
    case model
  }

  public var kind: Kind
  /// The file concerned.
  public var path: String
  /// The key or tensor concerned.
  public var name: String?
  /// What is wrong, with expected vs found.
  public var message: String
  /// The error this one wraps (a `FormatError`, `PatchError` or `InferenceError`), so its kind,
  /// byte offset and own cause stay reachable. Not compared by `==`.
  public var cause: (any Error & Sendable)?

  public init(_ kind: Kind, path: String, name: String? = nil, _ message: String) {
    self.kind = kind
    self.path = path
    self.name = name
    self.message = message
  }

  /// Wraps a reader error, kept as ``cause``.
  public init(_ error: FormatError) {
    self.init(.format, path: error.path, name: error.name, error.message)
    cause = error
  }

  /// Wraps a rotary settings error, kept as ``cause``.
  public init(_ error: PatchError) {
    self.init(.settings, path: error.path, name: error.key, error.message)
    cause = error
  }

  /// Wraps a model error for the checkpoint at `path`, kept as ``cause``.
  public init(_ error: InferenceError, path: String) {
    self.init(.model, path: path, name: error.name, error.message)
    cause = error
  }

  /// Same kind, location and message (the ``cause`` is not compared).
  public static func == (lhs: ModelError, rhs: ModelError) -> Bool {
    lhs.kind == rhs.kind && lhs.path == rhs.path && lhs.name == rhs.name
      && lhs.message == rhs.message
  }

  /// The wrapped reader error's own line when there is one (its kind, such as `notFound`, is
  /// the user's answer, not `format`); else `path: message [kind]`.
  public var description: String {
    if let format = cause as? FormatError { return format.description }
    if let patch = cause as? PatchError, let format = patch.format { return format.description }
    return "\(path): \(message) [\(kind.rawValue)]"
  }
}
