import Tensors

/// Reads a GGUF header with the checks of ggml's `gguf_init_from_reader`, in its order.
///
/// Every count and length is checked against the bytes left before anything sized by it is
/// allocated; errors carry the absolute offset of the field at fault. What gguf.cpp accepts
/// but deserves a word (strings that are not UTF-8, a data section cut inside its final
/// padding) goes to `warnings`; what it rejects but Spindle can read goes to `problems`.
struct GGUFParser {
  /// The caps of ``Limits``, under the names the reader and writer use.
  static let maximumStringLength = Limits.ggufStringBytes
  static let maximumArrayCount = Limits.ggufArrayElements
  static let maximumNesting = Limits.ggufArrayNesting
  static let maximumNameBytes = Limits.ggufTensorNameBytes
  static let maximumDimensions = Limits.ggufDimensions
  /// Fewest bytes of one KV (key length, type, a 1-byte value) and of one tensor info (name
  /// length, n_dims, type, offset). Empty keys and names count as possible so that such files
  /// get the more precise `emptyKey` rather than `countTooLarge`.
  static let minimumKVBytes = 8 + 4 + 1
  static let minimumTensorInfoBytes = 8 + 4 + 4 + 8

  let path: String
  let start: Int
  var reader: ByteReader
  var version = 0
  var alignment = GGUFFile.defaultAlignment
  var metadata: [GGUFFile.MetadataEntry] = []
  var keyIndex: [String: Int] = [:]
  /// Metadata and tensor-info indexes by stored name bytes, for duplicate checks.
  var keyBytes: [[UInt8]: Int] = [:]
  var tensorNameBytes: [[UInt8]: Int] = [:]
  var tensorInfos: [GGUFFile.TensorInfo] = []
  var tensors: [TensorEntry] = []
  var headerEnd = 0
  var dataOffset = 0
  var problems: [FormatError] = []
  var warnings: [FormatError] = []
  /// Per tensor info, the absolute offset of its offset field.
  var offsetFields: [Int] = []
  /// Bytes of keys, names and STRING values copied out so far (``Limits/ggufHeaderTextBytes``).
  var textBytes = 0
  /// Elements of arrays of arrays held so far (``Limits/ggufNestedArrayElements``).
  var nestedArrayElements = 0

  init(file: MappedFile, start: Int) {
    self.path = file.path
    self.start = start
    self.reader = ByteReader(file: file, offset: start, endianness: .little)
  }

  var fileSize: Int { reader.file.count }

  func error(_ kind: FormatError.Kind, at offset: Int, _ name: String?, _ message: String)
    -> FormatError
  {
    FormatError(kind, path: path, offset: offset, name: name, message)
  }

  func error(_ kind: FormatError.Kind, at offset: Int, _ message: String) -> FormatError {
    error(kind, at: offset, nil, message)
  }

  func truncated(at offset: Int, _ what: @autoclosure () -> String, _ name: String? = nil)
    -> FormatError
  {
    error(
      .truncated, at: offset, name,
      "file ends at byte \(fileSize) while reading \(what()) at byte \(offset)")
  }

  mutating func parse() throws(FormatError) {
    try parseHeader()
    let (tensorCount, kvCount) = try parseCounts()
    for index in 0..<kvCount { try parseKeyValue(index) }
    try checkAlignment()
    for index in 0..<tensorCount { try parseTensorInfo(index) }
    headerEnd = reader.offset
    try layOutData(tensorCount: tensorCount)
  }

  // MARK: Header

