public import Tensors

/// Builds a GGUF v3 file: metadata and tensor infos are collected and checked as they are
/// added, then ``write()`` streams header and tensor data through an ``AtomicFileWriter``.
///
/// The layout is gguf.cpp's: KVs in insertion order, tensor offsets the running sum of each
/// tensor's size padded to the alignment, zero padding before the data and after every tensor.
/// A non-default alignment is written as `general.alignment` after the caller's KVs unless the
/// caller added it; ``reservedBytes`` appends a zero-filled `UINT8` array under
/// `spindle.reserved` that a later in-place edit can shrink instead of moving the data.
public struct GGUFWriter {
  struct PendingTensor {
    var name: String
    var dtype: DType
    var ne: [Int]
    var byteCount: Int
    var data: TensorData
  }

  /// The file to create (replaced atomically if it exists).
  public let path: String
  public let alignment: Int
  public let endianness: Endianness
  /// Length of the zero-filled `spindle.reserved` array to write (0: none).
  public var reservedBytes = 0
  /// The KVs added so far, in order.
  public private(set) var metadata: [(key: String, value: GGUFValue)] = []
  var keys: Set<String> = []
  var pending: [PendingTensor] = []
  var tensorNames: Set<String> = []

  /// Starts an empty file; `alignment` must be a non-zero power of two.
  public init(
    path: String, alignment: Int = GGUFFile.defaultAlignment, endianness: Endianness = .little
  )
    throws(FormatError)
  {
    guard alignment > 0, alignment <= Int(UInt32.max), alignment & (alignment - 1) == 0 else {
      throw FormatError(
        .invalidAlignment, path: path, name: "general.alignment",
        "alignment \(alignment) is not a non-zero power of two that fits in UINT32")
    }
    self.path = path
    self.alignment = alignment
    self.endianness = endianness
  }

  /// Appends a KV.
  ///
  /// `general.alignment` may be added only as a `UINT32` equal to the writer's alignment;
  /// `spindle.reserved` is written from ``reservedBytes`` and cannot be added.
  public mutating func add(_ key: String, _ value: GGUFValue) throws(FormatError) {
    if key.isEmpty { throw FormatError(.emptyKey, path: path, "a GGUF key must not be empty") }
    if keys.contains(key) {
      throw FormatError(.duplicateKey, path: path, name: key, "duplicate key '\(key)'")
    }
    if key == GGUFFile.reservedKey {
      throw FormatError(
        .invalidArgument, path: path, name: key, "'\(key)' is written from reservedBytes")
    }
    if key == "general.alignment" {
      guard case .uint32(let declared) = value else {
        throw FormatError(
          .invalidAlignmentType, path: path, name: key,
          "general.alignment must be UINT32, not \(value.typeName)")
      }
      guard Int(declared) == alignment else {
        throw FormatError(
          .invalidAlignment, path: path, name: key,
          "general.alignment \(declared) differs from the writer's alignment \(alignment)")
      }
    }
    try check(value, key: key, depth: 0)
    keys.insert(key)
    metadata.append((key, value))
  }

  /// Checks string and array limits and that array elements have the declared type.
  func check(_ value: GGUFValue, key: String, depth: Int) throws(FormatError) {
    switch value {
    case .string, .rawString:
      if value.stringByteCount > GGUFParser.maximumStringLength {
        throw FormatError(
          .stringTooLong, path: path, name: key, "a string of '\(key)' exceeds 1 GiB")
      }
    case .array(let array):
      if depth >= GGUFParser.maximumNesting {
        throw FormatError(
          .invalidValueType, path: path, name: key,
          "'\(key)' nests arrays more than \(GGUFParser.maximumNesting) deep")
      }
      if array.count > GGUFParser.maximumArrayCount {
        throw FormatError(
          .arrayTooLong, path: path, name: key, "'\(key)' has more than 2^30 elements")
      }
      guard case .values(let elements) = array.storage else { return }
      for element in elements {
        guard element.type == array.elementType else {
          throw FormatError(
            .invalidArgument, path: path, name: key,
            "'\(key)' is declared [\(array.elementType.name)] but holds a \(element.type.name)")
        }
        try check(element, key: key, depth: depth + 1)
      }
    default:
      return
    }
  }

  /// Appends a tensor with a row-major `shape` (outermost first; at most 4 dimensions).
  public mutating func addTensor(_ name: String, dtype: DType, shape: [Int], data: TensorData)
    throws(FormatError)
  {
    if name.utf8.count >= GGUFParser.maximumNameBytes {
      throw FormatError(
        .tensorNameTooLong, path: path, name: name,
        "tensor name is \(name.utf8.count) bytes; ggml allows at most \(GGUFParser.maximumNameBytes - 1)"
      )
    }
    if tensorNames.contains(name) {
      throw FormatError(.duplicateTensorName, path: path, name: name, "duplicate tensor '\(name)'")
    }
    if shape.count > GGUFParser.maximumDimensions {
      throw FormatError(
        .tooManyDimensions, path: path, name: name,
        "tensor '\(name)' has \(shape.count) dimensions; ggml allows at most 4")
    }
    if let negative = shape.first(where: { $0 < 0 }) {
      throw FormatError(
        .negativeDimension, path: path, name: name, "tensor '\(name)' has dimension \(negative)")
    }
    guard dtype.ggmlType != nil else {
      throw FormatError(
        .invalidTensorType, path: path, name: name, "\(dtype.name) has no ggml type id")
    }
    let ne = Array(shape.reversed())
    if let row = ne.first, row % dtype.blockSize != 0 {
      throw FormatError(
        .rowNotBlockMultiple, path: path, name: name,
        "tensor '\(name)' has rows of \(row) elements, not a multiple of the \(dtype.name) block size \(dtype.blockSize)"
      )
    }
    guard let elements = GGUFParser.elementCount(ne),
      let byteCount = dtype.byteCount(elements: elements),
      byteCount <= Int.max - alignment
    else {
      throw FormatError(
        .shapeOverflow, path: path, name: name, "tensor '\(name)' \(shape) is too large")
    }
    let supplied: Int? =
      switch data {
      case .bytes(let bytes): bytes.count
      case .file(let file, let range):
        range.lowerBound >= 0 && range.upperBound <= file.count ? range.count : -1
      case .stream(let byteCount, _): byteCount
      }
    if let supplied, supplied != byteCount {
      throw FormatError(
        .invalidArgument, path: path, name: name,
        supplied < 0
          ? "the source range of tensor '\(name)' lies outside its file"
          : "tensor '\(name)' \(dtype.name) \(shape) takes \(byteCount) bytes, \(supplied) supplied"
      )
    }
    tensorNames.insert(name)
    pending.append(
      PendingTensor(name: name, dtype: dtype, ne: ne, byteCount: byteCount, data: data))
  }
}
