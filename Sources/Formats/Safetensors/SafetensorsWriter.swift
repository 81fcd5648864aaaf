public import Tensors

/// Writes safetensors files byte-for-byte as the Rust crate's `serialize` does.
///
/// Tensors are sorted by dtype rank descending (`F64`/`I64`/`U64` first), then by name in byte
/// order, and packed back to back. The header is compact JSON with `__metadata__` first (only
/// when given), padded with spaces to a multiple of 8; ``reserve`` adds spaces for later
/// in-place header edits. Files are written to a temporary name, fsync'd and renamed.
public struct SafetensorsWriter {
  /// One tensor to write.
  public struct Tensor {
    public var name: String
    public var dtype: DType
    /// Row-major shape; `[]` is a scalar.
    public var shape: [Int]
    public var data: TensorData

    public init(name: String, dtype: DType, shape: [Int], data: TensorData) {
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.data = data
    }
  }

  /// The header and tensor placement a write produces.
  public struct Layout {
    /// The 8-byte length, the JSON header and its padding: everything before the data.
    public var prefix: [UInt8]
    /// `N`, padding included.
    public var headerLength: Int
    /// The tensors in file order with absolute offsets.
    public var entries: [TensorEntry]
    /// The tensors in the same order as ``entries``.
    public var tensors: [Tensor]

    /// Size of the whole file.
    public var fileSize: Int { prefix.count + entries.reduce(0) { $0 + $1.byteCount } }
  }

  /// `__metadata__` in the order to write it; `nil` writes no `__metadata__` key.
  public var metadata: [(key: String, value: String)]?
  /// Extra header spaces to leave for in-place edits (the total is rounded up to 8).
  public var reserve: Int
  /// The tensors added so far, in the order they were added.
  public private(set) var tensors: [Tensor] = []

  public init(metadata: [(key: String, value: String)]? = nil, reserve: Int = 0) {
    self.metadata = metadata
    self.reserve = reserve
  }

  /// Adds a tensor; problems are reported by ``layout(path:)`` and ``write(to:)``.
  public mutating func add(_ name: String, dtype: DType, shape: [Int], data: TensorData) {
    tensors.append(Tensor(name: name, dtype: dtype, shape: shape, data: data))
  }

  /// Adds a tensor; problems are reported by ``layout(path:)`` and ``write(to:)``.
  public mutating func add(_ tensor: Tensor) {
    tensors.append(tensor)
  }

  /// Checks the tensors and computes the header and offsets.
  ///
  /// - Parameter path: the destination, named in errors and stored in the entries.
  /// - Throws: `reservedTensorName`, `duplicateTensorName`, `invalidArgument` (not a
  ///   safetensors dtype, negative dimension, bad source range), `validationOverflow`,
  ///   `misalignedSlice`, `tensorInvalidInfo` (byte count does not match shape and dtype),
  ///   `headerTooLarge`, `duplicateKey` (a metadata key given twice).
  public func layout(path: String = "<memory>") throws(FormatError) -> Layout {
    var keys = Set<String>()
    for key in metadata?.map(\.key) ?? [] where !keys.insert(key).inserted {
      throw FormatError(
        .duplicateKey, path: path, name: key, "metadata key \"\(key)\" is given twice")
    }
    var seen = Set<String>()
    for tensor in tensors {
      try check(tensor, path: path)
      if !seen.insert(tensor.name).inserted {
        throw FormatError(
          .duplicateTensorName, path: path, name: tensor.name,
          "two tensors are named \"\(tensor.name)\"")
      }
    }
    let ordered = tensors.sorted { left, right in
      let (l, r) = (left.dtype.safetensorsRank ?? 0, right.dtype.safetensorsRank ?? 0)
      if l != r { return l > r }
      return left.name.utf8.lexicographicallyPrecedes(right.name.utf8)
    }
    var relativeOffset = 0
    var ranges: [Range<Int>] = []
    ranges.reserveCapacity(ordered.count)
    for tensor in ordered {
      let end = relativeOffset + tensor.data.byteCount
      ranges.append(relativeOffset..<end)
      relativeOffset = end
    }
    let json = SafetensorsFile.encodeHeaderJSON(
      metadata: metadata,
      tensors: zip(ordered, ranges).map { ($0.name, $0.dtype, $0.shape, $1) })

    let (reserved, reserveOverflow) = json.count.addingReportingOverflow(max(0, reserve))
    guard !reserveOverflow, reserved <= SafetensorsFile.maximumHeaderLength else {
      throw FormatError(
        .headerTooLarge, path: path,
        "header would be \(reserveOverflow ? "over 2^63" : String(reserved)) bytes, over the \(SafetensorsFile.maximumHeaderLength)-byte limit"
      )
    }
    let headerLength = (reserved + 7) / 8 * 8
    guard headerLength <= SafetensorsFile.maximumHeaderLength else {
      throw FormatError(
        .headerTooLarge, path: path,
        "header would be \(headerLength) bytes, over the \(SafetensorsFile.maximumHeaderLength)-byte limit"
      )
    }
    let prefix = SafetensorsFile.prefix(json: json, headerLength: headerLength)
    let dataStart = 8 + headerLength
    let entries = zip(ordered, ranges).map { tensor, range in
      TensorEntry(
        name: tensor.name, dtype: tensor.dtype, shape: tensor.shape,
        offset: dataStart + range.lowerBound, byteCount: range.count, path: path)
    }
    return Layout(prefix: prefix, headerLength: headerLength, entries: entries, tensors: ordered)
  }

