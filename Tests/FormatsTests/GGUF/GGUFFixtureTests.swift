import Formats
import Foundation
import Tensors
import TestSupport
import Testing

/// Tests over the fixtures written by PyPI gguf (`fixtures/gguf/`, `fixtures/expected/`) and the
/// malformed corpus (`fixtures/malformed/`); they run only when those folders are present.
@Suite("GGUF fixtures")
struct GGUFFixtureTests {
  struct ManifestCase: CustomTestStringConvertible, Sendable {
    var file: String
    var expect: String
    /// Other kinds the manifest accepts for this file (`alt`).
    var alternatives: [String]
    var what: String
    var offset: Int?
    var name: String?
    var testDescription: String { "\(file): \(what)" }
  }

  static let manifestPath = Repository.fixture("malformed/manifest.json")
  static let hasManifest = FileManager.default.fileExists(atPath: manifestPath)
  static let ggufFolder = Repository.fixture("gguf")

  static func parse(_ path: String) -> JSONValue? {
    guard let bytes = try? Scratch.bytes(path) else { return nil }
    return try? bytes.withUnsafeBytes { try JSONValue.parse($0, path: path) }
  }

  static let manifestCases: [ManifestCase] = {
    guard let cases = parse(manifestPath)?["cases"]?.array else { return [] }
    return cases.compactMap { entry in
      guard entry["format"]?.string == "gguf", let file = entry["file"]?.string,
        let expect = entry["expect"]?.string
      else { return nil }
      return ManifestCase(
        file: file, expect: expect,
        alternatives: entry["alt"]?.array?.compactMap(\.string) ?? [],
        what: entry["what"]?.string ?? "", offset: entry["offset"]?.number?.int,
        name: entry["name"]?.string)
    }
  }()

  /// `.gguf` files under `fixtures/gguf`, relative to it.
  static let referenceFiles: [String] = {
    guard let walker = FileManager.default.enumerator(atPath: ggufFolder) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".gguf") }.sorted()
  }()

  /// `expected/gguf__<relative with / as __>.json`, as `check_peers.describe()` names it.
  static func expectation(for relative: String) -> JSONValue? {
    parse(
      Repository.fixture(
        "expected/gguf__\(relative.replacingOccurrences(of: "/", with: "__")).json")
    )
  }

  @Test(.enabled(if: hasManifest)) func manifestHasGGUFCases() {
    #expect(Self.manifestCases.count == 60)
    #expect(
      Self.manifestCases.allSatisfy { testCase in
        ([testCase.expect] + testCase.alternatives).allSatisfy {
          $0 == "ok" || FormatError.Kind(rawValue: $0) != nil
        }
      })
  }

  /// Every expected document has its `.gguf` file and the other way round.
  @Test(.enabled(if: !referenceFiles.isEmpty)) func everyReferenceFileHasADocument() throws {
    let folder = Repository.fixture("expected")
    let documents = try Scratch.list(folder).filter {
      $0.hasPrefix("gguf__") && $0.hasSuffix(".gguf.json")
    }
    let expected = Self.referenceFiles.map {
      "gguf__\($0.replacingOccurrences(of: "/", with: "__")).json"
    }
    #expect(documents == expected.sorted())
  }

  /// The error the reader reports for `path`.
  ///
  /// That is the thrown error, or else the first readable defect it lists (`problems`, e.g.
  /// `nestedArray`, which gguf.cpp rejects but the reader reads).
  static func reportedError(_ path: String) -> FormatError? {
    do {
      return try GGUFFile(path: path).problems.first
    } catch {
      return error
    }
  }

  @Test(.enabled(if: hasManifest), arguments: manifestCases)
  func manifestCase(_ testCase: ManifestCase) throws {
    let path = Repository.fixture("malformed/\(testCase.file)")
    if testCase.expect == "ok" {
      let gguf = try GGUFFile(path: path)
      #expect(gguf.problems.isEmpty, "\(gguf.problems)")
      return
    }
    let error = try #require(Self.reportedError(path), "the reader accepts the file")
    let accepted = [testCase.expect] + testCase.alternatives
    #expect(accepted.contains(error.kind.rawValue), "\(error)")
    #expect(error.offset == testCase.offset, "\(error)")
    #expect(error.name == testCase.name, "\(error)")
  }

  /// Our reader sees exactly what gguf-py saw: layout, every KV (type, element type, value,
  /// offset) and every tensor (type, shape, offsets, size, data hash, first values).
  @Test(.enabled(if: !referenceFiles.isEmpty), arguments: referenceFiles)
  func matchesThePeerReader(_ relative: String) throws {
    let gguf = try GGUFFile(path: "\(Self.ggufFolder)/\(relative)")
    let expected = try #require(Self.expectation(for: relative), "no expected JSON for \(relative)")
    try ExpectedGGUF.check(gguf, against: expected)
  }

  /// The split fixture opened as a set from any shard: the first shard's metadata and every
  /// shard's tensors, each as gguf-py saw it, and consistent split keys.
  @Test(
    .enabled(if: referenceFiles.contains("split/tiny-00001-of-00003.gguf")), arguments: [1, 2, 3])
  func splitSetMatchesThePeerReader(number: Int) throws {
    let shards = (1...3).map { "split/tiny-0000\($0)-of-00003.gguf" }
    let set = try GGUFSplitSet(path: "\(Self.ggufFolder)/\(shards[number - 1])")
    #expect(set.shards.count == 3)
    #expect(set.problems().isEmpty, "\(set.problems())")
    let documents = try shards.map { try #require(Self.expectation(for: $0)) }
    for (shard, document) in zip(set.shards, documents) {
      try ExpectedGGUF.check(shard, against: document)
    }
    // The set's metadata is the first shard's, in file order.
    let firstKeys = try #require(documents[0]["metadata"]?.object).keys
    #expect(set.metadata.map(\.key) == firstKeys)
    for document in documents.dropFirst() {
      #expect(
        try #require(document["metadata"]?.object).keys == [
          "split.no", "split.count", "split.tensors.count",
        ])
    }
    // Its tensors are every shard's, in shard order, at their shard's absolute offsets.
    let expectedTensors = try documents.flatMap { try #require($0["tensors"]?.array) }
    #expect(set.tensors.map(\.name) == expectedTensors.compactMap { $0["name"]?.string })
    #expect(set.tensors.map(\.offset) == expectedTensors.compactMap { $0["offset"]?.number?.int })
    #expect(
      set.tensors.map(\.path)
        == zip(shards, documents).flatMap { shard, document in
          Array(
            repeating: "\(Self.ggufFolder)/\(shard)",
            count: document["tensors"]?.array?.count ?? -1)
        })
    #expect(set.metadata("split.tensors.count") == .int32(Int32(expectedTensors.count)))
    #expect(set.metadata("split.count") == .uint16(3))
  }
}

