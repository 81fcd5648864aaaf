public import Tensors

/// A safetensors file, mapped read-only and validated the way the Rust `safetensors` crate
/// validates it (plus duplicate-key detection).
///
/// The header is parsed once; tensor bytes stay in the mapping and are reached through
/// ``file`` with each entry's absolute ``TensorEntry/byteRange``.
public struct SafetensorsFile: Sendable {
  /// The largest header the Rust crate reads or writes (``Limits/safetensorsHeaderBytes``).
  public static let maximumHeaderLength = Limits.safetensorsHeaderBytes

  /// The key of the string-to-string metadata map in the header.
  public static let metadataKey = "__metadata__"

  /// The path the file was opened with.
  public let path: String
  /// The whole file, mapped.
  public let file: MappedFile
  /// `N`: the header length stored in the first 8 bytes, padding included.
  public let headerLength: Int
  /// `__metadata__` in header order, or `nil` when the header has none.
  public let metadata: [(key: String, value: String)]?
  /// Every tensor in file (offset) order, with absolute offsets.
  public let tensors: [TensorEntry]
  /// JSON whitespace at the end of the header: room for in-place header edits.
  public let headerPadding: Int

  private let indexByName: [String: Int]

  /// Maps and validates the file at `path`.
  ///
  /// - Throws: the first problem in the Rust crate's order; see `SafetensorsFile+Validation`.
  public init(path: String) throws(FormatError) {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw FormatError(error) }
    try self.init(file: file)
  }

  /// Validates a safetensors file held in memory (a copy of `bytes`); `path` names it in
  /// messages only.
  public init(bytes: [UInt8], path: String) throws(FormatError) {
    try self.init(file: MappedFile(bytes: bytes, path: path))
  }

  /// Validates an already mapped file, or bytes held by a ``MappedFile`` in memory.
  public init(file: MappedFile) throws(FormatError) {
    let header = try SafetensorsFile.readHeader(of: file)
    self.path = file.path
    self.file = file
    self.headerLength = header.headerLength
    self.metadata = header.metadata
    self.tensors = header.tensors
    self.headerPadding = header.padding
    var indexByName: [String: Int] = [:]
    indexByName.reserveCapacity(header.tensors.count)
    for (index, entry) in header.tensors.enumerated() { indexByName[entry.name] = index }
    self.indexByName = indexByName
  }

  /// Where the byte buffer starts: `8 + N`.
  public var dataStart: Int { 8 + headerLength }

  /// The tensor called `name`, if there is one.
  public func tensor(named name: String) -> TensorEntry? {
    indexByName[name].map { tensors[$0] }
  }

  /// The value of metadata key `key`, if present.
  public func metadataValue(for key: String) -> String? {
    metadata?.first(where: { $0.key == key })?.value
  }

  /// Bytes of tensor data (the file size less the header).
  public var totalDataBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }

  /// Elements over all tensors.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

  /// Calls `body` with the bytes of `entry`, which must come from this file.
  public func withBytes<R, E: Error>(
    of entry: TensorEntry, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    try file.withUnsafeBytes(in: entry.byteRange, body)
  }
}
