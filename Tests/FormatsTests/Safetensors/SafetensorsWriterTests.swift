import Foundation
import PropertyBased
import TestSupport
import Testing

@testable import Formats
@testable import Tensors

@Suite("Safetensors writer")
struct SafetensorsWriterTests {
  static func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  /// `test_serialization` in safetensors/src/tensor.rs.
  @Test func goldenSerialization() throws {
    var writer = SafetensorsWriter()
    writer.add(
      "attn.0", dtype: .f32, shape: [1, 2, 3], data: .bytes(Self.f32Bytes([0, 1, 2, 3, 4, 5])))
    let expected: [UInt8] = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]
    #expect(try writer.serialized() == expected)
  }

  /// `test_serialization_fp4`.
  @Test func goldenFP4() throws {
    var writer = SafetensorsWriter()
    writer.add("attn.0", dtype: .f4, shape: [1, 2], data: .bytes([0]))
    let expected: [UInt8] = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 52, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
      91, 49, 44, 50, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116,
      115, 34, 58, 91, 48, 44, 49, 93, 125, 125, 32, 32, 32, 32, 0,
    ]
    #expect(try writer.serialized() == expected)
  }

  /// `test_empty`: no tensors, with and without metadata.
  @Test func goldenEmpty() throws {
    #expect(
      try SafetensorsWriter().serialized() == [
        8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32,
      ])
    let withMetadata = SafetensorsWriter(metadata: [("framework", "pt")])
    let expected: [UInt8] = [
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]
    #expect(try withMetadata.serialized() == expected)
    #expect(
      try SafetensorsWriter(metadata: []).layout().prefix.dropFirst(8).prefix(19)
        == ArraySlice(#"{"__metadata__":{}}"#.utf8))
  }

  /// `test_serialization_forced_alignement`.
  @Test func goldenForcedAlignment() throws {
    var writer = SafetensorsWriter()
    writer.add(
      "attn0", dtype: .f32, shape: [1, 1, 2, 3], data: .bytes(Self.f32Bytes([0, 1, 2, 3, 4, 5])))
    let expected: [UInt8] = [
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
      121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
      91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
      115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
      32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ]
    #expect(try writer.serialized() == expected)
  }

  /// Sort by dtype rank descending, then name in byte order (formats.md §1.4).
  @Test func ordersByDTypeRankThenName() throws {
    var writer = SafetensorsWriter()
    writer.add("z", dtype: .u8, shape: [3], data: .bytes([1, 2, 3]))
    writer.add("m", dtype: .f32, shape: [1], data: .bytes([0, 0, 0, 0]))
    writer.add("b", dtype: .f32, shape: [1], data: .bytes([0, 0, 0, 0]))
    writer.add("a", dtype: .f64, shape: [2], data: .bytes([UInt8](repeating: 0, count: 16)))
    let layout = try writer.layout()
    let start = 8 + layout.headerLength
    #expect(layout.entries.map(\.name) == ["a", "b", "m", "z"])
    #expect(
      layout.entries.map { [$0.offset - start, $0.offset - start + $0.byteCount] }
        == [[0, 16], [16, 20], [20, 24], [24, 27]])
    var byBytes = SafetensorsWriter()
    for name in ["é", "Z", "a", "_"] { byBytes.add(name, dtype: .u8, shape: [], data: .bytes([0])) }
    #expect(try byBytes.layout().entries.map(\.name) == ["Z", "_", "a", "é"])
  }

  @Test func escapesStringsAsSerde() throws {
    var json: [UInt8] = []
    SafetensorsWriter.appendString("a\"b\\c\u{8}\t\n\u{C}\r\u{1}\u{1F}\u{7F}/é", to: &json)
    #expect(
      String(decoding: json, as: UTF8.self) == #""a\"b\\c\b\t\n\f\r\u0001\u001f"# + "\u{7F}/é\"")
  }

  @Test func reservePadsTheHeader() throws {
    var writer = SafetensorsWriter(reserve: 100)
    writer.add("x", dtype: .u8, shape: [1], data: .bytes([7]))
    let json = #"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
    let layout = try writer.layout()
    #expect(layout.headerLength == (json.utf8.count + 100 + 7) / 8 * 8)
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writer.write(to: "\(folder)/r.safetensors")
    let file = try SafetensorsFile(path: "\(folder)/r.safetensors")
    #expect(file.headerPadding == layout.headerLength - json.utf8.count)
    #expect(file.headerPadding >= 100)
  }

  enum Defect: String, CaseIterable, Sendable {
    case reservedName, duplicateName, quantizedDType, byteCountMismatch, negativeDimension
    case oddF4, shortStream, longStream, headerTooLarge, duplicateMetadataKey
  }

  /// A failed write leaves the folder empty, whatever stage failed.
  @Test(arguments: Defect.allCases)
  func failedWriteLeavesNothing(_ defect: Defect) throws {
    var writer = SafetensorsWriter()
    writer.add("ok", dtype: .f32, shape: [2], data: .bytes([UInt8](repeating: 1, count: 8)))
    let expected: FormatError.Kind
    switch defect {
    case .reservedName:
      writer.add("__metadata__", dtype: .u8, shape: [], data: .bytes([0]))
      expected = .reservedTensorName
    case .duplicateName:
      writer.add("ok", dtype: .u8, shape: [], data: .bytes([0]))
      expected = .duplicateTensorName
    case .quantizedDType:
      writer.add("q", dtype: .q4_0, shape: [32], data: .bytes([UInt8](repeating: 0, count: 18)))
      expected = .invalidArgument
    case .byteCountMismatch:
      writer.add("m", dtype: .f16, shape: [3], data: .bytes([0, 0, 0, 0]))
      expected = .tensorInvalidInfo
    case .negativeDimension:
      writer.add("n", dtype: .u8, shape: [-1], data: .bytes([]))
      expected = .invalidArgument
    case .oddF4:
      writer.add("f", dtype: .f4, shape: [3], data: .bytes([0, 0]))
      expected = .misalignedSlice
    case .shortStream, .longStream:
      let deliver = defect == .shortStream ? 3 : 5
      writer.add(
        "s", dtype: .u8, shape: [4],
        data: .stream(byteCount: 4) { sink throws(FormatError) in
          try sink.write([UInt8](repeating: 9, count: deliver))
        })
      expected = .invalidArgument
    case .duplicateMetadataKey:
      writer.metadata = [("format", "pt"), ("format", "np")]
      expected = .duplicateKey
    case .headerTooLarge:
      writer.reserve = SafetensorsFile.maximumHeaderLength
      expected = .headerTooLarge
    }
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let error = #expect(throws: FormatError.self) {
      try writer.write(to: "\(folder)/out.safetensors")
    }
    #expect(error?.kind == expected, "\(String(describing: error))")
    #expect(try Scratch.list(folder) == [])
  }

  /// A failed write over an existing file leaves that file as it was.
  @Test func failedOverwriteKeepsTheOldFile() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/m.safetensors"
    var good = SafetensorsWriter()
    good.add("a", dtype: .u8, shape: [1], data: .bytes([1]))
    try good.write(to: path)
    let before = try Scratch.bytes(path)
    var bad = good
    bad.add("a", dtype: .u8, shape: [1], data: .bytes([2]))
    #expect(throws: FormatError.self) { try bad.write(to: path) }
    #expect(try Scratch.bytes(path) == before)
    #expect(try Scratch.list(folder) == ["m.safetensors"])
  }

  /// Copying every tensor of a file through `.file` sources (copy_file_range) and rewriting
  /// its metadata reproduces it byte for byte.
  @Test func copiesTensorsFromAMappedFile() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var writer = SafetensorsWriter(metadata: [("format", "pt"), ("note", "line\nbreak \"q\"")])
    writer.add("b", dtype: .bf16, shape: [3], data: .bytes([1, 2, 3, 4, 5, 6]))
    writer.add("i", dtype: .i64, shape: [1, 1], data: .bytes([9, 8, 7, 6, 5, 4, 3, 2]))
    writer.add(
      "s", dtype: .u8, shape: [5],
      data: .stream(byteCount: 5) { sink throws(FormatError) in
        for chunk: [UInt8] in [[1, 2], [3], [4, 5]] { try sink.write(chunk) }
      })
    try writer.write(to: "\(folder)/a.safetensors")
    let source = try SafetensorsFile(path: "\(folder)/a.safetensors")
    var copy = SafetensorsWriter(metadata: source.metadata)
    for entry in source.tensors {
      copy.add(
        entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: source.file))
    }
    try copy.write(to: "\(folder)/b.safetensors")
    #expect(
      try Scratch.bytes("\(folder)/a.safetensors") == Scratch.bytes("\(folder)/b.safetensors"))
    #expect(
      source.tensor(named: "s").map { source.withBytes(of: $0) { Array($0) } } == [1, 2, 3, 4, 5])
    // Writing over the file that is the source keeps the source mapping valid.
    try copy.write(to: "\(folder)/a.safetensors")
    #expect(
      try Scratch.bytes("\(folder)/a.safetensors") == Scratch.bytes("\(folder)/b.safetensors"))
  }

  static let safetensorsTypes = DType.allCases.filter { $0.safetensorsName != nil }

  /// Random tensors and metadata written and read back give the same entries, metadata and
  /// bytes; re-serializing the header read gives the same bytes.
  @Test func roundTripProperty() async {
    await propertyCheck(
      count: 60, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...12), Gen.int(in: 0...40)
    ) { seed, tensorCount, reserve in
      var rng = SplitMix(seed: seed)
      var writer = SafetensorsWriter(reserve: reserve)
      let metadataCount = Int(rng.next() % 4)
      if metadataCount > 0 {
        writer.metadata = (0..<metadataCount - 1).map { ("k\($0)\(rng.text())", rng.text()) }
      }
      var expected: [String: ([Int], DType, [UInt8])] = [:]
      for index in 0..<tensorCount {
        let dtype = Self.safetensorsTypes[Int(rng.next() % UInt64(Self.safetensorsTypes.count))]
        var shape = (0..<Int(rng.next() % 4)).map { _ in Int(rng.next() % 4) }
        if dtype.blockSize > 1, !shape.isEmpty { shape[shape.count - 1] *= dtype.blockSize }
        if dtype.blockSize > 1, shape.isEmpty { shape = [dtype.blockSize] }
        let count = shape.reduce(1, *) / dtype.blockSize * dtype.blockBytes
        let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let name = "t\(index).\(rng.text())"
        expected[name] = (shape, dtype, bytes)
        writer.add(name, dtype: dtype, shape: shape, data: .bytes(bytes))
      }
      let folder = try Scratch.folder("roundTrip")
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let path = "\(folder)/p.safetensors"
      let layout = try writer.write(to: path)
      let file = try SafetensorsFile(path: path)
      #expect(file.tensors == layout.entries)
      #expect(file.metadata?.map(\.key) == writer.metadata?.map(\.key))
      #expect(file.metadata?.map(\.value) == writer.metadata?.map(\.value))
      #expect(file.headerPadding >= reserve)
      #expect(file.dataStart % 8 == 0)
      for entry in file.tensors {
        let want = try #require(expected[entry.name])
        #expect(entry.shape == want.0 && entry.dtype == want.1)
        #expect(file.withBytes(of: entry) { Array($0) } == want.2)
      }
      #expect(file.tensors.count == tensorCount)
      var again = SafetensorsWriter(metadata: file.metadata, reserve: reserve)
      for entry in file.tensors {
        again.add(
          entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: file.file))
      }
      #expect(try again.serialized() == Scratch.bytes(path))
    }
  }
}

extension SplitMix {
  /// 0–6 characters including quotes, backslashes, control characters and non-ASCII.
  mutating func text() -> String {
    let alphabet: [Character] = ["a", "Z", "_", ".", "\"", "\\", "\n", "\u{1}", "é", "日", "😀", " "]
    return String((0..<Int(next() % 7)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
  }
}
