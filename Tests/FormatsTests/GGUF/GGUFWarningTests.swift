import Foundation
import TestSupport
import Testing

@testable import Formats

/// What gguf.cpp accepts but Spindle reports as a warning: strings that are not UTF-8 (keys,
/// values, array elements, tensor names) and a data section cut inside its final padding.
@Suite("GGUF warnings")
struct GGUFWarningTests {
  func open(_ build: (inout HandcraftedGGUF) -> Void) throws -> GGUFFile {
    var f = HandcraftedGGUF()
    build(&f)
    return try GGUFFile(bytes: f.bytes, path: "memory.gguf")
  }

  @Test func keyNotUTF8() throws {
    let gguf = try open { f in
      f.header(tensors: 0, kvs: 1)
      f.string([0x6B, 0xFF, 0xFE])  // at 24; the bytes at 32
      f.u32(GGUFValueType.uint8.rawValue)
      f.u8(1)
    }
    #expect(gguf.problems.isEmpty)
    #expect(gguf.metadata.map(\.key) == ["k\\xff\\xfe"])
    let warning = try #require(gguf.warnings.first)
    #expect(gguf.warnings.count == 1)
    #expect(warning.kind == .invalidUTF8)
    #expect(warning.offset == 33)
    #expect(warning.message.contains("key #0 'k\\xff\\xfe' is not valid UTF-8"))
    #expect(warning.message.contains("first invalid byte 0xff"))
  }

  @Test func stringValueNotUTF8() throws {
    let gguf = try open { f in
      f.header(tensors: 0, kvs: 1)
      f.key("k", .string)  // value length at 37, bytes at 45
      f.string([0x61, 0xC3, 0x28])
    }
    #expect(gguf.metadata("k") == .rawString([0x61, 0xC3, 0x28]))
    #expect(gguf.metadata("k")?.string == nil)
    #expect(gguf.metadata("k")?.typeName == "STRING")
    let warning = try #require(gguf.warnings.first)
    #expect(warning.kind == .invalidUTF8)
    #expect(warning.offset == 46)
    #expect(warning.name == "k")
    #expect(gguf.metadata("k")?.summary() == #""a\xc3(""#)
    #expect(gguf.metadata("k")?.jsonValue == .string(#"a\xc3("#))
  }

  @Test func stringArrayElementsNotUTF8() throws {
    let gguf = try open { f in
      // 37 element type, 41 count, 49 "ab" (10 bytes), 59 the first bad string (bytes at 67).
      f.header(tensors: 0, kvs: 1)
      f.key("k", .array)
      f.u32(GGUFValueType.string.rawValue)
      f.u64(3)
      f.string("ab")
      f.string([0xFF])
      f.string([0x80, 0x41])
    }
    let array = try #require(gguf.metadata("k")?.arrayValue)
    #expect(array.elements == [.string("ab"), .rawString([0xFF]), .rawString([0x80, 0x41])])
    #expect(gguf.metadata("k")?.summary() == #"["ab", "\xff", "\x80A"]"#)
    let warning = try #require(gguf.warnings.first)
    #expect(gguf.warnings.count == 1)
    #expect(warning.offset == 67)
    #expect(warning.name == "k")
    #expect(warning.message.contains("element 1"))
    #expect(warning.message.contains("2 of its 3 elements"))
  }

  /// A tensor name that is not UTF-8 is escaped; the offset checks still use its stored length.
  @Test func tensorNameNotUTF8() throws {
    let gguf = try open { f in
      f.header(tensors: 2, kvs: 0)
      f.u64(2)
      f.raw([0x74, 0xC0])  // "t" and a byte that never starts UTF-8
      f.u32(1)
      f.i64(4)
      f.i32(0)
      f.u64(0)
      f.tensorInfo("u", ne: [4], type: 0, offset: 32)
      f.pad()
      f.data(64)
    }
    #expect(gguf.tensors.map(\.name) == ["t\\xc0", "u"])
    #expect(gguf.warnings.map(\.kind) == [.invalidUTF8])
    #expect(gguf.warnings.first?.offset == 33)
  }

