import Tensors

/// Header parsing in the Rust crate's order (`SafeTensors::read_metadata`, `Metadata::validate`).
///
/// 1. fewer than 8 bytes: `headerTooSmall`; what ``FileKind`` tells is something else (an LFS
///    pointer, an HTML page, text, JSON, PyTorch, GGUF) is named as such
/// 2. `N > 100_000_000`: `headerTooLarge`; `8 + N` past the end: `invalidHeaderLength`
/// 3. header not UTF-8: `headerNotUTF8`; not JSON: `invalidJSON`; duplicate keys: `duplicateKey`
///    (the crate keeps the last duplicate tensor silently; we refuse)
/// 4. schema (what serde reports as a deserialization error): `invalidHeader`, then
///    `unknownDType`
/// 5. in `data_offsets` order: `invalidOffset`, `validationOverflow`, `misalignedSlice`,
///    `tensorInvalidInfo`; then `metadataIncompleteBuffer` when the data does not end the file.
///
/// Header errors point at `8 + index` of the tensor's (or metadata's) key in the header,
/// `unknownDType` at the dtype value; a duplicate field inside a tensor entry names the tensor.
/// Beyond the crate: duplicate keys anywhere and empty tensor names are rejected. Unknown
/// fields in a tensor entry are ignored, as the crate ignores them.
extension SafetensorsFile {
  struct Header {
    var headerLength: Int
    var metadata: [(key: String, value: String)]?
    var tensors: [TensorEntry]
    var padding: Int
  }

  /// A tensor entry as the header spells it, before the offsets are checked.
  private struct RawEntry {
    var name: String
    var dtypeName: String
    var dtype: DType = .u8
    var shape: [UInt64]
    var begin: UInt64
    var end: UInt64
    var headerIndex: Int
  }