  mutating func parseHeader() throws(FormatError) {
    guard start >= 0, reader.contains(start, count: 4),
      reader.file.bytes(in: start..<(start + 4)) == GGUFFile.magic
    else {
      if start == 0,
        let refusal = FileKind.sniff(reader.file).refusal(path: path, reading: .gguf)
      {
        throw refusal
      }
      let found =
        reader.contains(start, count: 4)
        ? "found \(reader.file.bytes(in: start..<(start + 4)))"
        : "the file has only \(max(0, fileSize - start)) bytes"
      throw error(.badMagic, at: start, "not a GGUF file: expected the magic \"GGUF\", \(found)")
    }
    reader.offset = start + 4
    guard var raw = reader.readInteger(as: UInt32.self) else {
      throw truncated(at: start + 4, "the version")
    }
    if raw == 0 {
      throw error(.unsupportedVersion, at: start + 4, "GGUF version 0 is invalid")
    }
    if raw & 0xFFFF == 0 {
      // The other byte order: v3 read byte-swapped is 0x03000000.
      reader.endianness = .big
      raw = raw.byteSwapped
    }
    if raw == 1 {
      throw error(
        .unsupportedVersion, at: start + 4, "GGUFv1 is no longer supported; convert the file again")
    }
    if raw > 3 {
      throw error(
        .unsupportedVersion, at: start + 4,
        "GGUF version \(raw) is newer than the supported versions 2 and 3")
    }
    version = Int(raw)
  }

  /// Reads n_tensors and n_kv in gguf.cpp's order.
  ///
  /// Each is read with a plain read (a file that ends inside either is `truncated` at that
  /// field) and rejected at once only when negative; the stricter count-fits-file checks run
  /// once both counts are read.
  mutating func parseCounts() throws(FormatError) -> (tensors: Int, kvs: Int) {
    let tensorOffset = reader.offset
    guard let rawTensors = reader.readInteger(as: Int64.self) else {
      throw truncated(at: tensorOffset, "the tensor count")
    }
    if rawTensors < 0 {
      throw error(.countTooLarge, at: tensorOffset, "tensor count \(rawTensors) is negative")
    }
    let kvOffset = reader.offset
    guard let rawKVs = reader.readInteger(as: Int64.self) else {
      throw truncated(at: kvOffset, "the key-value count")
    }
    if rawKVs < 0 {
      throw error(.countTooLarge, at: kvOffset, "key-value count \(rawKVs) is negative")
    }
    let afterCounts = fileSize - reader.offset
    guard rawTensors <= afterCounts / GGUFParser.minimumTensorInfoBytes else {
      throw error(
        .countTooLarge, at: tensorOffset,
        "tensor count \(rawTensors) cannot fit in the \(afterCounts) bytes left (each tensor info takes at least \(GGUFParser.minimumTensorInfoBytes))"
      )
    }
    let tensorCount = Int(rawTensors)
    let left = afterCounts - tensorCount * GGUFParser.minimumTensorInfoBytes
    guard rawKVs <= left / GGUFParser.minimumKVBytes else {
      throw error(
        .countTooLarge, at: kvOffset,
        "key-value count \(rawKVs) cannot fit in the \(left) bytes left after \(tensorCount) tensor infos (each key-value takes at least \(GGUFParser.minimumKVBytes))"
      )
    }
    guard tensorCount <= Limits.ggufTensors else {
      throw error(
        .countTooLarge, at: tensorOffset,
        "tensor count \(tensorCount) is over Spindle's limit of \(Limits.ggufTensors) tensors")
    }
    guard rawKVs <= Limits.ggufKeyValues else {
      throw error(
        .countTooLarge, at: kvOffset,
        "key-value count \(rawKVs) is over Spindle's limit of \(Limits.ggufKeyValues) key-value pairs"
      )
    }
    return (tensorCount, Int(rawKVs))
  }

  // MARK: Strings

  /// Reads a length prefix and checks the string fits; returns the range of its bytes.
  ///
  /// A string that will be copied out of the mapping (`copied`: keys, tensor names, STRING
  /// values) also counts against ``Limits/ggufHeaderTextBytes``.
  mutating func readStringRange(
    _ what: @autoclosure () -> String, _ name: String?, copied: Bool = true
  ) throws(FormatError) -> Range<Int> {
    let lengthOffset = reader.offset
    guard let raw = reader.readInteger(as: UInt64.self) else {
      throw truncated(at: lengthOffset, what(), name)
    }
    if raw > UInt64(GGUFParser.maximumStringLength) {
      throw error(
        .stringTooLong, at: lengthOffset, name,
        "\(what()) is \(raw) bytes long, more than the 1 GiB limit")
    }
    let length = Int(raw)
    guard reader.remaining >= length else {
      throw error(
        .stringTooLong, at: lengthOffset, name,
        "\(what()) is \(length) bytes long but only \(reader.remaining) bytes are left in the file")
    }
    if copied {
      guard length <= Limits.ggufHeaderTextBytes - textBytes else {
        throw error(
          .stringTooLong, at: lengthOffset, name,
          "\(what()) is \(length) bytes long; with the \(textBytes) bytes of keys, names and strings before it that is over Spindle's limit of \(Limits.ggufHeaderTextBytes) bytes for one header"
        )
      }
      textBytes += length
    }
    reader.offset += length
    return (lengthOffset + 8)..<(lengthOffset + 8 + length)
  }

