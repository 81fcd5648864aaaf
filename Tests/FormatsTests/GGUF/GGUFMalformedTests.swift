import Formats
import Foundation
import TestSupport
import Testing

/// One file with exactly one defect and the error the reader must report.
struct GGUFDefect: Sendable, CustomTestStringConvertible {
  var label: String
  var kind: FormatError.Kind
  var offset: Int?
  var name: String?
  /// Text the message must contain.
  var message: String?
  var bytes: [UInt8]

  var testDescription: String { label }

  init(
    _ label: String, _ kind: FormatError.Kind, offset: Int? = nil, name: String? = nil,
    message: String? = nil, _ build: (inout HandcraftedGGUF) -> Void
  ) {
    var file = HandcraftedGGUF()
    build(&file)
    self.label = label
    self.kind = kind
    self.offset = offset
    self.name = name
    self.message = message
    self.bytes = file.bytes
  }
}

/// Offsets in a file with one KV named "k": the key's length prefix is at 24, its type at 33
/// and its value at 37. In a file with one tensor named "t" and no KV, the record starts at 24,
/// n_dims is at 33 and ne[0] at 37.
let ggufDefects: [GGUFDefect] = [
  // Header
  GGUFDefect("bad magic", .badMagic, offset: 0) { f in
    f.raw(Array("FUGG".utf8))
    f.u32(3)
    f.i64(0)
    f.i64(0)
  },
  GGUFDefect("three bytes", .badMagic, offset: 0) { f in f.raw(Array("GGU".utf8)) },
  GGUFDefect("version 0", .unsupportedVersion, offset: 4) { f in
    f.header(version: 0, tensors: 0, kvs: 0)
  },
  GGUFDefect("version 1", .unsupportedVersion, offset: 4, message: "GGUFv1") { f in
    f.header(version: 1, tensors: 0, kvs: 0)
  },
  GGUFDefect("version 4", .unsupportedVersion, offset: 4) { f in
    f.header(version: 4, tensors: 0, kvs: 0)
  },
  GGUFDefect("big-endian version 1", .unsupportedVersion, offset: 4, message: "GGUFv1") { f in
    f.order = .big
    f.header(version: 1, tensors: 0, kvs: 0)
  },
  GGUFDefect("header cut after n_tensors", .truncated, offset: 16) { f in
    f.raw(Array("GGUF".utf8))
    f.u32(3)
    f.i64(0)
  },
  // gguf.cpp reads n_kv with a plain read before any size check: a file that ends inside n_kv is
  // truncated there, whatever n_tensors claims, but a negative n_tensors is rejected first.
  GGUFDefect("header cut inside n_kv", .truncated, offset: 16, message: "key-value count") { f in
    f.raw(Array("GGUF".utf8))
    f.u32(3)
    f.i64(3)
    f.raw([0, 0, 0, 0])
  },
  GGUFDefect("n_tensors -1, header cut inside n_kv", .countTooLarge, offset: 8) { f in
    f.raw(Array("GGUF".utf8))
    f.u32(3)
    f.i64(-1)
    f.raw([0, 0, 0, 0])
  },
  GGUFDefect("n_tensors -1", .countTooLarge, offset: 8) { f in f.header(tensors: -1, kvs: 0) },
  GGUFDefect("n_kv -1", .countTooLarge, offset: 16) { f in f.header(tensors: 0, kvs: -1) },
  GGUFDefect("n_kv past the file", .countTooLarge, offset: 16) { f in
    f.header(tensors: 0, kvs: 1000)
    f.key("k", .uint8)
    f.u8(1)
  },
  GGUFDefect("n_tensors past the file", .countTooLarge, offset: 8) { f in
    f.header(tensors: 1000, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: 0)
  },
  // Key-value pairs
  GGUFDefect("key length -1", .stringTooLong, offset: 24) { f in
    f.header(tensors: 0, kvs: 1)
    f.u64(.max)
    f.raw([0, 0, 0, 0, 0, 0])
  },
  GGUFDefect("key longer than 1 GiB", .stringTooLong, offset: 24, message: "1 GiB") { f in
    f.header(tensors: 0, kvs: 1)
    f.u64(1 << 30 + 1)
    f.raw(Array(repeating: 0x61, count: 14))
  },
  GGUFDefect("key past the end", .stringTooLong, offset: 24) { f in
    f.header(tensors: 0, kvs: 1)
    f.u64(100)
    f.raw(Array(repeating: 0x61, count: 14))
  },
  GGUFDefect("empty key", .emptyKey, offset: 24, name: "") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("", .uint8)
    f.u8(1)
  },
  GGUFDefect("value type 13", .invalidValueType, offset: 33, name: "k") { f in
    f.header(tensors: 0, kvs: 1)
    f.string("k")
    f.u32(13)
    f.u8(1)
  },
  GGUFDefect("value type -1", .invalidValueType, offset: 33, name: "k") { f in
    f.header(tensors: 0, kvs: 1)
    f.string("k")
    f.i32(-1)
    f.u8(1)
  },
  GGUFDefect("duplicate key", .duplicateKey, offset: 38, name: "k") { f in
    f.header(tensors: 0, kvs: 2)
    f.key("k", .uint8)
    f.u8(1)
    f.key("k", .uint8)
    f.u8(2)
  },
  GGUFDefect("u32 value cut", .truncated, offset: 37, name: "k", message: "key #0 'k' value") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("k", .uint32)
    f.raw([1, 2])
  },
  // general.alignment (17 bytes) at 24: its type is at 49 and its value at 53.
  GGUFDefect("alignment 13", .invalidAlignment, offset: 53, name: "general.alignment") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("general.alignment", .uint32)
    f.u32(13)
  },
  GGUFDefect("alignment 0", .invalidAlignment, offset: 53, name: "general.alignment") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("general.alignment", .uint32)
    f.u32(0)
  },
  GGUFDefect("alignment as INT32", .invalidAlignmentType, offset: 49, name: "general.alignment") {
    f in
    f.header(tensors: 0, kvs: 1)
    f.key("general.alignment", .int32)
    f.i32(32)
  },
  GGUFDefect("array over 2^30 elements", .arrayTooLong, offset: 41, name: "k") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("k", .array)
    f.u32(GGUFValueType.uint8.rawValue)
    f.u64(1 << 30 + 1)
    f.raw([1, 2, 3])
  },
  GGUFDefect("array past the end", .arrayTooLong, offset: 41, name: "k") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("k", .array)
    f.u32(GGUFValueType.uint32.rawValue)
    f.u64(100)
    f.u32(1)
    f.u32(2)
  },
  GGUFDefect("array element type 13", .invalidValueType, offset: 37, name: "k") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("k", .array)
    f.u32(13)
    f.u64(0)
  },
  GGUFDefect("string array element past the end", .stringTooLong, offset: 59, name: "k") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("k", .array)
    f.u32(GGUFValueType.string.rawValue)
    f.u64(2)
    f.string("ab")
    f.u64(50)
    f.raw([0x61])
  },
  GGUFDefect("arrays nested 17 deep", .invalidValueType, name: "k", message: "16 deep") { f in
    f.header(tensors: 0, kvs: 1)
    f.key("k", .array)
    for _ in 0..<16 {
      f.u32(GGUFValueType.array.rawValue)
      f.u64(1)
    }
    f.u32(GGUFValueType.uint8.rawValue)
    f.u64(1)
    f.u8(7)
  },
  // Tensor infos
  GGUFDefect("tensor name of 64 bytes", .tensorNameTooLong, offset: 24) { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo(String(repeating: "n", count: 64), ne: [1], type: 0, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("duplicate tensor name", .duplicateTensorName, offset: 57, name: "t") { f in
    f.header(tensors: 2, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: 32)
    f.pad()
    f.data(64)
  },
  GGUFDefect("five dimensions", .tooManyDimensions, offset: 33, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1, 1, 1, 1, 1], type: 0, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("negative ne[1]", .negativeDimension, offset: 45, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1, -1], type: 0, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("4·INT32_MAX per dimension", .shapeOverflow, offset: 37, name: "t") { f in
    let big = 4 * Int64(Int32.max)
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [big, big, big, big], type: 0, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("byte size overflows", .shapeOverflow, offset: 37, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1 << 60, 4], type: 28, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("tensor type 43", .invalidTensorType, offset: 45, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 43, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("tensor type -1", .invalidTensorType, offset: 45, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1], type: -1, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("removed type Q4_2", .removedTensorType, offset: 45, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [32], type: 4, offset: 0)
    f.pad()
    f.data(32)
  },
  GGUFDefect("Q4_0 row of 33", .rowNotBlockMultiple, offset: 37, name: "t") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [33], type: 2, offset: 0)
    f.pad()
    f.data(64)
  },
  GGUFDefect(
    "tensor info cut in dims", .truncated, offset: 45, name: "t", message: "tensor info 't' dims"
  ) { f in
    f.header(tensors: 1, kvs: 0)
    f.string("t")
    f.u32(2)
    f.i64(4)
    f.raw([0, 0, 0, 0])
  },
  // Offsets and data
  GGUFDefect("offset -1", .inconsistentOffset, offset: 49, name: "t", message: "expected 0") { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: .max)
    f.pad()
    f.data(32)
  },
  GGUFDefect(
    "offsets laid out with alignment 1", .inconsistentOffset, name: "u", message: "expected 32"
  ) { f in
    f.header(tensors: 2, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: 0)
    f.tensorInfo("u", ne: [1], type: 0, offset: 4)
    f.pad()
    f.data(64)
  },
  GGUFDefect("data section past the end", .dataPastEOF, offset: 57) { f in
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: 0)
  },
  GGUFDefect(
    "data one byte short", .dataPastEOF, offset: 128, name: "u", message: "1 bytes are missing"
  ) { f in
    f.header(tensors: 2, kvs: 0)
    f.tensorInfo("t", ne: [8], type: 0, offset: 0)
    f.tensorInfo("u", ne: [8], type: 0, offset: 32)
    f.pad()
    f.data(32 + 31)
  },
]