  static func readHeader(of file: MappedFile) throws(FormatError) -> Header {
    let path = file.path
    let size = file.count
    guard size >= 8 else {
      throw FormatError(
        .headerTooSmall, path: path, offset: 0,
        "file is \(size) bytes, shorter than the 8-byte header length field")
    }
    if let refusal = FileKind.sniff(file).refusal(path: path, reading: .safetensors) {
      throw refusal
    }
    let reader = ByteReader(file: file)
    let storedLength = reader.getInteger(at: 0, as: UInt64.self) ?? 0
    guard storedLength <= UInt64(maximumHeaderLength) else {
      throw FormatError(
        .headerTooLarge, path: path, offset: 0,
        "header length \(storedLength) is over the \(maximumHeaderLength)-byte limit")
    }
    let headerLength = Int(storedLength)
    guard 8 + headerLength <= size else {
      throw FormatError(
        .invalidHeaderLength, path: path, offset: 0,
        "header length \(headerLength) needs \(8 + headerLength) bytes, file has \(size)")
    }
    let headerRange = 8..<(8 + headerLength)
    let (root, padding) = try file.withUnsafeBytes(in: headerRange) {
      bytes throws(FormatError) -> (JSONValue, Int) in
      if let bad = firstInvalidUTF8(bytes) {
        throw FormatError(
          .headerNotUTF8, path: path, offset: 8 + bad,
          "header is not UTF-8: invalid byte 0x\(String(bytes[bad], radix: 16)) at header index \(bad)"
        )
      }
      if let key = keyHoldingNUL(in: bytes) {
        let literal = UnsafeRawBufferPointer(rebasing: bytes[key])
        let name = (try? JSONValue.parse(literal, path: path))?.string ?? ""
        throw FormatError(
          .invalidHeader, path: path, offset: 8 + key.lowerBound,
          name: GGUFValue.quoted(name, limit: 80),
          "the key \(GGUFValue.quoted(name, limit: 80)) holds a NUL character (\\u0000);"
            + " tensor names and keys must not: a C reader would cut this one short")
      }
      let root: JSONValue
      do throws(FormatError) {
        root = try JSONValue.parse(bytes, path: path, baseOffset: 8)
      } catch {
        throw error.kind == .duplicateKey ? attributeDuplicate(error, in: bytes) : error
      }
      var padding = 0
      while padding < bytes.count, isJSONWhitespace(bytes[bytes.count - 1 - padding]) {
        padding += 1
      }
      return (root, padding)
    }
    let locate = { (key: String) -> Int in
      file.withUnsafeBytes(in: headerRange) { bytes in
        8 + (SafetensorsHeaderLocator(bytes: bytes).member(key)?.key ?? 0)
      }
    }
    let locateDType = { (key: String) -> Int in
      file.withUnsafeBytes(in: headerRange) { bytes in
        let locator = SafetensorsHeaderLocator(bytes: bytes)
        guard let entry = locator.member(key)?.value,
          let dtype = locator.member("dtype", inObjectAt: entry)?.value
        else { return 8 + (locator.member(key)?.key ?? 0) }
        return 8 + dtype
      }
    }
    guard case .object(let members) = root else {
      let start = file.withUnsafeBytes(in: headerRange) { bytes in
        bytes.firstIndex(where: { !isJSONWhitespace($0) }) ?? 0
      }
      throw FormatError(
        .invalidHeader, path: path, offset: 8 + start,
        "header is a JSON \(root.typeName), expected an object")
    }

    var metadata: [(key: String, value: String)]? = nil
    var entries: [RawEntry] = []
    entries.reserveCapacity(members.count)
    for (key, value) in members {
      if key == metadataKey {
        metadata = try readMetadata(value, path: path, offset: locate(key))
      } else {
        entries.append(
          try readEntry(key, value, index: entries.count, path: path, offset: { locate(key) }))
      }
    }
    for index in entries.indices {
      guard let dtype = DType(safetensorsName: entries[index].dtypeName) else {
        let name = entries[index].name
        throw FormatError(
          .unknownDType, path: path, offset: locateDType(name), name: name,
          "tensor \"\(name)\" has unknown dtype \"\(entries[index].dtypeName)\"")
      }
      entries[index].dtype = dtype
    }

    entries.sort { ($0.begin, $0.end, $0.headerIndex) < ($1.begin, $1.end, $1.headerIndex) }
    let dataStart = 8 + headerLength
    var runningEnd: UInt64 = 0
    for entry in entries {
      let name = entry.name
      if entry.begin != runningEnd || entry.end < entry.begin {
        let found =
          entry.begin != runningEnd
          ? "expected data_offsets to start at \(runningEnd) (right after the previous tensor), found [\(entry.begin), \(entry.end)]"
          : "data_offsets [\(entry.begin), \(entry.end)] end before they begin"
        throw FormatError(
          .invalidOffset, path: path, offset: locate(name), name: name,
          "tensor \"\(name)\": \(found)")
      }
      runningEnd = entry.end
      let bits = UInt64(entry.dtype.blockBytes * 8 / entry.dtype.blockSize)
      var elements: UInt64 = 1
      var overflow = false
      for dim in entry.shape where !overflow {
        (elements, overflow) = elements.multipliedReportingOverflow(by: dim)
      }
      let (bitCount, bitsOverflow) = elements.multipliedReportingOverflow(by: bits)
      if overflow || bitsOverflow || entry.shape.contains(where: { $0 > UInt64(Int.max) }) {
        throw FormatError(
          .validationOverflow, path: path, offset: locate(name), name: name,
          "tensor \"\(name)\": shape \(entry.shape) of \(entry.dtypeName) overflows 64 bits")
      }
      guard bitCount % 8 == 0 else {
        throw FormatError(
          .misalignedSlice, path: path, offset: locate(name), name: name,
          "tensor \"\(name)\": \(elements) elements of \(entry.dtypeName) take \(bitCount) bits, not whole bytes"
        )
      }
      let byteCount = bitCount / 8
      guard entry.end - entry.begin == byteCount else {
        throw FormatError(
          .tensorInvalidInfo, path: path, offset: locate(name), name: name,
          "tensor \"\(name)\": shape \(entry.shape) of \(entry.dtypeName) needs \(byteCount) bytes, data_offsets [\(entry.begin), \(entry.end)] span \(entry.end - entry.begin)"
        )
      }
    }
    let available = UInt64(size - dataStart)
    guard runningEnd == available else {
      let cut = runningEnd > available ? entries.last(where: { $0.end > available })?.name : nil
      let end = UInt64(dataStart).addingReportingOverflow(runningEnd)
      let detail =
        runningEnd < available
        ? "\(available - runningEnd) extra bytes after the last tensor (data ends at byte \(UInt64(dataStart) + runningEnd), file is \(size) bytes)"
        : "\(runningEnd - available) bytes missing: tensor data ends at byte \(end.overflow ? "past 2^64" : String(end.partialValue)), file is \(size) bytes"
      throw FormatError(
        .metadataIncompleteBuffer, path: path,
        offset: dataStart + Int(min(runningEnd, available)), name: cut,
        "file not fully covered by tensors: \(detail)")
    }

    let tensors = entries.map { entry in
      TensorEntry(
        name: entry.name, dtype: entry.dtype, shape: entry.shape.map { Int($0) },
        offset: dataStart + Int(entry.begin), byteCount: Int(entry.end - entry.begin),
        path: path)
    }
    return Header(
      headerLength: headerLength, metadata: metadata, tensors: tensors, padding: padding)
  }

