public import Formats

/// Why a tokenizer cannot be read or used, located by file and key, token or merge.
///
/// `kind` is the stable identifier tests match; `path` is the file read (empty for a tokenizer
/// built in memory); `name` is the GGUF key or JSON path concerned (`tokenizer.ggml.merges[17]`,
/// `model.vocab`); `message` says expected vs found.
public struct TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The file could not be read or parsed; the message is the reader's.
    case format
    /// A required key or field is absent.
    case missingKey
    /// A key or field has the wrong type or an impossible value.
    case invalidValue
    /// A token text is duplicated, or a token id is out of range.
    case invalidVocabulary
    /// A merge rule is malformed.
    case invalidMerge
    /// The tokenizer uses a model, pre-tokenizer or option not implemented here.
    case unsupported
    /// A token id given to the decoder is outside the vocabulary.
    case invalidToken
  }

  public var kind: Kind
  /// The file concerned.
  public var path: String
  /// The key, field or token concerned.
  public var name: String?
  /// What is wrong, with expected vs found.
  public var message: String
  /// The reader's error, for ``Kind/format``: its kind and byte offset are the user's answer,
  /// so ``description`` is its description.
  public var format: FormatError?

  public init(_ kind: Kind, path: String = "", name: String? = nil, _ message: String) {
    self.kind = kind
    self.path = path
    self.name = name
    self.message = message
  }

  /// Wraps a reader error (kept as ``format``).
  public init(_ error: FormatError) {
    self.init(.format, path: error.path, name: error.name, error.message)
    format = error
  }

  public var description: String {
    if let format { return format.description }
    let location = path.isEmpty ? "" : "\(path): "
    return "\(location)\(message) [\(kind.rawValue)]"
  }
}
