import Formats
import Foundation
import Tensors
import TestSupport
import Testing

/// Files that declare more than they hold, or more than ``Limits`` allows, are refused after a
/// few reads: a 10 GiB sparse file (no disk cost) declaring a huge header is rejected with a
/// located error, allocating nothing it declares (a reader that trusted the sizes would read
/// 10 GiB of zeros or allocate what is declared; no timing is asserted on a shared machine).
@Suite("Limits on what a file can make Spindle allocate")
struct LimitsTests {
  static let tenGiB = 10 << 30

  /// Writes `head` at the start of a sparse file of `size` bytes in a scratch folder, opens it
  /// with `open` and returns the error.
  static func refusal(
    _ head: [UInt8], size: Int = tenGiB, name: String = "big.gguf",
    _ open: (String) throws -> Void
  ) throws -> (error: FormatError?, path: String) {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/\(name)"
    try Scratch.write(head, to: path)
    try #require(truncate(path, off_t(size)) == 0)
    let error = #expect(throws: FormatError.self) { try open(path) }
    return (error, path)
  }

  static func gguf(_ build: (inout HandcraftedGGUF) -> Void) -> [UInt8] {
    var file = HandcraftedGGUF()
    build(&file)
    return file.bytes
  }

  static func expect(
    _ result: (error: FormatError?, path: String), _ kind: FormatError.Kind, offset: Int,
    name: String? = nil, _ message: String
  ) {
    #expect(
      result.error
        == FormatError(kind, path: result.path, offset: offset, name: name, message),
      "\(result.error?.description ?? "no error")")
  }

  @Test func safetensorsHeaderOfNearlyTenGigabytes() throws {
    let length = withUnsafeBytes(of: UInt64(9_900_000_000).littleEndian) { Array($0) }
    let result = try Self.refusal(length + Array("{\"".utf8), name: "big.safetensors") {
      _ = try SafetensorsFile(path: $0)
    }
    Self.expect(
      result, .headerTooLarge, offset: 0,
      "header length 9900000000 is over the 100000000-byte limit")
  }

  @Test func ggufDeclaringTwoToTheFortyKeyValues() throws {
    let result = try Self.refusal(Self.gguf { $0.header(tensors: 0, kvs: 1 << 40) }) {
      _ = try GGUFFile(path: $0)
    }
    Self.expect(
      result, .countTooLarge, offset: 16,
      "key-value count 1099511627776 cannot fit in the 10737418216 bytes left after 0 tensor infos (each key-value takes at least 13)"
    )
  }

  @Test func ggufStringOfTwoToTheSixtyBytes() throws {
    let head = Self.gguf { f in
      f.header(tensors: 0, kvs: 1)
      f.key("k", .string)
      f.u64(1 << 60)
    }
    let result = try Self.refusal(head) { _ = try GGUFFile(path: $0) }
    Self.expect(
      result, .stringTooLong, offset: 37, name: "k",
      "key #0 'k' value is 1152921504606846976 bytes long, more than the 1 GiB limit")
  }

  @Test func ggufKeyValueCountThatFitsButIsOverTheCap() throws {
    let result = try Self.refusal(Self.gguf { $0.header(tensors: 0, kvs: 1 << 21) }) {
      _ = try GGUFFile(path: $0)
    }
    Self.expect(
      result, .countTooLarge, offset: 16,
      "key-value count 2097152 is over Spindle's limit of 1048576 key-value pairs")
  }

  @Test func ggufTensorCountThatFitsButIsOverTheCap() throws {
    let result = try Self.refusal(Self.gguf { $0.header(tensors: 1 << 21, kvs: 0) }) {
      _ = try GGUFFile(path: $0)
    }
    Self.expect(
      result, .countTooLarge, offset: 8,
      "tensor count 2097152 is over Spindle's limit of 1048576 tensors")
  }

  /// 512 MiB of zeros is valid UTF-8 and under gguf.cpp's 1 GiB, but would be copied out.
  @Test func ggufStringOverTheHeaderTextBudget() throws {
    let head = Self.gguf { f in
      f.header(tensors: 0, kvs: 1)
      f.key("k", .string)
      f.u64(1 << 29)
    }
    let result = try Self.refusal(head) { _ = try GGUFFile(path: $0) }
    Self.expect(
      result, .stringTooLong, offset: 37, name: "k",
      "key #0 'k' value is 536870912 bytes long; with the 1 bytes of keys, names and strings before it that is over Spindle's limit of 268435456 bytes for one header"
    )
  }

  @Test func ggufArrayOfArraysOverTheCap() throws {
    let head = Self.gguf { f in
      f.header(tensors: 0, kvs: 1)
      f.key("k", .array)
      f.u32(GGUFValueType.array.rawValue)
      f.u64(1 << 21)
    }
    let result = try Self.refusal(head) { _ = try GGUFFile(path: $0) }
    Self.expect(
      result, .arrayTooLong, offset: 41, name: "k",
      "key #0 'k' value has 2097152 array elements; with the 0 held before it that is over Spindle's limit of 1048576 elements of arrays of arrays in one header"
    )
  }

  @Test func configJSONOverTheDocumentCap() throws {
    let result = try Self.refusal(Array("{\"a\": 1".utf8), size: 300 << 20, name: "config.json") {
      _ = try HFConfig(path: $0)
    }
    Self.expect(
      result, .invalidJSON, offset: 0,
      "JSON document is 314572800 bytes, over Spindle's limit of 268435456 bytes")
  }

  static func nested(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
  }

  @Test func jsonNestedToTheCapIsRead() throws {
    var value = try JSONValue.parse(Self.nested(Limits.jsonDepth))
    var depth = 0
    while case .array(let elements) = value {
      depth += 1
      value = elements.first ?? .null
    }
    #expect(depth == Limits.jsonDepth)
  }

  @Test func jsonNestedPastTheCapIsRefusedBeforeJSONC() throws {
    let error = #expect(throws: FormatError.self) {
      try JSONValue.parse(Self.nested(Limits.jsonDepth + 1), path: "deep.json")
    }
    #expect(
      error
        == FormatError(
          .jsonTooDeep, path: "deep.json", offset: 64,
          "invalid JSON: arrays and objects nest more than 64 deep"))
  }

  @Test func safetensorsHeaderWithTooManyJSONValues() throws {
    // 16 MiB of "0," is far under the 100 MB header limit but would be 8 million json-c
    // objects (about a gigabyte).
    var json = Array("{\"t\":{\"dtype\":\"F32\",\"shape\":[".utf8)
    let opening = json.count
    json += [UInt8](repeating: 0, count: 2 * Limits.jsonValues)
    for index in stride(from: opening, to: json.count, by: 2) {
      json[index] = UInt8(ascii: "0")
      json[index + 1] = UInt8(ascii: ",")
    }
    json += Array("0],\"data_offsets\":[0,0]}}".utf8)
    let length = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
    let error = #expect(throws: FormatError.self) {
      try SafetensorsFile(bytes: length + json, path: "dense.safetensors")
    }
    // The values before the cut: the object, "t", its object, "dtype", "F32", "shape", the array.
    let cut = 8 + opening + 2 * (Limits.jsonValues - 7)
    #expect(
      error
        == FormatError(
          .invalidJSON, path: "dense.safetensors", offset: cut,
          "JSON document holds more than Spindle's limit of 8388608 values and keys"),
      "\(error?.description ?? "")")
  }

  /// A frame header declaring a 2 GiB window (window descriptor exponent 21: 2^(10+21)).
  @Test func zstdFrameDeclaringAWindowOverTheCap() throws {
    let frame: [UInt8] = Zstd.magic + [0x00, 21 << 3] + [0x01, 0x00, 0x00]
    let input = MappedFile(bytes: frame, path: "window.zst")
    var produced = 0
    let error = #expect(throws: FormatError.self) {
      try Zstd.decompress(input) { bytes throws(FormatError) in produced += bytes.count }
    }
    #expect(
      error
        == FormatError(
          .compression, path: "window.zst", offset: 0,
          "zstd: Frame requires too much memory for decoding"))
    #expect(produced == 0)
  }
}
