import Formats
import Tensors

/// A GGUF file written field by field, like test-gguf.cpp's `get_handcrafted_file`, so a test
/// can put exactly one defect anywhere.
struct HandcraftedGGUF {
  var bytes: [UInt8] = []
  var order: Endianness = .little
  /// Where the GGUF starts in `bytes` (padding is measured from here).
  var start = 0

  init(order: Endianness = .little, prefix: [UInt8] = []) {
    self.order = order
    bytes = prefix
    start = prefix.count
  }

  var count: Int { bytes.count }

  mutating func integer<T: FixedWidthInteger>(_ value: T) {
    let ordered = order == .little ? value.littleEndian : value.bigEndian
    withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
  }

  mutating func u8(_ value: UInt8) { integer(value) }
  mutating func u32(_ value: UInt32) { integer(value) }
  mutating func i32(_ value: Int32) { integer(value) }
  mutating func u64(_ value: UInt64) { integer(value) }
  mutating func i64(_ value: Int64) { integer(value) }
  mutating func f32(_ value: Float) { integer(value.bitPattern) }
  mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

  mutating func string(_ text: String) { string(Array(text.utf8)) }
  mutating func string(_ data: [UInt8]) {
    u64(UInt64(data.count))
    raw(data)
  }

  /// Magic, version and the two counts.
  mutating func header(version: UInt32 = 3, tensors: Int64, kvs: Int64) {
    raw(Array("GGUF".utf8))
    u32(version)
    i64(tensors)
    i64(kvs)
  }

  /// A key and its type tag; the value follows.
  mutating func key(_ key: String, _ type: GGUFValueType) {
    string(key)
    u32(type.rawValue)
  }

  mutating func tensorInfo(_ name: String, ne: [Int64], type: Int32, offset: UInt64) {
    string(name)
    u32(UInt32(ne.count))
    for dimension in ne { i64(dimension) }
    i32(type)
    u64(offset)
  }

  /// Zero bytes up to a multiple of `alignment` from `start`.
  mutating func pad(_ alignment: Int = 32) {
    while (bytes.count - start) % alignment != 0 { bytes.append(0) }
  }

  /// `count` data bytes, byte `i` being `i % 256` as in test-gguf.cpp.
  mutating func data(_ count: Int) {
    bytes.append(contentsOf: (0..<count).map { UInt8(truncatingIfNeeded: $0) })
  }
}
