extension GGUFFile {
  /// Bytes the `spindle.reserved` KV takes besides its `count` zero bytes: key length, key,
  /// value type, element type and element count.
  public static let reservedEntryOverhead = 8 + reservedKey.utf8.count + 4 + 4 + 8

  /// This file's header with `metadata` in place of its KVs, ending where the tensor infos
  /// end (no padding): the version, byte order and tensor-info records are kept byte for byte,
  /// so every tensor keeps its data offset.
  ///
  /// `reservedBytes` > 0 appends a zero `spindle.reserved` array of that length as the last
  /// KV; `metadata` must not hold that key. The caller pads to ``alignment``.
  public func encodedHeader(
    metadata: [(key: String, value: GGUFValue)], reservedBytes: Int = 0
  ) throws(FormatError) -> [UInt8] {
    guard reservedBytes >= 0, reservedBytes <= GGUFParser.maximumArrayCount else {
      throw FormatError(
        .invalidArgument, path: path, name: GGUFFile.reservedKey,
        "reserved space of \(reservedBytes) bytes is outside 0…2^30")
    }
    var entries = metadata
    if reservedBytes > 0 {
      entries.append(
        (GGUFFile.reservedKey, .array(.uint8, Array(repeating: .uint8(0), count: reservedBytes))))
    }
    var encoder = GGUFEncoder(endianness: endianness)
    // Magic, version and tensor count as stored.
    file.withUnsafeBytes(in: start..<(start + 16)) { encoder.bytes.append(contentsOf: $0) }
    encoder.append(UInt64(entries.count))
    for (key, value) in entries {
      encoder.append(key)
      encoder.append(Int32(value.type.rawValue))
      encoder.append(value)
    }
    let infoStart = tensorInfos.first?.recordOffset ?? headerEnd
    file.withUnsafeBytes(in: infoStart..<headerEnd) { encoder.bytes.append(contentsOf: $0) }
    return encoder.bytes
  }

  /// `count` rounded up to ``alignment``.
  public func aligned(_ count: Int) -> Int { GGUFParser.pad(count, alignment) }
}
