import Tensors

/// Serializes GGUF header fields into a byte buffer in one byte order.
struct GGUFEncoder {
  var bytes: [UInt8] = []
  let endianness: Endianness

  mutating func append<T: FixedWidthInteger>(_ value: T) {
    let ordered = endianness == .little ? value.littleEndian : value.bigEndian
    withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
  }

  mutating func append(_ text: String) {
    append(UInt64(text.utf8.count))
    bytes.append(contentsOf: text.utf8)
  }

  /// Appends a value without its type tag.
  mutating func append(_ value: GGUFValue) {
    switch value {
    case .uint8(let v): append(v)
    case .int8(let v): append(v)
    case .uint16(let v): append(v)
    case .int16(let v): append(v)
    case .uint32(let v): append(v)
    case .int32(let v): append(v)
    case .uint64(let v): append(v)
    case .int64(let v): append(v)
    case .float32(let v): append(v.bitPattern)
    case .float64(let v): append(v.bitPattern)
    case .bool(let v): append(UInt8(v ? 1 : 0))
    case .string(let v): append(v)
    case .rawString(let v):
      append(UInt64(v.count))
      bytes.append(contentsOf: v)
    case .array(let array):
      append(Int32(array.elementType.rawValue))
      append(UInt64(array.count))
      if let (file, range, order) = array.encodedRange, order == endianness {
        // Already encoded in this byte order: copy the bytes as they are.
        file.withUnsafeBytes(in: range) { bytes.append(contentsOf: $0) }
      } else {
        for element in array { append(element) }
      }
    }
  }

  /// Appends zeros up to a multiple of `alignment`.
  mutating func pad(to alignment: Int) {
    bytes.append(
      contentsOf: repeatElement(0, count: GGUFParser.pad(bytes.count, alignment) - bytes.count))
  }
}