  /// Writes the file atomically; on any error nothing is left at `path` or beside it.
  ///
  /// - Returns: the layout written.
  @discardableResult
  public func write(to path: String) throws(FormatError) -> Layout {
    let layout = try layout(path: path)
    let output = try AtomicFileWriter(destination: path)
    do {
      try output.requireSpace(layout.fileSize)
      try output.write(layout.prefix)
      for tensor in layout.tensors {
        try tensor.data.write(to: output, name: tensor.name, path: path)
      }
      try output.commit()
    } catch {
      output.abort()
      throw error
    }
    return layout
  }

  /// The whole file in memory, as Rust's `serialize` returns it; for small files and tests.
  public func serialized() throws(FormatError) -> [UInt8] {
    let layout = try layout()
    var bytes = layout.prefix
    bytes.reserveCapacity(layout.fileSize)
    for tensor in layout.tensors {
      try tensor.data.emit(name: tensor.name, path: "<memory>") { chunk in
        bytes.append(contentsOf: chunk)
      } copy: { file, range in
        file.withUnsafeBytes(in: range) { bytes.append(contentsOf: $0) }
      }
    }
    return bytes
  }

  private func check(_ tensor: Tensor, path: String) throws(FormatError) {
    let name = tensor.name
    if name == SafetensorsFile.metadataKey {
      throw FormatError(
        .reservedTensorName, path: path, name: name,
        "a tensor cannot be named \(name): readers take it for the metadata map")
    }
    guard let dtypeName = tensor.dtype.safetensorsName else {
      throw FormatError(
        .invalidArgument, path: path, name: name,
        "tensor \"\(name)\": \(tensor.dtype) has no safetensors dtype (dequantize it first)")
    }
    if let dim = tensor.shape.first(where: { $0 < 0 }) {
      throw FormatError(
        .invalidArgument, path: path, name: name,
        "tensor \"\(name)\": negative dimension \(dim) in shape \(tensor.shape)")
    }
    var elements = 1
    var overflow = false
    for dim in tensor.shape where !overflow {
      (elements, overflow) = elements.multipliedReportingOverflow(by: dim)
    }
    let bits = tensor.dtype.blockBytes * 8 / tensor.dtype.blockSize
    let (bitCount, bitsOverflow) = elements.multipliedReportingOverflow(by: bits)
    if overflow || bitsOverflow {
      throw FormatError(
        .validationOverflow, path: path, name: name,
        "tensor \"\(name)\": shape \(tensor.shape) of \(dtypeName) overflows 64 bits")
    }
    guard bitCount % 8 == 0 else {
      throw FormatError(
        .misalignedSlice, path: path, name: name,
        "tensor \"\(name)\": \(elements) elements of \(dtypeName) take \(bitCount) bits, not whole bytes"
      )
    }
    guard tensor.data.byteCount == bitCount / 8 else {
      throw FormatError(
        .tensorInvalidInfo, path: path, name: name,
        "tensor \"\(name)\": shape \(tensor.shape) of \(dtypeName) needs \(bitCount / 8) bytes, the data has \(tensor.data.byteCount)"
      )
    }
    if case .file(let file, let range) = tensor.data,
      range.lowerBound < 0 || range.upperBound > file.count
    {
      throw FormatError(
        .invalidArgument, path: path, name: name,
        "tensor \"\(name)\": bytes \(range) lie outside \(file.path) (\(file.count) bytes)")
    }
  }

  /// Appends `text` as a JSON string escaped as serde_json escapes it.
  ///
  /// `"` and `\` get a backslash; `\b \t \n \f \r` their short forms; other bytes below 0x20
  /// `\u00xx` in lower-case hex. Everything else, non-ASCII included, is written as is.
  static func appendString(_ text: String, to json: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    json.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"):
        json.append(UInt8(ascii: "\\"))
        json.append(byte)
      case 0x08: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x09: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x0A: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0C: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      case 0x0D: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0..<0x20:
        json.append(contentsOf: Array("\\u00".utf8))
        json.append(hex[Int(byte >> 4)])
        json.append(hex[Int(byte & 0xF)])
      default:
        json.append(byte)
      }
    }
    json.append(UInt8(ascii: "\""))
  }
}
