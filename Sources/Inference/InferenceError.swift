/// Why a model cannot be built or run, located by tensor name or parameter.
///
/// `kind` is the stable identifier tests match; `name` is the tensor or hyperparameter
/// concerned (`blk.0.attn_q.weight`, `head_count_kv`); `message` says expected vs found.
public struct InferenceError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// A required tensor is absent.
    case missingTensor
    /// A tensor has the wrong shape for the configuration.
    case shapeMismatch
    /// A tensor's element type has no kernel here.
    case unsupportedDType
    /// A tensor's bytes do not match its dtype and shape, or lie outside its file.
    case invalidStorage
    /// A hyperparameter is missing, out of range or inconsistent with another.
    case invalidConfiguration
    /// The rotary description does not fit the heads.
    case invalidRotary
    /// The input: a token id outside the vocabulary, an output index outside the sequence.
    case invalidInput
  }

  public var kind: Kind
  /// The tensor or parameter concerned.
  public var name: String?
  /// What is wrong, with expected vs found.
  public var message: String

  public init(_ kind: Kind, name: String? = nil, _ message: String) {
    self.kind = kind
    self.name = name
    self.message = message
  }

  public var description: String { "\(message) [\(kind.rawValue)]" }
}
