public import Tensors

/// A problem with a checkpoint file, located precisely enough to fix it.
///
/// `kind` says what is wrong in a form tests and scripts can match; `message` says it in
/// words with expected vs found; `path`, `offset` and `name` say where.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, as one stable identifier.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    // I/O
    case io, notFound, unknownFormat
    // a file that is no checkpoint (text, JSON, PyTorch, empty), told by its content
    case notACheckpoint
    // JSON (json-c)
    case invalidJSON, duplicateKey, jsonTooDeep
    // safetensors, in the Rust crate's order
    case headerTooSmall, headerTooLarge, invalidHeaderLength, headerNotUTF8, invalidHeader
    case unknownDType, invalidOffset, validationOverflow, misalignedSlice, tensorInvalidInfo
    case metadataIncompleteBuffer, reservedTensorName, gitLFSPointer, htmlDocument
    // sharded safetensors index
    case invalidIndex, indexMissingShard, indexTensorMissing, indexUnlistedTensor
    case indexTotalSizeMismatch, indexWrongShard
    // GGUF, mirroring ggml's gguf.cpp
    case badMagic, unsupportedVersion, countTooLarge, truncated, stringTooLong, arrayTooLong
    case emptyKey, invalidValueType, nestedArray, invalidAlignmentType, invalidAlignment
    case tensorNameTooLong, duplicateTensorName, tooManyDimensions, negativeDimension
    case shapeOverflow, invalidTensorType, removedTensorType, rowNotBlockMultiple
    case inconsistentOffset, dataPastEOF, invalidUTF8
    // GGUF split sets
    case splitMissingShard, splitInconsistent
    // HF config files
    case invalidConfig
    // zstd
    case compression
    // writing
    case invalidArgument, noSpace, fileChanged, readOnly, staleTemporary
    // in-place edits
    case interruptedEdit, invalidJournal, nothingToRestore
  }

  public var kind: Kind
  /// The file concerned.
  public var path: String
  /// The byte offset of the problem in `path`, when one byte is to blame.
  public var offset: Int?
  /// The tensor or key concerned.
  public var name: String?
  /// What is wrong, with expected vs found.
  public var message: String
  /// The error this one wraps (the ``SystemError`` of a failed system call), whole: its
  /// operation and `errno` stay reachable. Not compared by `==`.
  public var cause: (any Error & Sendable)?

  public init(
    _ kind: Kind, path: String, offset: Int? = nil, name: String? = nil, _ message: String,
    cause: (any Error & Sendable)? = nil
  ) {
    self.kind = kind
    self.path = path
    self.offset = offset
    self.name = name
    self.message = message
    self.cause = cause
  }

  /// Same kind, location and message (the ``cause`` is not compared).
  public static func == (lhs: FormatError, rhs: FormatError) -> Bool {
    lhs.kind == rhs.kind && lhs.path == rhs.path && lhs.offset == rhs.offset
      && lhs.name == rhs.name && lhs.message == rhs.message
  }

  public var description: String {
    var location = path
    if let offset { location += " @\(offset)" }
    return "\(location): \(message) [\(kind.rawValue)]"
  }

  /// Wraps a system-call failure, kept as ``cause``.
  public init(_ error: SystemError) {
    let kind: Kind =
      if error.isNotFound {
        .notFound
      } else if error.isNoSpace {
        .noSpace
      } else if error.isReadOnly {
        .readOnly
      } else {
        .io
      }
    self.init(
      kind, path: error.path, "\(error.operation) failed: \(error.reason)", cause: error)
  }
}
