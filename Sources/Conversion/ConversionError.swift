public import Formats
public import Models
public import Tokenization

/// Why a conversion cannot be planned or written, located by file and tensor or key.
public struct ConversionError: Error, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The input could not be read as a model; the message is the loader's.
    case model
    /// The input is not a Hugging Face folder (a GGUF, a lone safetensors file).
    case notAFolder
    /// Tensors the architecture description does not know (without `--skip-unknown`).
    case unknownTensors
    /// Tensors the architecture requires are absent.
    case missingTensors
    /// A tensor's shape is not what the hyperparameters say.
    case shape
    /// A source element type the converter does not read.
    case unsupportedType
    /// Writing or checking the output failed; the message is the writer's.
    case output
    /// The tokenizer files cannot be turned into llama.cpp's tokenizer keys; the message is
    /// the tokenizer reader's (an unknown pre-tokenizer hash names it and `--pre`).
    case tokenizer
  }

  public var kind: Kind
  /// The file concerned.
  public var path: String
  /// The tensor or key concerned.
  public var name: String?
  /// What is wrong, with expected vs found.
  public var message: String
  /// The error this one wraps (a `ModelError` or `FormatError`), printed as it is, so its
  /// kind, byte offset and own cause stay reachable.
  public var cause: (any Error & Sendable)?

  public init(_ kind: Kind, path: String, name: String? = nil, _ message: String) {
    self.kind = kind
    self.path = path
    self.name = name
    self.message = message
  }

  /// Wraps the loader's error.
  public init(_ error: ModelError) {
    self.init(.model, path: error.path, name: error.name, error.message)
    cause = error
  }

  /// Wraps a writer's or reader's error.
  public init(_ error: FormatError) {
    self.init(.output, path: error.path, name: error.name, error.message)
    cause = error
  }

  /// Wraps the tokenizer reader's error.
  public init(_ error: TokenizerError) {
    self.init(.tokenizer, path: error.path, name: error.name, error.message)
    cause = error
  }

  public var description: String {
    if let cause = cause as? CustomStringConvertible { return cause.description }
    return "\(path): \(message) [\(kind.rawValue)]"
  }
}
