/// Byte order of multi-byte values in a file.
public enum Endianness: String, Sendable, Equatable {
  case little, big
}

/// Reads integers, floats and strings from a ``MappedFile``, absolutely (`get*(at:)`) or
/// through a cursor (`read*()`).
///
/// Every accessor is bounds-checked with overflow-safe arithmetic and returns `nil` instead of
/// reading outside the file, so format parsers can turn a short read into a located error.
public struct ByteReader: Sendable {
  /// The file being read; holding it keeps the mapping alive.
  public let file: MappedFile
  /// The cursor for `read*()` calls.
  public var offset: Int
  /// Byte order of multi-byte values.
  public var endianness: Endianness

  public init(file: MappedFile, offset: Int = 0, endianness: Endianness = .little) {
    self.file = file
    self.offset = offset
    self.endianness = endianness
  }

  /// Bytes between the cursor and the end of the file.
  @inlinable
  public var remaining: Int { max(0, file.count - offset) }

  /// Whether `count` bytes starting at `index` lie inside the file.
  @inlinable
  public func contains(_ index: Int, count: Int) -> Bool {
    guard index >= 0, count >= 0 else { return false }
    let (end, overflow) = index.addingReportingOverflow(count)
    return !overflow && end <= file.count
  }

  /// The integer at `index`, or `nil` past the end of the file.
  @inlinable
  public func getInteger<T: FixedWidthInteger>(at index: Int, as: T.Type = T.self) -> T? {
    let size = MemoryLayout<T>.size
    guard contains(index, count: size) else { return nil }
    let raw = file.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index, as: T.self) }
    return endianness == .little ? T(littleEndian: raw) : T(bigEndian: raw)
  }

  /// The `Float` at `index`, or `nil` past the end of the file.
  @inlinable
  public func getFloat(at index: Int) -> Float? {
    getInteger(at: index, as: UInt32.self).map(Float.init(bitPattern:))
  }

  /// The `Double` at `index`, or `nil` past the end of the file.
  @inlinable
  public func getDouble(at index: Int) -> Double? {
    getInteger(at: index, as: UInt64.self).map(Double.init(bitPattern:))
  }

  /// A copy of `count` bytes at `index`, or `nil` if they are not all in the file.
  public func getBytes(at index: Int, count: Int) -> [UInt8]? {
    guard contains(index, count: count) else { return nil }
    return file.bytes(in: index..<(index + count))
  }

  /// `count` bytes at `index` decoded as UTF-8; `.invalid` when they are not UTF-8,
  /// `nil` when they are not all in the file.
  public func getString(at index: Int, count: Int) -> DecodedString? {
    guard contains(index, count: count) else { return nil }
    return file.withUnsafeBytes(in: index..<(index + count)) { bytes in
      if let text = String(validating: bytes, as: UTF8.self) { return .valid(text) }
      return .invalid(Array(bytes))
    }
  }

  /// Reads an integer at the cursor and advances it.
  @inlinable
  public mutating func readInteger<T: FixedWidthInteger>(as: T.Type = T.self) -> T? {
    guard let value = getInteger(at: offset, as: T.self) else { return nil }
    offset += MemoryLayout<T>.size
    return value
  }

  /// Reads a `Float` at the cursor and advances it.
  @inlinable
  public mutating func readFloat() -> Float? {
    readInteger(as: UInt32.self).map(Float.init(bitPattern:))
  }

  /// Reads a `Double` at the cursor and advances it.
  @inlinable
  public mutating func readDouble() -> Double? {
    readInteger(as: UInt64.self).map(Double.init(bitPattern:))
  }

  /// Reads `count` bytes as UTF-8 at the cursor and advances it.
  public mutating func readString(count: Int) -> DecodedString? {
    guard let value = getString(at: offset, count: count) else { return nil }
    offset += count
    return value
  }

  /// Moves the cursor forward by `count` bytes if they are in the file.
  @inlinable
  public mutating func skip(_ count: Int) -> Bool {
    guard contains(offset, count: count) else { return false }
    offset += count
    return true
  }
}

/// Bytes read as text: either valid UTF-8 or the raw bytes that are not.
public enum DecodedString: Equatable, Sendable {
  case valid(String)
  case invalid([UInt8])
}
