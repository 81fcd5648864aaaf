public import Tensors

/// A GGUF file opened read-only: its header, metadata and tensor table, validated as ggml's
/// `gguf.cpp` validates them, with tensor bytes left in the mapping.
///
/// Big-endian files (detected as gguf.cpp detects them, by a version whose low 16 bits are
/// zero) are read too, which gguf.cpp refuses. Opening costs O(header): arrays stay mapped.
public struct GGUFFile: Sendable {
  /// One key-value pair in file order.
  public struct MetadataEntry: Sendable, Equatable {
    public var key: String
    public var value: GGUFValue
    /// Absolute offset of the key's length prefix.
    public var offset: Int

    public init(key: String, value: GGUFValue, offset: Int) {
      self.key = key
      self.value = value
      self.offset = offset
    }
  }

  /// A tensor as its tensor-info record stores it.
  public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// Dimensions in ggml order, innermost first (the reverse of ``TensorEntry/shape``).
    public var ne: [Int]
    /// The stored offset, relative to the data section.
    public var relativeOffset: Int
    /// Absolute offset of the record (its name's length prefix).
    public var recordOffset: Int
  }

  /// The magic bytes "GGUF".
  public static let magic: [UInt8] = [0x47, 0x47, 0x55, 0x46]
  /// Alignment when `general.alignment` is absent (`GGUF_DEFAULT_ALIGNMENT`).
  public static let defaultAlignment = 32
  /// The key of the zero-filled `UINT8` array that ``GGUFWriter`` leaves for header growth.
  public static let reservedKey = "spindle.reserved"

  public let path: String
  public let file: MappedFile
  /// Where the GGUF starts in `file` (0 unless it is embedded in a larger file).
  public let start: Int
  /// 2 or 3.
  public let version: Int
  public let endianness: Endianness
  /// `general.alignment`, or 32.
  public let alignment: Int
  public let metadata: [MetadataEntry]
  /// Tensors in file order, with absolute offsets and row-major shapes.
  public let tensors: [TensorEntry]
  /// The tensor-info records, parallel to ``tensors``.
  public let tensorInfos: [TensorInfo]
  /// Absolute offset just past the last tensor-info record.
  public let headerEnd: Int
  /// Absolute offset of the data section: `headerEnd` rounded up to the alignment (measured
  /// from ``start``).
  public let dataOffset: Int
  /// Readable defects a strict loader rejects (`nestedArray`).
  public let problems: [FormatError]
  /// What gguf.cpp accepts but a person should know: strings that are not UTF-8
  /// (`invalidUTF8`, shown with `\xNN` escapes), a data section cut inside its final padding
  /// (`dataPastEOF`).
  public let warnings: [FormatError]
  let keyIndex: [String: Int]

  /// Maps and parses the GGUF file at `path`.
  public init(path: String) throws(FormatError) {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw FormatError(error) }
    try self.init(file: file)
  }

  /// Parses a GGUF held in memory (a copy of `bytes`); `path` names it in messages only.
  public init(bytes: [UInt8], path: String) throws(FormatError) {
    try self.init(file: MappedFile(bytes: bytes, path: path))
  }

  /// Parses the GGUF that begins at byte `start` of `file`; padding is measured from `start`.
  public init(file: MappedFile, start: Int = 0) throws(FormatError) {
    var parser = GGUFParser(file: file, start: start)
    try parser.parse()
    self.path = file.path
    self.file = file
    self.start = start
    self.version = parser.version
    self.endianness = parser.reader.endianness
    self.alignment = parser.alignment
    self.metadata = parser.metadata
    self.keyIndex = parser.keyIndex
    self.tensorInfos = parser.tensorInfos
    self.tensors = parser.tensors
    self.headerEnd = parser.headerEnd
    self.dataOffset = parser.dataOffset
    self.problems = parser.problems
    self.warnings = parser.warnings
  }

  /// The value of `key`, if present.
  public func metadata(_ key: String) -> GGUFValue? {
    keyIndex[key].map { metadata[$0].value }
  }

  /// `general.architecture`, if present and a string.
  public var architecture: String? { metadata("general.architecture")?.string }

  /// Zero bytes between the tensor infos and the data, usable by in-place header edits.
  public var paddingBeforeData: Int { dataOffset - headerEnd }

  /// Length of the `spindle.reserved` array (0 when absent): header bytes an in-place edit
  /// may take back without moving the data.
  public var reservedBytes: Int {
    guard let array = metadata(GGUFFile.reservedKey)?.arrayValue, array.elementType == .uint8
    else { return 0 }
    return array.count
  }

  /// Sum of the tensors' byte counts (padding excluded).
  public var totalDataBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }

  /// Sum of the tensors' element counts.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
}