/// Strict comparison of a ``GGUFFile`` with a `fixtures/expected/gguf__*.json` document
/// (`check_peers.describe()`; schema in `fixtures/README.md`).
enum ExpectedGGUF {
  static func check(_ gguf: GGUFFile, against expected: JSONValue) throws {
    let file = expected["file"]?.string ?? "?"
    #expect(expected["format"]?.string == "gguf")
    #expect(gguf.file.count == expected["file_size"]?.number?.int, "\(file)")
    #expect(gguf.version == expected["gguf_version"]?.number?.int, "\(file)")
    #expect(
      (gguf.endianness == .big ? "big" : "little") == expected["endianness"]?.string, "\(file)")
    #expect(gguf.alignment == expected["alignment"]?.number?.int, "\(file)")
    #expect(gguf.dataOffset == expected["data_offset"]?.number?.int, "\(file)")
    #expect(gguf.tensors.count == expected["tensor_count"]?.number?.int, "\(file)")
    #expect(gguf.metadata.count == expected["kv_count"]?.number?.int, "\(file)")

    let metadata = try #require(expected["metadata"]?.object, "\(file): no metadata object")
    #expect(gguf.metadata.map(\.key) == metadata.keys, "\(file): KV order")
    for (entry, (key, want)) in zip(gguf.metadata, metadata.members) where entry.key == key {
      #expect(entry.offset == want["offset"]?.number?.int, "\(file) \(key): offset")
      let type = try #require(want["type"]?.string, "\(file) \(key): no type")
      compare(entry.value, type: type, want, at: "\(file) \(key)")
    }

