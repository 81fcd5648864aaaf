import Formats
import Foundation
import PropertyBased
import Tensors
import TestSupport
import Testing

/// Random metadata and tensors of every kind GGUF can hold.
struct RandomGGUF {
  var rng: SplitMix

  static let words = ["", "a", "llama", "é", "日本語", "tab\there", "nul\0inside", "🦙🦙", "\"quoted\""]
  static let tensorTypes = DType.allCases.filter { $0.ggmlType != nil }

  mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

  mutating func string() -> String {
    (0..<int(0...3)).map { _ in RandomGGUF.words[int(0...RandomGGUF.words.count - 1)] }.joined()
  }

  mutating func scalar(_ type: GGUFValueType) -> GGUFValue {
    let bits = rng.next()
    switch type {
    case .uint8: return .uint8(UInt8(truncatingIfNeeded: bits))
    case .int8: return .int8(Int8(truncatingIfNeeded: bits))
    case .uint16: return .uint16(UInt16(truncatingIfNeeded: bits))
    case .int16: return .int16(Int16(truncatingIfNeeded: bits))
    case .uint32: return .uint32(UInt32(truncatingIfNeeded: bits))
    case .int32: return .int32(Int32(truncatingIfNeeded: bits))
    case .uint64: return .uint64(bits)
    case .int64: return .int64(Int64(bitPattern: bits))
    case .float32: return .float32(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
    case .float64: return .float64(Double(bitPattern: bits))
    case .bool: return .bool(bits & 1 == 1)
    case .string: return .string(string())
    case .array: return array(depth: 1)
    }
  }

  mutating func array(depth: Int) -> GGUFValue {
    var type = GGUFValueType.allCases[int(0...12)]
    if type == .array && depth >= 3 { type = .int16 }
    let count = int(0...(type == .array ? 3 : 40))
    return .array(
      type, (0..<count).map { _ in type == .array ? array(depth: depth + 1) : scalar(type) })
  }

  mutating func metadata() -> [(String, GGUFValue)] {
    (0..<int(0...14)).map { index in
      ("key.\(index).\(string())", scalar(GGUFValueType.allCases[int(0...12)]))
    }
  }

  /// Name, type, row-major shape and bytes of up to 6 tensors.
  mutating func tensors() -> [(String, DType, [Int], [UInt8])] {
    (0..<int(0...6)).map { index in
      let dtype = RandomGGUF.tensorTypes[int(0...RandomGGUF.tensorTypes.count - 1)]
      let dims = int(dtype.isQuantized ? 1...4 : 0...4)
      var ne = (0..<dims).map { _ in int(0...3) }
      if !ne.isEmpty { ne[0] = int(0...3) * dtype.blockSize }
      let elements = ne.reduce(1, *)
      let count = elements / dtype.blockSize * dtype.blockBytes
      let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      return ("blk.\(index).\(dtype.name.lowercased()).weight", dtype, ne.reversed(), bytes)
    }
  }
}

@Suite("GGUF write/read round trip")
struct GGUFRoundTripTests {
  @Test func randomFilesReadBackIdentically() async {
    await propertyCheck(count: 150, input: Gen.uint64(), Gen.int(in: 0...2)) { seed, reserve in
      var random = RandomGGUF(rng: SplitMix(seed: seed))
      let alignment = 1 << random.int(0...8)
      let order: Endianness = random.int(0...3) == 0 ? .big : .little
      let metadata = random.metadata()
      let tensors = random.tensors()
      let reserved = [0, 1, 4096][reserve]

      let folder = try Scratch.folder()
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let path = folder + "/random.gguf"
      var writer = try GGUFWriter(path: path, alignment: alignment, endianness: order)
      writer.reservedBytes = reserved
      for (key, value) in metadata { try writer.add(key, value) }
      for (name, dtype, shape, bytes) in tensors {
        try writer.addTensor(name, dtype: dtype, shape: shape, data: .bytes(bytes))
      }
      try writer.write()

      let gguf = try GGUFFile(path: path)
      var expected = metadata.map { GGUFFile.MetadataEntry(key: $0.0, value: $0.1, offset: 0) }
      if alignment != 32 {
        expected.append(
          .init(key: "general.alignment", value: .uint32(UInt32(alignment)), offset: 0))
      }
      if reserved > 0 {
        expected.append(
          .init(
            key: GGUFFile.reservedKey,
            value: .array(.uint8, Array(repeating: .uint8(0), count: reserved)), offset: 0))
      }
      #expect(gguf.metadata.map(\.key) == expected.map(\.key))
      #expect(gguf.metadata.map(\.value) == expected.map(\.value))
      #expect(gguf.endianness == order)
      #expect(gguf.alignment == alignment)
      #expect(gguf.reservedBytes == reserved)
      #expect(gguf.dataOffset % alignment == 0)
      let nested = metadata.filter { $0.1.arrayValue?.elementType == .array }.map(\.0)
      #expect(gguf.problems.map(\.kind) == nested.map { _ in .nestedArray })
      #expect(gguf.problems.compactMap(\.name) == nested)
      #expect(gguf.tensors.map(\.name) == tensors.map(\.0))
      #expect(gguf.tensors.map(\.dtype) == tensors.map(\.1))
      #expect(gguf.tensors.map(\.shape) == tensors.map(\.2))
      #expect(gguf.tensorInfos.map(\.ne) == tensors.map { Array($0.2.reversed()) })
      for (entry, tensor) in zip(gguf.tensors, tensors) {
        #expect((entry.offset - gguf.dataOffset) % alignment == 0)
        #expect(gguf.file.bytes(in: entry.byteRange) == tensor.3)
      }
    }
  }
}
