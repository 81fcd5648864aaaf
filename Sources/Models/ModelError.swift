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

  public init(_ kind: Kind, path: String, name: String? = nil, _ message: String) {
    self.kind = kind
    self.path = path
    self.name = name
    self.message = message
  }

  /// Wraps a reader error.
  public init(_ error: FormatError) {
    self.init(.format, path: error.path, name: error.name, error.message)
  }

  /// Wraps a rotary settings error.
  public init(_ error: PatchError) {
    self.init(.settings, path: error.path, name: error.key, error.message)
  }

  /// Wraps a model error for the checkpoint at `path`.
  public init(_ error: InferenceError, path: String) {
    self.init(.model, path: path, name: error.name, error.message)
  }

  public var description: String { "\(path): \(message) [\(kind.rawValue)]" }
}
