import Tensors

extension SafetensorsFile {
  /// This file's header JSON (compact, no padding) with `metadata` as `__metadata__` (none
  /// when `nil`), tensors in file order with their data offsets unchanged.
  ///
  /// Because offsets are kept, the data section can follow any header length unchanged.
  public func headerJSON(metadata: [(key: String, value: String)]?) -> [UInt8] {
    SafetensorsFile.encodeHeaderJSON(
      metadata: metadata,
      tensors: tensors.map { entry in
        let start = entry.offset - dataStart
        return (entry.name, entry.dtype, entry.shape, start..<(start + entry.byteCount))
      })
  }

  /// Compact header JSON as the Rust crate's serde writes it: `__metadata__` first (when
  /// given), then each tensor's `dtype`, `shape` and `data_offsets` in the order given.
  static func encodeHeaderJSON(
    metadata: [(key: String, value: String)]?,
    tensors: [(name: String, dtype: DType, shape: [Int], range: Range<Int>)]
  ) -> [UInt8] {
    var json: [UInt8] = [UInt8(ascii: "{")]
    var first = true
    func separator() {
      if !first { json.append(UInt8(ascii: ",")) }
      first = false
    }
    if let metadata {
      separator()
      SafetensorsWriter.appendString(SafetensorsFile.metadataKey, to: &json)
      json.append(contentsOf: Array(":{".utf8))
      for (index, member) in metadata.enumerated() {
        if index > 0 { json.append(UInt8(ascii: ",")) }
        SafetensorsWriter.appendString(member.key, to: &json)
        json.append(UInt8(ascii: ":"))
        SafetensorsWriter.appendString(member.value, to: &json)
      }
      json.append(UInt8(ascii: "}"))
    }
    for tensor in tensors {
      separator()
      SafetensorsWriter.appendString(tensor.name, to: &json)
      json.append(contentsOf: Array(":{\"dtype\":".utf8))
      SafetensorsWriter.appendString(tensor.dtype.safetensorsName ?? "", to: &json)
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      json.append(
        contentsOf: Array(
          ",\"shape\":[\(shape)],\"data_offsets\":[\(tensor.range.lowerBound),\(tensor.range.upperBound)]}"
            .utf8))
    }
    json.append(UInt8(ascii: "}"))
    return json
  }

  /// The 8-byte length, `json` and spaces up to a header length of `headerLength`.
  public static func prefix(json: [UInt8], headerLength: Int) -> [UInt8] {
    precondition(json.count <= headerLength, "the JSON does not fit")
    var prefix: [UInt8] = []
    prefix.reserveCapacity(8 + headerLength)
    withUnsafeBytes(of: UInt64(headerLength).littleEndian) { prefix.append(contentsOf: $0) }
    prefix.append(contentsOf: json)
    prefix.append(contentsOf: repeatElement(UInt8(ascii: " "), count: headerLength - json.count))
    return prefix
  }
}