  /// Reads a key or tensor name: its text and its stored bytes.
  ///
  /// Duplicates are found on the bytes, as gguf.cpp compares them. gguf.cpp takes any bytes;
  /// a name that is not UTF-8 becomes its `\xNN`-escaped text, with a warning.
  mutating func readName(_ what: String, _ name: String?) throws(FormatError) -> (
    text: String, bytes: [UInt8]
  ) {
    let range = try readStringRange(what, name)
    switch reader.getString(at: range.lowerBound, count: range.count) {
    case .valid(let text):
      return (text, Array(text.utf8))
    case .invalid(let bytes):
      let text = InvalidUTF8.escaped(bytes)
      warnInvalidUTF8(bytes, at: range.lowerBound, text, "\(what) '\(text)'")
      return (text, bytes)
    case nil:
      throw truncated(at: range.lowerBound, what, name)
    }
  }

  /// Notes a string that is not UTF-8, located at its first invalid byte.
  mutating func warnInvalidUTF8(
    _ bytes: [UInt8], at start: Int, _ name: String?, _ subject: String, _ detail: String = ""
  ) {
    let first = InvalidUTF8.firstInvalidByte(in: bytes) ?? 0
    warnings.append(
      error(
        .invalidUTF8, at: start + first, name,
        "\(subject) is not valid UTF-8\(detail) (first invalid byte 0x\(String(bytes[first], radix: 16))); gguf.cpp accepts it; shown with \\xNN escapes"
      ))
  }

  /// Whether the bytes in `range` are UTF-8, without copying them out of the mapping.
  func isUTF8(_ range: Range<Int>) -> Bool {
    reader.file.withUnsafeBytes(in: range) { bytes in
      var ascii = true
      for byte in bytes where byte >= 0x80 {
        ascii = false
        break
      }
      return ascii || String(validating: bytes, as: UTF8.self) != nil
    }
  }

  // MARK: Key-value pairs

  mutating func parseKeyValue(_ index: Int) throws(FormatError) {
    let entryOffset = reader.offset
    let (key, bytes) = try readName("key #\(index)", nil)
    if key.isEmpty {
      throw error(.emptyKey, at: entryOffset, key, "key #\(index) is empty")
    }
    if let first = keyBytes[bytes] {
      throw error(
        .duplicateKey, at: entryOffset, key,
        "duplicate key '\(key)' (first at byte \(metadata[first].offset))")
    }
    let what = "key #\(index) '\(key)'"
    let type = try readType("\(what) type", key)
    let value = try readValue(type, what: "\(what) value", key: key, depth: 0)
    keyBytes[bytes] = metadata.count
    // A key that is not UTF-8 and escapes to another key's text is found by the first only.
    if keyIndex[key] == nil { keyIndex[key] = metadata.count }
    metadata.append(GGUFFile.MetadataEntry(key: key, value: value, offset: entryOffset))
  }

  mutating func readType(_ what: @autoclosure () -> String, _ key: String) throws(FormatError)
    -> GGUFValueType
  {
    let offset = reader.offset
    guard let raw = reader.readInteger(as: Int32.self) else {
      throw truncated(at: offset, what(), key)
    }
    guard raw >= 0, let type = GGUFValueType(rawValue: UInt32(raw)) else {
      throw error(
        .invalidValueType, at: offset, key,
        "\(what()) is \(raw), not a GGUF value type (0…\(GGUFValueType.count - 1))")
    }
    return type
  }