@Suite("GGUF malformed files")
struct GGUFMalformedTests {
  @Test(arguments: ggufDefects)
  func reportsTheDefect(defect: GGUFDefect) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/defect.gguf"
    try Scratch.write(defect.bytes, to: path)
    let error = #expect(throws: FormatError.self) { try GGUFFile(path: path) }
    #expect(error?.kind == defect.kind, "\(error?.description ?? "")")
    #expect(error?.path == path)
    if let offset = defect.offset {
      #expect(error?.offset == offset, "\(error?.description ?? "")")
    }
    if let name = defect.name { #expect(error?.name == name) }
    if let message = defect.message {
      #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
  }

  @Test func coversEveryGGUFReaderKind() {
    let kinds = Set(ggufDefects.map(\.kind))
    let readerKinds: [FormatError.Kind] = [
      .badMagic, .unsupportedVersion, .countTooLarge, .truncated, .stringTooLong, .arrayTooLong,
      .emptyKey, .duplicateKey, .invalidValueType, .invalidAlignmentType, .invalidAlignment,
      .tensorNameTooLong, .duplicateTensorName, .tooManyDimensions, .negativeDimension,
      .shapeOverflow, .invalidTensorType, .removedTensorType, .rowNotBlockMultiple,
      .inconsistentOffset, .dataPastEOF,
    ]
    #expect(readerKinds.filter { !kinds.contains($0) } == [])
    #expect(ggufDefects.count >= 28)
  }
}
