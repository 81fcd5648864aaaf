import Formats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite("GGUF writer")
struct GGUFWriterTests {
  /// The writer lays a file out exactly as gguf.cpp does, byte for byte.
  @Test func matchesHandcraftedBytes() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/out.gguf"
    var writer = try GGUFWriter(path: path)
    try writer.add("general.architecture", .string("llama"))
    try writer.add("llama.block_count", .uint32(2))
    try writer.add("scores", .array(.float32, [.float32(0.5), .float32(-1)]))
    let first = (0..<24).map { UInt8($0) }
    let second = (24..<92).map { UInt8($0) }
    try writer.addTensor("token_embd.weight", dtype: .f32, shape: [3, 2], data: .bytes(first))
    try writer.addTensor("blk.0.attn_q.weight", dtype: .q8_0, shape: [1, 64], data: .bytes(second))
    try writer.write()

    var f = HandcraftedGGUF()
    f.header(tensors: 2, kvs: 3)
    f.key("general.architecture", .string)
    f.string("llama")
    f.key("llama.block_count", .uint32)
    f.u32(2)
    f.key("scores", .array)
    f.u32(GGUFValueType.float32.rawValue)
    f.u64(2)
    f.f32(0.5)
    f.f32(-1)
    f.tensorInfo("token_embd.weight", ne: [2, 3], type: 0, offset: 0)
    f.tensorInfo("blk.0.attn_q.weight", ne: [64, 1], type: 8, offset: 32)
    f.pad()
    f.raw(first)
    f.pad()
    f.raw(second)
    f.pad()
    #expect(try Scratch.bytes(path) == f.bytes)
  }

  /// Reading a file and writing its KVs and tensors (copied from the mapping) gives the same bytes.
  @Test(arguments: [Endianness.little, .big])
  func rewriteIsByteIdentical(order: Endianness) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var f = HandcraftedGGUF(order: order)
    f.header(tensors: 2, kvs: 3)
    f.key("general.alignment", .uint32)
    f.u32(64)
    f.key("tokens", .array)
    f.u32(GGUFValueType.string.rawValue)
    f.u64(3)
    f.string("a")
    f.string("")
    f.string("ü")
    f.key("ids", .array)
    f.u32(GGUFValueType.int64.rawValue)
    f.u64(2)
    f.i64(-5)
    f.i64(7)
    f.tensorInfo("a", ne: [256, 2], type: 12, offset: 0)
    f.tensorInfo("b", ne: [3], type: 30, offset: 320)
    f.pad(64)
    f.data(288)
    f.pad(64)
    f.data(6)
    f.pad(64)
    try Scratch.write(f.bytes, to: folder + "/in.gguf")
    let source = try GGUFFile(path: folder + "/in.gguf")

    var writer = try GGUFWriter(
      path: folder + "/out.gguf", alignment: source.alignment, endianness: order)
    for entry in source.metadata { try writer.add(entry.key, entry.value) }
    for tensor in source.tensors {
      try writer.addTensor(
        tensor.name, dtype: tensor.dtype, shape: tensor.shape,
        data: .file(source.file, range: tensor.byteRange))
    }
    try writer.write()
    #expect(try Scratch.bytes(folder + "/out.gguf") == f.bytes)
  }

  @Test func reservedSpaceAndAlignmentKey() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var writer = try GGUFWriter(path: folder + "/r.gguf", alignment: 16)
    try writer.add("general.architecture", .string("llama"))
    writer.reservedBytes = 4096
    try writer.addTensor("t", dtype: .f16, shape: [3], data: .bytes([1, 2, 3, 4, 5, 6]))
    try writer.write()
    let gguf = try GGUFFile(path: folder + "/r.gguf")
    #expect(
      gguf.metadata.map(\.key) == [
        "general.architecture", "general.alignment", GGUFFile.reservedKey,
      ])
    #expect(gguf.alignment == 16)
    #expect(gguf.reservedBytes == 4096)
    #expect(gguf.metadata(GGUFFile.reservedKey)?.typeName == "[UINT8]")
    #expect(gguf.dataOffset % 16 == 0)
    #expect(gguf.file.bytes(in: gguf.tensors[0].byteRange) == [1, 2, 3, 4, 5, 6])
    #expect(gguf.file.count == gguf.dataOffset + 16)
  }

  @Test func streamsAndCopiesTensorData() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let payload = (0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    try Scratch.write([0xAA, 0xBB] + payload, to: folder + "/raw.bin")
    let raw = try MappedFile(path: folder + "/raw.bin")
    var writer = try GGUFWriter(path: folder + "/s.gguf")
    try writer.addTensor("copied", dtype: .f32, shape: [1000], data: .file(raw, range: 2..<4002))
    try writer.addTensor(
      "streamed", dtype: .i8, shape: [4000],
      data: .stream(byteCount: payload.count) { sink throws(FormatError) in
        for start in stride(from: 0, to: payload.count, by: 1500) {
          try sink.write(Array(payload[start..<min(start + 1500, payload.count)]))
        }
      })
    try writer.write()
    let gguf = try GGUFFile(path: folder + "/s.gguf")
    #expect(gguf.file.bytes(in: gguf.tensors[0].byteRange) == payload)
    #expect(gguf.file.bytes(in: gguf.tensors[1].byteRange) == payload)
  }

  static let rejections: [(String, FormatError.Kind, @Sendable (inout GGUFWriter) throws -> Void)] =
    [
      ("empty key", .emptyKey, { try $0.add("", .uint8(1)) }),
      (
        "duplicate key", .duplicateKey,
        {
          try $0.add("k", .uint8(1))
          try $0.add("k", .uint8(2))
        }
      ),
      (
        "alignment as INT32", .invalidAlignmentType, { try $0.add("general.alignment", .int32(32)) }
      ),
      (
        "alignment key differs", .invalidAlignment, { try $0.add("general.alignment", .uint32(64)) }
      ),
      ("reserved key", .invalidArgument, { try $0.add(GGUFFile.reservedKey, .uint8(0)) }),
      (
        "mixed array", .invalidArgument, { try $0.add("k", .array(.uint8, [.uint8(1), .int8(1)])) }
      ),
      (
        "arrays 17 deep", .invalidValueType,
        { w in
          var value = GGUFValue.array(.uint8, [])
          for _ in 0..<16 { value = .array(.array, [value]) }
          try w.add("k", value)
        }
      ),
      (
        "name of 64 bytes", .tensorNameTooLong,
        {
          try $0.addTensor(
            String(repeating: "n", count: 64), dtype: .f32, shape: [1], data: .bytes([0, 0, 0, 0]))
        }
      ),
      (
        "duplicate tensor", .duplicateTensorName,
        { w in
          try w.addTensor("t", dtype: .i8, shape: [1], data: .bytes([0]))
          try w.addTensor("t", dtype: .i8, shape: [1], data: .bytes([0]))
        }
      ),
      (
        "five dimensions", .tooManyDimensions,
        {
          try $0.addTensor("t", dtype: .i8, shape: [1, 1, 1, 1, 1], data: .bytes([0]))
        }
      ),
      (
        "negative dimension", .negativeDimension,
        {
          try $0.addTensor("t", dtype: .i8, shape: [-1], data: .bytes([]))
        }
      ),
      (
        "no ggml type", .invalidTensorType,
        { try $0.addTensor("t", dtype: .u32, shape: [1], data: .bytes([0, 0, 0, 0])) }
      ),
      (
        "row not a block", .rowNotBlockMultiple,
        {
          try $0.addTensor(
            "t", dtype: .q4_0, shape: [2, 16], data: .bytes(Array(repeating: 0, count: 18)))
        }
      ),
      (
        "too many elements", .shapeOverflow,
        {
          try $0.addTensor("t", dtype: .f64, shape: [4, 1 << 60], data: .bytes([]))
        }
      ),
      (
        "byte count mismatch", .invalidArgument,
        { try $0.addTensor("t", dtype: .f32, shape: [2], data: .bytes([0, 0, 0, 0])) }
      ),
    ]

  @Test(arguments: rejections.indices)
  func rejectsCallerMistakes(index: Int) throws {
    let (label, kind, action) = GGUFWriterTests.rejections[index]
    var writer = try GGUFWriter(path: "/nonexistent/x.gguf")
    let error = #expect(throws: FormatError.self, "\(label)") { try action(&writer) }
    #expect(error?.kind == kind, "\(label): \(error?.description ?? "")")
  }

  @Test(arguments: [0, 3, 48])
  func rejectsBadAlignment(alignment: Int) {
    let error = #expect(throws: FormatError.self) {
      try GGUFWriter(path: "x.gguf", alignment: alignment)
    }
    #expect(error?.kind == .invalidAlignment)
  }

  /// Producers that fail, or give too few or too many bytes, leave the folder empty and an
  /// existing destination untouched.
  @Test(arguments: [0, 1, 2])
  func failedWriteLeavesNothing(variant: Int) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var writer = try GGUFWriter(path: folder + "/out.gguf")
    try writer.add("general.architecture", .string("llama"))
    try writer.addTensor("t", dtype: .i8, shape: [8], data: .bytes(Array(repeating: 1, count: 8)))
    try writer.addTensor(
      "u", dtype: .i8, shape: [8],
      data: .stream(byteCount: 8) { sink throws(FormatError) in
        try sink.write(Array(repeating: 2, count: variant == 2 ? 9 : 4))
        if variant == 0 { throw FormatError(.io, path: "source", "read failed") }
      })
    let error = #expect(throws: FormatError.self) { try writer.write() }
    #expect(error?.kind == (variant == 0 ? .io : .invalidArgument))
    #expect(try Scratch.list(folder) == [])

    try Scratch.write([1, 2, 3], to: folder + "/out.gguf")
    #expect(throws: FormatError.self) { try writer.write() }
    #expect(try Scratch.list(folder) == ["out.gguf"])
    #expect(try Scratch.bytes(folder + "/out.gguf") == [1, 2, 3])
  }
}