  mutating func readValue(_ type: GGUFValueType, what: String, key: String, depth: Int)
    throws(FormatError) -> GGUFValue
  {
    let offset = reader.offset
    switch type {
    case .string:
      let range = try readStringRange(what, key)
      switch reader.getString(at: range.lowerBound, count: range.count) {
      case .valid(let text): return .string(text)
      case .invalid(let bytes):
        warnInvalidUTF8(bytes, at: range.lowerBound, key, "key '\(key)': the STRING value")
        return .rawString(bytes)
      case nil: throw truncated(at: range.lowerBound, what, key)
      }
    case .array:
      return .array(try readArray(what: what, key: key, depth: depth + 1))
    default:
      guard reader.skip(type.minimumSize) else { throw truncated(at: offset, what, key) }
      return GGUFArray.decode(type, at: offset, reader).0
    }
  }

  mutating func readArray(what: String, key: String, depth: Int) throws(FormatError) -> GGUFArray {
    let typeOffset = reader.offset
    let elementType = try readType("\(what) element type", key)
    if elementType == .array {
      if depth >= GGUFParser.maximumNesting {
        throw error(
          .invalidValueType, at: typeOffset, key,
          "\(what) nests arrays more than \(GGUFParser.maximumNesting) deep")
      }
      if depth == 1 {
        problems.append(
          error(
            .nestedArray, at: typeOffset, key,
            "key '\(key)' holds an array of arrays; the GGUF spec allows it but ggml's gguf.cpp rejects the file"
          ))
      }
    }
    let countOffset = reader.offset
    guard let raw = reader.readInteger(as: UInt64.self) else {
      throw truncated(at: countOffset, "\(what) element count", key)
    }
    if raw > UInt64(GGUFParser.maximumArrayCount) {
      throw error(
        .arrayTooLong, at: countOffset, key,
        "\(what) has \(raw) elements, more than the limit of 2^30")
    }
    let count = Int(raw)
    let minimum = elementType.minimumSize
    guard count <= reader.remaining / minimum else {
      throw error(
        .arrayTooLong, at: countOffset, key,
        "\(what) has \(count) \(elementType.name) elements, which need at least \(count * minimum) bytes, but only \(reader.remaining) bytes are left"
      )
    }
    let begin = reader.offset
    switch elementType {
    case .array:
      guard count <= Limits.ggufNestedArrayElements - nestedArrayElements else {
        throw error(
          .arrayTooLong, at: countOffset, key,
          "\(what) has \(count) array elements; with the \(nestedArrayElements) held before it that is over Spindle's limit of \(Limits.ggufNestedArrayElements) elements of arrays of arrays in one header"
        )
      }
      nestedArrayElements += count
      var elements: [GGUFValue] = []
      elements.reserveCapacity(count)
      for element in 0..<count {
        elements.append(
          .array(try readArray(what: "\(what)[\(element)]", key: key, depth: depth + 1)))
      }
      return GGUFArray(.array, elements)
    case .string:
      var invalid: (element: Int, range: Range<Int>)? = nil
      var invalidCount = 0
      for element in 0..<count {
        let range = try readStringRange("\(what)[\(element)]", key, copied: false)
        if !isUTF8(range) {
          invalidCount += 1
          if invalid == nil { invalid = (element, range) }
        }
      }
      if let (element, range) = invalid {
        warnInvalidUTF8(
          reader.file.bytes(in: range), at: range.lowerBound, key,
          "key '\(key)': element \(element) of the [STRING]",
          invalidCount > 1 ? " (\(invalidCount) of its \(count) elements are not)" : "")
      }
    default:
      // The count check above guarantees the bytes are there.
      reader.offset += count * minimum
    }
    return GGUFArray(
      elementType, count: count, file: reader.file, range: begin..<reader.offset,
      reader.endianness)
  }

  /// Rejects a `general.alignment` that is not a UINT32 (pointing at its type field) or not a
  /// non-zero power of two (pointing at its value).
  mutating func checkAlignment() throws(FormatError) {
    guard let index = keyIndex["general.alignment"] else { return }
    let entry = metadata[index]
    let typeOffset = entry.offset + 8 + entry.key.utf8.count
    guard case .uint32(let value) = entry.value else {
      throw error(
        .invalidAlignmentType, at: typeOffset, entry.key,
        "general.alignment is \(entry.value.typeName), expected UINT32")
    }
    guard value != 0, value & (value - 1) == 0 else {
      throw error(
        .invalidAlignment, at: typeOffset + 4, entry.key,
        "general.alignment is \(value), expected a non-zero power of two")
    }
    alignment = Int(value)
  }