  private static func readMetadata(
    _ value: JSONValue, path: String, offset: Int
  ) throws(FormatError) -> [(key: String, value: String)] {
    guard case .object(let members) = value else {
      throw FormatError(
        .invalidHeader, path: path, offset: offset, name: metadataKey,
        "\(metadataKey) is \(SafetensorsFile.article(value)), expected an object of strings")
    }
    var result: [(key: String, value: String)] = []
    result.reserveCapacity(members.count)
    for (key, value) in members {
      guard case .string(let text) = value else {
        throw FormatError(
          .invalidHeader, path: path, offset: offset, name: key,
          "\(metadataKey) value of \"\(key)\" is \(SafetensorsFile.article(value)), expected a string"
        )
      }
      result.append((key, text))
    }
    return result
  }

  private static func readEntry(
    _ name: String, _ value: JSONValue, index: Int, path: String, offset: () -> Int
  ) throws(FormatError) -> RawEntry {
    func fail(_ problem: String) -> FormatError {
      FormatError(
        .invalidHeader, path: path, offset: offset(), name: name, "tensor \"\(name)\": \(problem)")
    }
    if name.isEmpty { throw fail("a tensor name cannot be empty") }
    guard case .object(let info) = value else {
      throw fail(
        "entry is \(SafetensorsFile.article(value)), expected an object with dtype, shape, data_offsets"
      )
    }
    guard let dtypeValue = info["dtype"] else { throw fail("missing \"dtype\"") }
    guard case .string(let dtypeName) = dtypeValue else {
      throw fail("\"dtype\" is \(SafetensorsFile.article(dtypeValue)), expected a string")
    }
    func integers(_ key: String) throws(FormatError) -> [UInt64] {
      guard let field = info[key] else { throw fail("missing \"\(key)\"") }
      guard case .array(let elements) = field else {
        throw fail("\"\(key)\" is \(SafetensorsFile.article(field)), expected an array of integers")
      }
      var result: [UInt64] = []
      result.reserveCapacity(elements.count)
      for element in elements {
        guard case .number(let number) = element, let integer = number.uint64 else {
          let shown = element.number?.text ?? element.typeName
          throw fail("\"\(key)\" holds \(shown), expected non-negative integers")
        }
        result.append(integer)
      }
      return result
    }
    let shape = try integers("shape")
    let offsets = try integers("data_offsets")
    guard offsets.count == 2 else {
      throw fail("\"data_offsets\" has \(offsets.count) elements, expected 2 [begin, end]")
    }
    return RawEntry(
      name: name, dtypeName: dtypeName, shape: shape, begin: offsets[0], end: offsets[1],
      headerIndex: index)
  }

  /// The JSON type of `value` with its article, for messages ("an array", "null").
  static func article(_ value: JSONValue) -> String {
    switch value {
    case .null: "null"
    case .array, .object: "an \(value.typeName)"
    default: "a \(value.typeName)"
    }
  }

  /// The quoted text of the first object key holding an escaped NUL (`\u0000`), which
  /// json-c, keeping keys as C strings, would cut short (two names could become one).
  static func keyHoldingNUL(in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
    let zero = UInt8(ascii: "0")
    var index = 0
    var start: Int?
    var holdsNUL = false
    while index < bytes.count {
      let byte = bytes[index]
      if let opened = start {
        if byte == UInt8(ascii: "\\") {
          if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
            bytes[index + 2] == zero, bytes[index + 3] == zero, bytes[index + 4] == zero,
            bytes[index + 5] == zero
          {
            holdsNUL = true
          }
          index += 2
          continue
        }
        if byte == UInt8(ascii: "\"") {
          start = nil
          var next = index + 1
          while next < bytes.count, isJSONWhitespace(bytes[next]) { next += 1 }
          if holdsNUL, next < bytes.count, bytes[next] == UInt8(ascii: ":") {
            return opened..<(index + 1)
          }
        }
      } else if byte == UInt8(ascii: "\"") {
        start = index
        holdsNUL = false
      }
      index += 1
    }
    return nil
  }

  static func isJSONWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
  }

  /// The index of the first byte that is not part of valid UTF-8, or `nil` if all are.
  static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int? {
    if String(validating: bytes, as: UTF8.self) != nil { return nil }
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var index = 0
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let scalar): index += scalar.count
      case .error: return index
      case .emptyInput: return nil
      }
    }
  }

  /// Names the tensor whose entry holds a duplicate field (the parser names the field).
  private static func attributeDuplicate(
    _ error: FormatError, in bytes: UnsafeRawBufferPointer
  ) -> FormatError {
    guard let offset = error.offset,
      let (owner, depth) = SafetensorsHeaderLocator(bytes: bytes).topLevelKey(
        enclosing: offset - 8),
      depth >= 2, owner != metadataKey
    else { return error }
    var attributed = error
    attributed.name = owner
    attributed.message =
      "tensor \"\(owner)\" has the field \"\(error.name ?? "")\" twice (readers disagree on which one wins)"
    return attributed
  }
}