    let tensors = try #require(expected["tensors"]?.array, "\(file): no tensors")
    #expect(gguf.tensors.map(\.name) == tensors.compactMap { $0["name"]?.string }, "\(file)")
    for ((ours, info), want) in zip(zip(gguf.tensors, gguf.tensorInfos), tensors) {
      try checkTensor(ours, info, in: gguf, against: want, at: "\(file) \(ours.name)")
    }
  }

  /// `value` against `{"type": …, ["element_type": …,] "value": …}`; nested arrays recurse
  /// into `{"element_type": …, "value": [...]}` elements.
  static func compare(_ value: GGUFValue, type: String, _ want: JSONValue, at place: String) {
    #expect(value.type.name == type, "\(place): type \(value.type.name), expected \(type)")
    guard let json = want["value"] else {
      Issue.record("\(place): no value")
      return
    }
    guard case .array(let array) = value else {
      #expect(same(value, json), "\(place): \(value.summary()) vs \(json.serialized())")
      return
    }
    let elementType = want["element_type"]?.string
    #expect(array.elementType.name == elementType, "\(place): element type")
    guard let elements = json.array else {
      Issue.record("\(place): value is not an array")
      return
    }
    #expect(array.count == elements.count, "\(place): count")
    for (index, (element, wanted)) in zip(array, elements).enumerated() {
      if case .array = element {
        compare(element, type: "ARRAY", wanted, at: "\(place)[\(index)]")
      } else {
        #expect(
          element.type.name == elementType && same(element, wanted),
          "\(place)[\(index)]: \(element.summary()) vs \(wanted.serialized())")
      }
    }
  }

  /// Exact equality of a scalar with its JSON form: integers by their digits, floats by the
  /// exact value of the repr'd double (a FLOAT32 widened to double is exact), NaN/inf strings.
  static func same(_ value: GGUFValue, _ json: JSONValue) -> Bool {
    func integer(_ text: String) -> Bool {
      json.number.map { $0.isInteger && $0.text == text } ?? false
    }
    switch value {
    case .uint8(let x): return integer(String(x))
    case .int8(let x): return integer(String(x))
    case .uint16(let x): return integer(String(x))
    case .int16(let x): return integer(String(x))
    case .uint32(let x): return integer(String(x))
    case .int32(let x): return integer(String(x))
    case .uint64(let x): return integer(String(x))
    case .int64(let x): return integer(String(x))
    case .float32(let x): return sameFloat(Double(x), json)
    case .float64(let x): return sameFloat(x, json)
    case .bool(let x): return json.bool == x
    case .string(let x): return json.string == x
    // gguf-py decodes strings as UTF-8; no fixture holds one that is not.
    case .rawString, .array: return false
    }
  }

  static func sameFloat(_ x: Double, _ json: JSONValue) -> Bool {
    switch json {
    case .string("nan"): return x.isNaN
    case .string("inf"): return x == .infinity
    case .string("-inf"): return x == -.infinity
    case .number(let number):
      guard let wanted = Double(number.text) else { return false }
      return wanted.bitPattern == x.bitPattern
    default: return false
    }
  }

  static func checkTensor(
    _ ours: TensorEntry, _ info: GGUFFile.TensorInfo, in gguf: GGUFFile, against want: JSONValue,
    at place: String
  ) throws {
    #expect(ours.dtype.name == want["dtype"]?.string, "\(place): dtype")
    #expect(ours.dtype.ggmlType == want["ggml_type"]?.number?.int, "\(place): ggml type")
    #expect(ours.shape == want["shape"]?.array?.compactMap { $0.number?.int }, "\(place): shape")
    #expect(info.ne == want["ne"]?.array?.compactMap { $0.number?.int }, "\(place): ne")
    #expect(ours.offset == want["offset"]?.number?.int, "\(place): offset")
    #expect(info.relativeOffset == want["relative_offset"]?.number?.int, "\(place): relative")
    #expect(ours.byteCount == want["n_bytes"]?.number?.int, "\(place): n_bytes")
    #expect(ours.elementCount == want["n_elements"]?.number?.int, "\(place): n_elements")
    let bytes = gguf.file.bytes(in: ours.byteRange)
    let hash = try #require(want["sha256"]?.string, "\(place): no sha256")
    #expect(bytes.withUnsafeBytes { SHA256.hex($0) } == hash, "\(place): sha256")
    if let hashLE = want["sha256_le"]?.string {
      // The data with each element swapped to little-endian (plain types only).
      #expect(gguf.endianness == .big && ours.dtype.blockSize == 1, "\(place): sha256_le")
      let width = ours.dtype.blockBytes
      var swapped = bytes
      for start in stride(from: 0, to: swapped.count, by: width) {
        swapped[start..<(start + width)].reverse()
      }
      #expect(swapped.withUnsafeBytes { SHA256.hex($0) } == hashLE, "\(place): sha256_le")
    }
    guard let wanted = want["first_values"]?.array else {
      #expect(want["first_values"] == .null, "\(place): first_values")
      return
    }
    #expect(wanted.count == min(4, ours.elementCount), "\(place): first_values count")
    guard let values = firstValues(bytes, ours.dtype, gguf.endianness, count: wanted.count) else {
      // Block-quantized: no dequantizer in Spindle yet.
      #expect(ours.dtype.isQuantized, "\(place): no decoder for \(ours.dtype.name)")
      return
    }
    for (index, (value, json)) in zip(values, wanted).enumerated() {
      #expect(same(value, json), "\(place)[\(index)]: \(value.summary()) vs \(json.serialized())")
    }
  }

  /// The first `count` elements of `bytes` decoded as `dtype` (nil for block types).
  static func firstValues(_ bytes: [UInt8], _ dtype: DType, _ order: Endianness, count: Int)
    -> [GGUFValue]?
  {
    func word<T: FixedWidthInteger>(_ index: Int, as _: T.Type) -> T {
      let width = MemoryLayout<T>.size
      let slice = bytes[(index * width)..<((index + 1) * width)]
      let ordered = order == .big ? Array(slice) : Array(slice.reversed())
      return T(truncatingIfNeeded: ordered.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
    return (0..<count).map { index -> GGUFValue? in
      switch dtype {
      case .f32: .float32(Float(bitPattern: word(index, as: UInt32.self)))
      case .f64: .float64(Double(bitPattern: word(index, as: UInt64.self)))
      case .f16: .float32(HalfFloat.float(fromHalf: word(index, as: UInt16.self)))
      case .bf16: .float32(HalfFloat.float(fromBFloat16: word(index, as: UInt16.self)))
      case .i8: .int8(word(index, as: Int8.self))
      case .i16: .int16(word(index, as: Int16.self))
      case .i32: .int32(word(index, as: Int32.self))
      case .i64: .int64(word(index, as: Int64.self))
      default: nil
      }
    }.reduce([GGUFValue]?([])) { partial, value in
      guard let partial, let value else { return nil }
      return partial + [value]
    }
  }
}

/// SHA-256 (FIPS 180-4), for comparing tensor bytes with the fixtures' hashes.
enum SHA256 {
  static let k: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]

  static func hex(_ data: UnsafeRawBufferPointer) -> String {
    var h: [UInt32] = [
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    ]
    var tail = Array(data.suffix(data.count % 64))
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    let bits = UInt64(data.count) &* 8
    for shift in stride(from: 56, through: 0, by: -8) {
      tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
    }
    func process(_ block: UnsafeRawBufferPointer) {
      var w = [UInt32](repeating: 0, count: 64)
      for i in 0..<16 {
        w[i] = (0..<4).reduce(0) { $0 << 8 | UInt32(block[i * 4 + $1]) }
      }
      for i in 16..<64 {
        let s0 = w[i - 15].rotr(7) ^ w[i - 15].rotr(18) ^ (w[i - 15] >> 3)
        let s1 = w[i - 2].rotr(17) ^ w[i - 2].rotr(19) ^ (w[i - 2] >> 10)
        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
      }
      var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
      for i in 0..<64 {
        let t1 = hh &+ (e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
        let t2 = (a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)) &+ ((a & b) ^ (a & c) ^ (b & c))
        (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
      }
      for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
    }
    let whole = data.count - data.count % 64
    for start in stride(from: 0, to: whole, by: 64) {
      process(UnsafeRawBufferPointer(rebasing: data[start..<(start + 64)]))
    }
    tail.withUnsafeBytes { bytes in
      for start in stride(from: 0, to: bytes.count, by: 64) {
        process(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + 64)]))
      }
    }
    return h.map { String($0, radix: 16).leftPadded(8) }.joined()
  }
}

extension UInt32 {
  fileprivate func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}

@Suite("SHA-256 helper")
struct SHA256Tests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func knownDigests(text: String, digest: String) {
    #expect(Array(text.utf8).withUnsafeBytes { SHA256.hex($0) } == digest)
  }
}