  // MARK: Tensor infos

  mutating func parseTensorInfo(_ index: Int) throws(FormatError) {
    let recordOffset = reader.offset
    let (name, nameBytes) = try readName("tensor info #\(index) name", nil)
    if nameBytes.count >= GGUFParser.maximumNameBytes {
      throw error(
        .tensorNameTooLong, at: recordOffset, name,
        "tensor name is \(nameBytes.count) bytes; ggml allows at most \(GGUFParser.maximumNameBytes - 1)"
      )
    }
    if let first = tensorNameBytes[nameBytes] {
      throw error(
        .duplicateTensorName, at: recordOffset, name,
        "duplicate tensor name '\(name)' (first at byte \(tensorInfos[first].recordOffset))")
    }
    let what = "tensor info '\(name)'"
    let dimsOffset = reader.offset
    guard let dimensionCount = reader.readInteger(as: UInt32.self) else {
      throw truncated(at: dimsOffset, "\(what) dims", name)
    }
    if dimensionCount > UInt32(GGUFParser.maximumDimensions) {
      throw error(
        .tooManyDimensions, at: dimsOffset, name,
        "tensor '\(name)' has \(dimensionCount) dimensions; ggml allows at most \(GGUFParser.maximumDimensions)"
      )
    }
    var ne: [Int] = []
    ne.reserveCapacity(Int(dimensionCount))
    for dimension in 0..<Int(dimensionCount) {
      let offset = reader.offset
      guard let value = reader.readInteger(as: Int64.self) else {
        throw truncated(at: offset, "\(what) dims", name)
      }
      if value < 0 {
        throw error(
          .negativeDimension, at: offset, name,
          "tensor '\(name)' has ne[\(dimension)] = \(value); dimensions must not be negative")
      }
      ne.append(Int(value))
    }
    // Shape errors point at the dimensions themselves (ne[0]), not at n_dims.
    let neOffset = ne.isEmpty ? dimsOffset : dimsOffset + 4
    guard let elementCount = GGUFParser.elementCount(ne) else {
      throw error(
        .shapeOverflow, at: neOffset, name,
        "tensor '\(name)' has ne \(ne): the element count does not fit in a signed 64-bit integer")
    }
    let typeOffset = reader.offset
    guard let rawType = reader.readInteger(as: Int32.self) else {
      throw truncated(at: typeOffset, "\(what) type", name)
    }
    let type = Int(rawType)
    if DType.removedGGMLTypes.contains(type) {
      throw error(
        .removedTensorType, at: typeOffset, name,
        "tensor '\(name)' has ggml type \(type), which was removed from ggml")
    }
    guard type >= 0, type < DType.ggmlTypeCount, let dtype = DType(ggmlType: type) else {
      throw error(
        .invalidTensorType, at: typeOffset, name,
        "tensor '\(name)' has ggml type \(type), not one of 0…\(DType.ggmlTypeCount - 1)")
    }
    let rowLength = ne.first ?? 1
    if rowLength % dtype.blockSize != 0 {
      throw error(
        .rowNotBlockMultiple, at: neOffset, name,
        "tensor '\(name)' has rows of \(rowLength) elements, not a multiple of the \(dtype.name) block size \(dtype.blockSize)"
      )
    }
    guard let byteCount = dtype.byteCount(elements: elementCount) else {
      throw error(
        .shapeOverflow, at: neOffset, name,
        "tensor '\(name)' (\(elementCount) \(dtype.name) elements) does not fit in a 64-bit byte count"
      )
    }
    let offsetOffset = reader.offset
    guard let rawOffset = reader.readInteger(as: UInt64.self) else {
      throw truncated(at: offsetOffset, "\(what) offset", name)
    }
    // Offsets above Int.max cannot match the running sum; -1 keeps that visible.
    let relative = Int(exactly: rawOffset) ?? -1
    offsetFields.append(offsetOffset)
    tensorNameBytes[nameBytes] = tensorInfos.count
    tensorInfos.append(
      GGUFFile.TensorInfo(
        name: name, dtype: dtype, ne: ne, relativeOffset: relative, recordOffset: recordOffset))
    tensors.append(
      TensorEntry(
        name: name, dtype: dtype, shape: ne.reversed(), offset: 0, byteCount: byteCount, path: path)
    )
  }

