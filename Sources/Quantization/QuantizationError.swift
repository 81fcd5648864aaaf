import Tensors

/// Why rows cannot be quantized: the type, the row shape or the buffers do not fit.
///
/// `kind` is the stable identifier tests match; `message` says expected vs found.
public struct QuantizationError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The target type has no quantizer here.
    case unsupportedType
    /// The row length is not a whole number of the type's blocks.
    case rowLengthNotBlockMultiple
    /// The source does not hold whole rows, or the requested rows lie outside it.
    case rowsOutOfRange
    /// The target buffer is not the size the rows take in the target type.
    case targetSizeMismatch
  }

  public var kind: Kind
  /// What is wrong, with expected vs found.
  public var message: String

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { "\(message) [\(kind.rawValue)]" }
}
