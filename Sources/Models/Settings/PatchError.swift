public import Formats
public import RoPE

/// A scaling configuration Spindle will not read or stamp, located precisely enough to fix it.
///
/// `kind` is the stable identifier tests and scripts match; `key` is the full key path
/// (`rope_scaling.beta_fast`, `llama.rope.scaling.factor`) or the command-line option
/// (`--context`); `message` says what is wrong with expected vs found.
public struct PatchError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// A required key is absent.
    case missingKey
    /// A key holds the wrong JSON or GGUF type.
    case wrongType
    /// A value is outside its domain (factor < 1, beta_fast <= beta_slow, …).
    case invalidValue
    /// Two values contradict each other (factor × original vs the context length, …).
    case inconsistent
    /// A scaling type no reader knows.
    case unknownType
    /// The model already carries a different scaling; `--replace` overwrites it.
    case conflict
    /// The target format cannot express the requested scaling.
    case unsupported
    /// The request itself is malformed (options that contradict each other).
    case invalidArgument
    /// The output exists and will not be replaced.
    case outputExists
    /// Reading or writing the file failed; ``format`` holds the details.
    case format
  }

  public var kind: Kind
  /// The file concerned.
  public var path: String
  /// The key path or option concerned.
  public var key: String?
  /// What is wrong, with expected vs found.
  public var message: String
  /// The underlying file error, for ``Kind/format``.
  public var format: FormatError?
  /// The error this one wraps (a ``FormatError``, a `RoPEError`), whole. Not compared by `==`.
  public var cause: (any Error & Sendable)?

  public init(_ kind: Kind, path: String, key: String? = nil, _ message: String) {
    self.kind = kind
    self.path = path
    self.key = key
    self.message = message
  }

  /// Wraps a file error (kept as ``format`` and ``cause``); its message becomes the message.
  public init(_ error: FormatError) {
    self.init(.format, path: error.path, key: error.name, error.message)
    format = error
    cause = error
  }

  /// Same kind, location, message and file error (the ``cause`` is not compared).
  public static func == (lhs: PatchError, rhs: PatchError) -> Bool {
    lhs.kind == rhs.kind && lhs.path == rhs.path && lhs.key == rhs.key
      && lhs.message == rhs.message && lhs.format == rhs.format
  }

  /// Wraps a RoPE domain error, naming the parameter below `prefix` (`rope_scaling.`).
  public init(_ error: RoPEError, path: String, prefix: String) {
    switch error {
    case .invalidValue(let parameter, let expected, let found):
      self.init(
        .invalidValue, path: path, key: prefix + parameter,
        "'\(prefix + parameter)' must be \(expected), found \(PatchError.number(found))")
    case .wrongCount(let parameter, let expected, let found):
      self.init(
        .invalidValue, path: path, key: prefix + parameter,
        "'\(prefix + parameter)' must hold \(expected) values (one per rotary pair), found \(found)"
      )
    case .oddRotaryDimension:
      self.init(.invalidValue, path: path, key: prefix + "head_dim", error.description)
    }
    cause = error
  }

  public var description: String {
    if let format { return format.description }
    return "\(path): \(message) [\(kind.rawValue)]"
  }

  /// A number as a person reads it: `4` for integral values, else the shortest exact text.
  package static func number(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), value.magnitude < 1e15 {
      return String(Int64(value))
    }
    return "\(value)"
  }
}

extension PatchError {
  /// Throws `invalidValue` when `value`, read under `key`, is over `limit` (a cap of
  /// ``Formats/Limits``): whatever `--force` says, since tables and buffers would be sized by it.
  static func checkLimit(_ value: Int?, key: String, path: String, limit: Int?)
    throws(PatchError)
  {
    guard let value, let limit, value > limit else { return }
    throw PatchError(
      .invalidValue, path: path, key: key, "'\(key)' is \(value), over Spindle's limit of \(limit)")
  }
}