  /// The element count of `ne`, or `nil` when gguf.cpp's INT64_MAX checks reject it.
  static func elementCount(_ ne: [Int]) -> Int? {
    var padded = ne + Array(repeating: 1, count: max(0, maximumDimensions - ne.count))
    if padded.contains(0) { return 0 }
    padded = Array(padded.prefix(maximumDimensions))
    let limit = Int(Int64.max)
    if limit / padded[1] <= padded[0] { return nil }
    if limit / padded[2] <= padded[0] * padded[1] { return nil }
    if limit / padded[3] <= padded[0] * padded[1] * padded[2] { return nil }
    return padded[0] * padded[1] * padded[2] * padded[3]
  }

  // MARK: Data section

  mutating func layOutData(tensorCount: Int) throws(FormatError) {
    let headerLength = headerEnd - start
    let padded = GGUFParser.pad(headerLength, alignment)
    dataOffset = start + padded
    if tensorCount > 0 && dataOffset > fileSize {
      throw error(
        .dataPastEOF, at: headerEnd,
        "the data section starts at byte \(dataOffset), past the end of the file (\(fileSize) bytes)"
      )
    }
    // First gguf.cpp's pass: every stored offset must be the running sum of the padded
    // sizes, summed in 64-bit unsigned arithmetic (size_t) as gguf.cpp sums them.
    let align = UInt64(alignment)
    var expected: UInt64 = 0
    var relativeOffsets: [UInt64] = []
    relativeOffsets.reserveCapacity(tensorInfos.count)
    for index in tensorInfos.indices {
      let info = tensorInfos[index]
      if Int(exactly: expected) != info.relativeOffset {
        throw error(
          .inconsistentOffset, at: offsetFields[index], info.name,
          "tensor '\(info.name)' has offset \(info.relativeOffset), expected \(expected) (the previous tensors padded to \(alignment) bytes)"
        )
      }
      relativeOffsets.append(expected)
      let byteCount = UInt64(tensors[index].byteCount)
      guard byteCount <= UInt64.max - (align - 1) else {
        throw error(
          .shapeOverflow, at: info.recordOffset, info.name,
          "tensor '\(info.name)' is \(byteCount) bytes, which overflows when padded to \(alignment)"
        )
      }
      let padded = (byteCount + align - 1) / align * align
      let (sum, overflow) = expected.addingReportingOverflow(padded)
      guard !overflow else {
        throw error(
          .shapeOverflow, at: info.recordOffset, info.name, "the data section size overflows")
      }
      expected = sum
    }
    // Then llama.cpp's model loader: every tensor's bytes lie inside the file.
    let size = UInt64(fileSize)
    for index in tensorInfos.indices {
      let name = tensorInfos[index].name
      let byteCount = UInt64(tensors[index].byteCount)
      let begin = UInt64(dataOffset) + relativeOffsets[index]
      guard begin <= size, byteCount <= size - begin else {
        throw error(
          .dataPastEOF, at: Int(min(begin, size)), name,
          "tensor '\(name)' (\(byteCount) bytes at byte \(begin)) ends past the end of the file (\(fileSize) bytes): \(begin + min(byteCount, UInt64.max - begin) - size) bytes are missing"
        )
      }
      tensors[index].offset = Int(begin)
    }
    if !tensorInfos.isEmpty, UInt64(dataOffset) + expected > size {
      // Every tensor is whole; only the padding after the last one is cut off.
      warnings.append(
        error(
          .dataPastEOF, at: fileSize, tensorInfos[tensorInfos.count - 1].name,
          "the data section is \(expected) bytes with its final padding but the file ends \(UInt64(dataOffset) + expected - size) bytes short of it; llama.cpp's model loader accepts the file, gguf.cpp's full read (no_alloc false) rejects it"
        ))
    }
  }

  /// `x` rounded up to a multiple of `alignment` (`GGML_PAD`).
  static func pad(_ x: Int, _ alignment: Int) -> Int {
    x + (alignment - x % alignment) % alignment
  }
}