  /// Keys and tensor names are compared on their bytes, as gguf.cpp compares them: a key that
  /// is not UTF-8 and escapes to the text of another key is not its duplicate.
  @Test func duplicatesAreFoundOnBytes() throws {
    let distinct = try open { f in
      f.header(tensors: 0, kvs: 3)
      f.key(#"a\xff"#, .uint8)
      f.u8(1)
      f.string([0x61, 0xFF])
      f.u32(GGUFValueType.uint8.rawValue)
      f.u8(2)
      f.key("b", .uint8)
      f.u8(3)
    }
    #expect(distinct.metadata.map(\.key) == [#"a\xff"#, #"a\xff"#, "b"])
    #expect(distinct.metadata(#"a\xff"#) == .uint8(1))
    let duplicate = #expect(throws: FormatError.self) {
      try open { f in
        f.header(tensors: 0, kvs: 2)
        f.string([0x61, 0xFF])
        f.u32(GGUFValueType.uint8.rawValue)
        f.u8(1)
        f.string([0x61, 0xFF])  // at 39
        f.u32(GGUFValueType.uint8.rawValue)
        f.u8(2)
      }
    }
    #expect(duplicate?.kind == .duplicateKey)
    #expect(duplicate?.offset == 39)
  }

  /// Writing a file read with such strings puts the same bytes back.
  @Test func rawStringsRoundTrip() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var f = HandcraftedGGUF()
    f.header(tensors: 0, kvs: 2)
    f.key("s", .string)
    f.string([0xED, 0xA0, 0x80])  // a UTF-16 surrogate
    f.key("a", .array)
    f.u32(GGUFValueType.string.rawValue)
    f.u64(2)
    f.string([0xF4, 0x90, 0x80, 0x80])  // past U+10FFFF
    f.string("ok")
    f.pad()
    let source = try GGUFFile(bytes: f.bytes, path: "in.gguf")
    var writer = try GGUFWriter(path: folder + "/out.gguf")
    for entry in source.metadata { try writer.add(entry.key, entry.value) }
    try writer.write()
    #expect(try Scratch.bytes(folder + "/out.gguf") == f.bytes)
    // The same value built in memory (not copied from a mapping) encodes the same way.
    var memory = try GGUFWriter(path: folder + "/memory.gguf")
    try memory.add("s", .rawString([0xED, 0xA0, 0x80]))
    try memory.add("a", .array(.string, [.rawString([0xF4, 0x90, 0x80, 0x80]), .string("ok")]))
    try memory.write()
    #expect(try Scratch.bytes(folder + "/memory.gguf") == f.bytes)
  }

  /// Every tensor is whole but the padding after the last one is cut: llama.cpp's loader
  /// accepts the file, gguf.cpp's full read does not; Spindle reads it with a warning.
  @Test func finalPaddingCutOff() throws {
    let gguf = try open { f in
      f.header(tensors: 2, kvs: 0)
      f.tensorInfo("t", ne: [8], type: 0, offset: 0)
      f.tensorInfo("u", ne: [4], type: 0, offset: 32)
      f.pad()
      f.data(32 + 16 + 3)
    }
    #expect(gguf.problems.isEmpty)
    let warning = try #require(gguf.warnings.first)
    #expect(warning.kind == .dataPastEOF)
    #expect(warning.name == "u")
    #expect(warning.offset == gguf.file.count)
    #expect(warning.message.contains("13 bytes short"))
  }

  /// Quotes, backslashes and invalid bytes are escaped, so literal `\x` text stays
  /// distinguishable from an invalid byte; the limit counts an invalid byte as one character.
  @Test func summaryEscapes() {
    #expect(GGUFValue.rawString(Array(#"\x"#.utf8) + [0xFE]).summary() == #""\\x\xfe""#)
    #expect(GGUFValue.rawString([0x41, 0xFF, 0x42, 0x43]).summary(stringLimit: 2) == #""A\xff…""#)
    #expect(GGUFValue.rawString([0xC0, 0x80]).summary() == #""\xc0\x80""#)
  }

  @Test(
    arguments: [
      ([UInt8](), nil, ""),
      (Array("é€😀".utf8), nil, "é€😀"),
      ([0xC0, 0x80], 0, #"\xc0\x80"#),  // overlong NUL
      ([0x61, 0xED, 0xA0, 0x80], 1, #"a\xed\xa0\x80"#),  // surrogate
      ([0xF4, 0x90, 0x80, 0x80], 0, #"\xf4\x90\x80\x80"#),  // past U+10FFFF
      ([0x61, 0xE2, 0x82], 1, #"a\xe2\x82"#),  // cut short
      ([0xE2, 0x82, 0xAC, 0xFF, 0x62], 3, #"€\xffb"#),
    ] as [([UInt8], Int?, String)])
  func invalidUTF8Scan(bytes: [UInt8], first: Int?, escaped: String) {
    #expect(InvalidUTF8.firstInvalidByte(in: bytes) == first)
    #expect(InvalidUTF8.escaped(bytes) == escaped)
  }
}
