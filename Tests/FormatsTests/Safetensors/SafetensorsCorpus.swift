import Formats
import Testing

/// Hand-built safetensors files, each with exactly one defect (or none), for the reader tests.
struct SafetensorsCase: CustomTestStringConvertible, Sendable {
  var label: String
  var bytes: [UInt8]
  /// The expected error kind, `nil` when the file must open.
  var expect: FormatError.Kind?
  var name: String?
  var offset: Int?

  var testDescription: String { label }

  /// `N` (little-endian u64), then `header`, then `data`; `length` overrides `N`.
  static func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    return littleEndian(length ?? UInt64(json.count)) + json + data
  }

  static func littleEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  /// The file offset of `"key"` in `header` (8 + its index), as errors report it.
  static func keyOffset(_ key: String, in header: String) -> Int? {
    let bytes = Array(header.utf8)
    let needle = Array("\"\(key)\"".utf8)
    guard needle.count <= bytes.count else { return nil }
    for start in 0...(bytes.count - needle.count)
    where Array(bytes[start..<(start + needle.count)]) == needle {
      return 8 + start
    }
    return nil
  }

  /// A case whose error points at tensor (or metadata) key `name` in `header`.
  static func tensor(
    _ label: String, _ header: String, data: [UInt8], _ kind: FormatError.Kind, name: String
  ) -> SafetensorsCase {
    SafetensorsCase(
      label: label, bytes: file(header, data: data), expect: kind, name: name,
      offset: keyOffset(name, in: header))
  }

  static let i32Test = #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"#
  static let zeros16 = [UInt8](repeating: 0, count: 16)

  /// At least one case per reader error kind, plus files that must open.
  static let all: [SafetensorsCase] = [
    SafetensorsCase(label: "empty file", bytes: [], expect: .headerTooSmall, offset: 0),
    SafetensorsCase(
      label: "7 bytes", bytes: [1, 0, 0, 0, 0, 0, 0], expect: .headerTooSmall, offset: 0),
    SafetensorsCase(
      label: "LFS pointer",
      bytes: Array(
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 123456\n".utf8),
      expect: .gitLFSPointer, offset: 0),
    SafetensorsCase(
      label: "HTML doctype", bytes: Array("<!DOCTYPE html><html><body>404</body></html>".utf8),
      expect: .htmlDocument, offset: 0),
    SafetensorsCase(
      label: "HTML after whitespace", bytes: Array("\n  <HTML lang=en><head></head></HTML>".utf8),
      expect: .htmlDocument, offset: 0),
    SafetensorsCase(
      label: "header length 0xffffff0000003c (Rust test_header_too_large)",
      bytes: [0x3C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF] + Array(i32Test.utf8) + zeros16,
      expect: .headerTooLarge, offset: 0),
    SafetensorsCase(
      label: "header length 100_000_001", bytes: file("{}", length: 100_000_001),
      expect: .headerTooLarge, offset: 0),
    SafetensorsCase(
      label: "header length past EOF", bytes: littleEndian(60), expect: .invalidHeaderLength,
      offset: 0),
    SafetensorsCase(
      label: "non-UTF-8 header", bytes: littleEndian(4) + [0x7B, 0x7D, 0x20, 0xFF],
      expect: .headerNotUTF8, offset: 11),
    SafetensorsCase(
      label: "header not JSON", bytes: file("{"), expect: .invalidJSON),
    SafetensorsCase(
      label: "NUL padding", bytes: littleEndian(8) + Array("{}".utf8) + [0, 0, 0, 0, 0, 0],
      expect: .invalidJSON, offset: 10),
    SafetensorsCase(
      label: "empty header", bytes: file(""), expect: .invalidJSON),
    SafetensorsCase(
      label: "duplicate tensor name",
      bytes: file(
        #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#,
        data: [1, 2]), expect: .duplicateKey, name: "a", offset: 8 + 53),
    SafetensorsCase(
      label: "duplicate __metadata__",
      bytes: file(#"{"__metadata__":{},"__metadata__":{}}"#), expect: .duplicateKey,
      name: "__metadata__", offset: 8 + 19),
    SafetensorsCase(
      label: "top level array", bytes: file(" [] "), expect: .invalidHeader, offset: 9),
    tensor(
      "tensor entry not an object", #"{"t":[1,2]}"#, data: [], .invalidHeader, name: "t"),
    tensor(
      "missing dtype", #"{"t":{"shape":[1],"data_offsets":[0,1]}}"#, data: [0],
      .invalidHeader, name: "t"),
    tensor(
      "dtype not a string", #"{"t":{"dtype":1,"shape":[1],"data_offsets":[0,1]}}"#, data: [0],
      .invalidHeader, name: "t"),
    tensor(
      "missing shape", #"{"t":{"dtype":"U8","data_offsets":[0,1]}}"#, data: [0],
      .invalidHeader, name: "t"),
    tensor(
      "missing data_offsets", #"{"t":{"dtype":"U8","shape":[1]}}"#, data: [0], .invalidHeader,
      name: "t"),
    tensor(
      "three data_offsets", #"{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}"#,
      data: [0], .invalidHeader, name: "t"),
    tensor(
      "negative dimension", #"{"t":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#,
      data: [0], .invalidHeader, name: "t"),
    tensor(
      "float offset", #"{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1.0]}}"#, data: [0],
      .invalidHeader, name: "t"),
    tensor(
      "__metadata__ not an object", #"{"__metadata__":"pt"}"#, data: [], .invalidHeader,
      name: "__metadata__"),
    SafetensorsCase(
      label: "non-string metadata value",
      bytes: file(#"{"__metadata__":{"format":"pt","epoch":3}}"#), expect: .invalidHeader,
      name: "epoch", offset: 8 + 1),
    SafetensorsCase(
      label: "unknown dtype (points at the dtype value)",
      bytes: file(#"{"t":{"dtype":"F12","shape":[1],"data_offsets":[0,1]}}"#, data: [0]),
      expect: .unknownDType, name: "t", offset: 8 + 14),
    tensor(
      "empty tensor name", #"{"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0],
      .invalidHeader, name: ""),
    SafetensorsCase(
      label: "duplicate field in a tensor entry (names the tensor)",
      bytes: file(
        #"{"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0]),
      expect: .duplicateKey, name: "w", offset: 8 + 19),
    SafetensorsCase(
      label: "duplicate key inside __metadata__ (names the key)",
      bytes: file(#"{"__metadata__":{"format":"pt","format":"np"}}"#), expect: .duplicateKey,
      name: "format", offset: 8 + 31),
    tensor(
      "gap before first tensor", #"{"t":{"dtype":"U8","shape":[1],"data_offsets":[4,5]}}"#,
      data: [0, 0, 0, 0, 0], .invalidOffset, name: "t"),
    tensor(
      "shared bytes (Rust test_json_attack)",
      #"{"w0":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"w1":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#,
      data: zeros16, .invalidOffset, name: "w1"),
    tensor(
      "end before begin",
      #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"c":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}"#,
      data: [0], .invalidOffset, name: "c"),
    tensor(
      "shape product overflows",
      #"{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}"#,
      data: zeros16, .validationOverflow, name: "test"),
    tensor(
      "bits overflow",
      #"{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}"#,
      data: zeros16, .validationOverflow, name: "test"),
    tensor(
      "odd F4 count", #"{"t":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: [0, 0],
      .misalignedSlice, name: "t"),
    tensor(
      "wrong byte count (Rust test_invalid_info)",
      #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
      .tensorInvalidInfo, name: "test"),
    SafetensorsCase(
      label: "trailing polyglot bytes",
      bytes: file(i32Test, data: zeros16 + Array("extra_bogus_data".utf8)),
      expect: .metadataIncompleteBuffer, offset: 8 + i32Test.utf8.count + 16),
    SafetensorsCase(
      label: "2 bytes missing (names the cut tensor)",
      bytes: file(i32Test, data: [UInt8](repeating: 0, count: 14)),
      expect: .metadataIncompleteBuffer, name: "test", offset: 8 + i32Test.utf8.count + 14),
    // Files that must open.
    SafetensorsCase(label: "empty header object", bytes: file("{}      "), expect: nil),
    SafetensorsCase(
      label: "JSON whitespace padding (Rust test_whitespace_padded_header)",
      bytes: littleEndian(6) + Array("{}\r \t\n".utf8), expect: nil),
    SafetensorsCase(
      label: "leading whitespace", bytes: littleEndian(6) + Array("\t\n{}\r ".utf8), expect: nil),
    SafetensorsCase(
      label: "zero-size tensor",
      bytes: file(#"{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}"#), expect: nil),
    SafetensorsCase(
      label: "scalar",
      bytes: file(
        #"{"s":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}"#,
        data: [1, 0, 0, 0]), expect: nil),
    SafetensorsCase(
      label: "unknown field and header out of offset order",
      bytes: file(
        #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2],"extra":true},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#,
        data: [1, 2]), expect: nil),
  ]
}
