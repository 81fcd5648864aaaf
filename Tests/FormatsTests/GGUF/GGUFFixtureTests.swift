import Formats
import Foundation
import Tensors
import Testing

/// Tests over the fixtures written by PyPI gguf (`fixtures/gguf/`, `fixtures/expected/`) and the
/// malformed corpus (`fixtures/malformed/`); they run only when those folders are present.
@Suite("GGUF fixtures")
struct GGUFFixtureTests {
  struct ManifestCase: CustomTestStringConvertible, Sendable {
    var file: String
    var expect: String
    var what: String
    var offset: Int?
    var name: String?
    var testDescription: String { "\(file): \(what)" }
  }

  static let manifestPath = TestFiles.fixture("malformed/manifest.json")
  static let hasManifest = FileManager.default.fileExists(atPath: manifestPath)
  static let ggufFolder = TestFiles.fixture("gguf")

  static func parse(_ path: String) -> JSONValue? {
    guard let bytes = try? TestFiles.read(path) else { return nil }
    return try? bytes.withUnsafeBytes { try JSONValue.parse($0, path: path) }
  }

  static let manifestCases: [ManifestCase] = {
    guard let root = parse(manifestPath) else { return [] }
    return (root.array ?? root["cases"]?.array ?? []).compactMap { entry in
      guard entry["format"]?.string == "gguf", let file = entry["file"]?.string,
        let expect = entry["expect"]?.string
      else { return nil }
      return ManifestCase(
        file: file, expect: expect, what: entry["what"]?.string ?? "",
        offset: entry["offset"]?.number?.int, name: entry["name"]?.string)
    }
  }()

  /// `.gguf` files under `fixtures/gguf`, relative to it.
  static let referenceFiles: [String] = {
    guard let walker = FileManager.default.enumerator(atPath: ggufFolder) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".gguf") }.sorted()
  }()

  /// The expected JSON for a reference file: `expected/<stem>.json` or `<name>.json`.
  static func expectation(for relative: String) -> JSONValue? {
    let name = (relative as NSString).lastPathComponent
    let stem = (name as NSString).deletingPathExtension
    for candidate in [stem, name, relative.replacingOccurrences(of: "/", with: "_")] {
      if let value = parse(TestFiles.fixture("expected/\(candidate).json")) { return value }
    }
    return nil
  }

  @Test(.enabled(if: hasManifest)) func manifestHasGGUFCases() {
    #expect(!Self.manifestCases.isEmpty)
    #expect(
      Self.manifestCases.allSatisfy {
        $0.expect == "ok" || FormatError.Kind(rawValue: $0.expect) != nil
      })
  }

  @Test(.enabled(if: hasManifest), arguments: manifestCases)
  func manifestCase(_ testCase: ManifestCase) throws {
    let path = TestFiles.fixture("malformed/\(testCase.file)")
    if testCase.expect == "ok" {
      _ = try GGUFFile(path: path)
      return
    }
    let error = #expect(throws: FormatError.self) { try GGUFFile(path: path) }
    #expect(error?.kind.rawValue == testCase.expect, "\(String(describing: error))")
    if let offset = testCase.offset {
      #expect(error?.offset == offset, "\(String(describing: error))")
    }
    if let name = testCase.name { #expect(error?.name == name) }
  }

  /// Our reader sees what gguf-py saw: metadata values, tensor names, types, shapes, offsets,
  /// sizes and data hashes.
  @Test(.enabled(if: !referenceFiles.isEmpty), arguments: referenceFiles)
  func matchesThePeerReader(_ relative: String) throws {
    let gguf = try GGUFFile(path: "\(Self.ggufFolder)/\(relative)")
    let expected = try #require(Self.expectation(for: relative), "no expected JSON for \(relative)")
    if let version = expected["version"]?.number?.int { #expect(gguf.version == version) }
    if let alignment = expected["alignment"]?.number?.int { #expect(gguf.alignment == alignment) }
    if let offset = (expected["data_offset"] ?? expected["dataOffset"])?.number?.int {
      #expect(gguf.dataOffset == offset)
    }
    // Metadata: an object keyed by key, or an array of {key, type, value}.
    var items: [(key: String, entry: JSONValue)] = []
    if let object = expected["metadata"]?.object {
      items = object.members.map { ($0.key, $0.value) }
    } else if let array = expected["metadata"]?.array {
      items = array.compactMap { entry in entry["key"]?.string.map { ($0, entry) } }
    }
    let ours = gguf.metadata.map(\.key).filter { !$0.hasPrefix("GGUF.") }
    #expect(ours == items.map(\.key).filter { !$0.hasPrefix("GGUF.") })
    for (key, entry) in items where !key.hasPrefix("GGUF.") {
      let value = try #require(gguf.metadata(key), "missing \(key)")
      let expectedValue = entry["value"] ?? entry
      #expect(
        Self.same(value.jsonValue, expectedValue),
        "\(key): \(value.summary()) vs \(expectedValue.serialized())")
      if let type = entry["type"]?.string {
        #expect(
          [value.typeName, value.type.name].contains(type.uppercased()),
          "\(key): \(value.typeName) vs \(type)")
      }
    }
    let tensors = expected["tensors"]?.array ?? []
    #expect(gguf.tensors.map(\.name) == tensors.compactMap { $0["name"]?.string })
    for (ours, theirs) in zip(gguf.tensors, tensors) {
      let info = gguf.tensorInfos.first { $0.name == ours.name }
      if let dtype = (theirs["dtype"] ?? theirs["type"])?.string {
        #expect(ours.dtype.name == dtype.uppercased())
      }
      if let ggml = theirs["ggml_type"]?.number?.int { #expect(ours.dtype.ggmlType == ggml) }
      if let shape = theirs["shape"]?.array {
        #expect(ours.shape == shape.compactMap { $0.number?.int })
      }
      if let ne = theirs["ne"]?.array { #expect(info?.ne == ne.compactMap { $0.number?.int }) }
      if let offset = (theirs["offset"] ?? theirs["data_offset"])?.number?.int {
        #expect(ours.offset == offset)
      }
      if let bytes = theirs["n_bytes"]?.number?.int { #expect(ours.byteCount == bytes) }
      if let hash = theirs["sha256"]?.string {
        let digest = gguf.file.withUnsafeBytes(in: ours.byteRange) { SHA256.hex($0) }
        #expect(digest == hash.lowercased(), "\(ours.name)")
      }
    }
  }

  /// JSON equality with numbers compared by value (floats as `Float` when either side is one).
  static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.number(let x), .number(let y)):
      if x.isInteger && y.isInteger { return x.text == y.text }
      return x.double == y.double || Float(x.double) == Float(y.double)
    case (.array(let x), .array(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
    case (.string(let x), .number(let y)):
      return (x == "NaN" && y.double.isNaN)
    default:
      return a == b
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
