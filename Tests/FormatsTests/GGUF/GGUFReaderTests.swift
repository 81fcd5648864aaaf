import Formats
import Foundation
import Tensors
import TestSupport
import Testing

/// Writes `bytes` to a scratch file and opens it.
func openGGUF(_ bytes: [UInt8], start: Int = 0) throws -> GGUFFile {
  let folder = try Scratch.folder()
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let path = folder + "/file.gguf"
  try Scratch.write(bytes, to: path)
  // The mapping outlives the unlinked file.
  return try GGUFFile(file: MappedFile(path: path), start: start)
}

@Suite("GGUF reader")
struct GGUFReaderTests {
  @Test func emptyFileLoads() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 0, kvs: 0)
    let gguf = try openGGUF(f.bytes)
    #expect(gguf.version == 3)
    #expect(gguf.metadata.isEmpty && gguf.tensors.isEmpty)
    #expect(gguf.headerEnd == 24)
    #expect(gguf.dataOffset == 32)
    #expect(gguf.problems.isEmpty)
  }

  /// A tensor F32 [3, 2] and a Q8_0 [1, 64] after three KVs, checked field by field.
  @Test func readsMetadataAndTensors() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 2, kvs: 3)
    f.key("general.architecture", .string)
    f.string("llama")
    f.key("llama.block_count", .uint32)
    f.u32(2)
    f.key("tokenizer.ggml.scores", .array)
    f.u32(GGUFValueType.float32.rawValue)
    f.u64(3)
    f.f32(0.5)
    f.f32(-1)
    f.f32(2)
    let infos = f.count
    f.tensorInfo("token_embd.weight", ne: [2, 3], type: 0, offset: 0)
    f.tensorInfo("blk.0.attn_q.weight", ne: [64, 1], type: 8, offset: 32)
    let headerEnd = f.count
    f.pad()
    let data = f.count
    f.data(32 + 68)
    let gguf = try openGGUF(f.bytes)
    #expect(gguf.architecture == "llama")
    #expect(
      gguf.metadata.map(\.key) == [
        "general.architecture", "llama.block_count", "tokenizer.ggml.scores",
      ])
    #expect(gguf.metadata[0].offset == 24)
    #expect(gguf.metadata("llama.block_count") == .uint32(2))
    #expect(
      gguf.metadata("tokenizer.ggml.scores")
        == .array(.float32, [.float32(0.5), .float32(-1), .float32(2)]))
    #expect(gguf.headerEnd == headerEnd)
    #expect(gguf.dataOffset == data)
    #expect(gguf.paddingBeforeData == data - headerEnd)
    #expect(gguf.tensorInfos.map(\.recordOffset).first == infos)
    #expect(
      gguf.tensors == [
        TensorEntry(
          name: "token_embd.weight", dtype: .f32, shape: [3, 2], offset: data, byteCount: 24,
          path: gguf.path),
        TensorEntry(
          name: "blk.0.attn_q.weight", dtype: .q8_0, shape: [1, 64], offset: data + 32,
          byteCount: 68, path: gguf.path),
      ])
    #expect(gguf.tensorInfos.map(\.ne) == [[2, 3], [64, 1]])
    #expect(gguf.totalDataBytes == 92)
    #expect(gguf.parameterCount == 70)
  }

  @Test func zeroSizeTensorLoads() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 2, kvs: 0)
    f.tensorInfo("empty", ne: [0, 4], type: 0, offset: 0)
    f.tensorInfo("one", ne: [1], type: 0, offset: 0)
    f.pad()
    f.data(4)
    let gguf = try openGGUF(f.bytes)
    #expect(gguf.tensors.map(\.byteCount) == [0, 4])
    #expect(gguf.tensors[0].shape == [4, 0])
    #expect(gguf.tensors[0].offset == gguf.tensors[1].offset)
  }

  @Test func alignmentOne() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 2, kvs: 1)
    f.key("general.alignment", .uint32)
    f.u32(1)
    f.tensorInfo("a", ne: [3], type: 24, offset: 0)
    f.tensorInfo("b", ne: [1], type: 0, offset: 3)
    let end = f.count
    f.data(7)
    let gguf = try openGGUF(f.bytes)
    #expect(gguf.alignment == 1)
    #expect(gguf.dataOffset == end)
    #expect(gguf.tensors.map(\.offset) == [end, end + 3])
  }

  /// Padding is measured from where the GGUF starts, as gguf.cpp's file-offset test checks.
  @Test func embeddedAtAnOffset() throws {
    var f = HandcraftedGGUF(prefix: [1, 2, 3, 4, 5, 6, 7])
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [2], type: 0, offset: 0)
    f.pad()
    f.data(8)
    let gguf = try openGGUF(f.bytes, start: 7)
    #expect(gguf.start == 7)
    #expect(gguf.dataOffset == 7 + 64)
    #expect(gguf.tensors[0].offset == 71)
    #expect(gguf.metadata.isEmpty)
  }

  @Test func bigEndianFile() throws {
    var f = HandcraftedGGUF(order: .big)
    f.header(tensors: 1, kvs: 2)
    f.key("k", .uint32)
    f.u32(0x0102_0304)
    f.key("names", .array)
    f.u32(GGUFValueType.string.rawValue)
    f.u64(2)
    f.string("a")
    f.string("bc")
    f.tensorInfo("t", ne: [2, 1], type: 0, offset: 0)
    f.pad()
    f.data(8)
    let gguf = try openGGUF(f.bytes)
    #expect(gguf.endianness == .big)
    #expect(gguf.version == 3)
    #expect(gguf.metadata("k") == .uint32(0x0102_0304))
    #expect(gguf.metadata("names") == .array(.string, [.string("a"), .string("bc")]))
    #expect(gguf.tensors[0].shape == [1, 2])
  }

  @Test func version2File() throws {
    var f = HandcraftedGGUF()
    f.header(version: 2, tensors: 0, kvs: 1)
    f.key("general.name", .string)
    f.string("v2")
    let gguf = try openGGUF(f.bytes)
    #expect(gguf.version == 2)
    #expect(gguf.metadata("general.name") == .string("v2"))
  }

  @Test func nestedArrayIsReadButListed() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 0, kvs: 1)
    f.key("k", .array)
    f.u32(GGUFValueType.array.rawValue)
    f.u64(2)
    f.u32(GGUFValueType.int32.rawValue)
    f.u64(2)
    f.i32(1)
    f.i32(2)
    f.u32(GGUFValueType.string.rawValue)
    f.u64(1)
    f.string("x")
    let gguf = try openGGUF(f.bytes)
    #expect(
      gguf.metadata("k")
        == .array(
          .array, [.array(.int32, [.int32(1), .int32(2)]), .array(.string, [.string("x")])]))
    #expect(gguf.problems.map(\.kind) == [.nestedArray])
    #expect(gguf.problems.first?.offset == 37)
    #expect(gguf.problems.first?.name == "k")
    #expect(gguf.metadata("k")?.typeName == "[[INT32]]")
  }

  @Test func trailingBytesAreAccepted() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 1, kvs: 0)
    f.tensorInfo("t", ne: [1], type: 0, offset: 0)
    f.pad()
    f.data(4)
    f.raw([9, 9, 9])
    #expect(try openGGUF(f.bytes).tensors.count == 1)
  }

  @Test func boolIsAnyNonZeroByte() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 0, kvs: 1)
    f.key("b", .bool)
    f.u8(2)
    #expect(try openGGUF(f.bytes).metadata("b") == .bool(true))
  }

  @Test func summaryAndJSON() {
    let scores = GGUFValue.array(.int32, (1...49155).map { .int32(Int32($0)) })
    #expect(scores.summary(limit: 3) == "[1, 2, 3, … 49152 more]")
    #expect(GGUFValue.string("a\"b\n").summary() == #""a\"b\n""#)
    #expect(
      GGUFValue.string(String(repeating: "x", count: 70)).summary(stringLimit: 4) == "\"xxxx…\"")
    #expect(GGUFValue.float32(1e-5).jsonValue.number?.text == "1e-05")
    #expect(GGUFValue.float32(2).jsonValue.number?.text == "2.0")
    #expect(GGUFValue.float64(.nan).jsonValue == .string("NaN"))
    #expect(GGUFValue.uint64(.max).jsonValue.number?.uint64 == .max)
    #expect(GGUFValue.uint64(.max).summary() == "18446744073709551615")
    #expect(
      GGUFValue.array(.array, [.array(.bool, [.bool(true)])]).jsonValue
        == .array([.array([.bool(true)])]))
  }

  /// A 150k-token vocabulary opens without decoding it: the first elements decode on demand.
  @Test func largeVocabularyStaysMapped() throws {
    var f = HandcraftedGGUF()
    f.header(tensors: 0, kvs: 2)
    f.key("tokenizer.ggml.tokens", .array)
    f.u32(GGUFValueType.string.rawValue)
    f.u64(150_000)
    for index in 0..<150_000 { f.string("tok\(index)") }
    f.key("tokenizer.ggml.scores", .array)
    f.u32(GGUFValueType.float32.rawValue)
    f.u64(150_000)
    for index in 0..<150_000 { f.f32(Float(index)) }
    let gguf: GGUFFile? = try openGGUF(f.bytes)
    let tokens = try #require(gguf?.metadata("tokenizer.ggml.tokens")?.arrayValue)
    #expect(tokens.count == 150_000)
    #expect(tokens.encodedRange != nil)
    #expect(tokens.first(2) == [.string("tok0"), .string("tok1")])
    #expect(Array(tokens).last == .string("tok149999"))
    #expect(
      gguf?.metadata("tokenizer.ggml.scores")?.summary(limit: 2) == "[0.0, 1.0, … 149998 more]")
  }
}
