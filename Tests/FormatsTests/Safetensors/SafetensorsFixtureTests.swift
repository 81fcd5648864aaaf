import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Tensors

/// Tests over the committed fixtures (`fixtures/safetensors/`, `fixtures/malformed/`), which
/// come from PyPI safetensors and a separate corpus generator.
@Suite("Safetensors fixtures")
struct SafetensorsFixtureTests {
  struct ManifestCase: CustomTestStringConvertible, Sendable {
    var file: String
    var expect: String
    var what: String
    var offset: Int?
    var name: String?
    /// Other kinds the generator accepts for this file.
    var alternatives: [String] = []
    var testDescription: String { "\(file): \(what)" }
  }

  static let manifestPath = Repository.fixture("malformed/manifest.json")
  static let hasManifest = FileManager.default.fileExists(atPath: manifestPath)

  /// The manifest's safetensors cases (empty when the fixtures are not there).
  static let manifestCases: [ManifestCase] = {
    guard let bytes = try? Scratch.bytes(manifestPath),
      let root = try? bytes.withUnsafeBytes({ try JSONValue.parse($0, path: manifestPath) })
    else { return [] }
    let entries = root.array ?? root["cases"]?.array ?? []
    return entries.compactMap { entry in
      guard entry["format"]?.string == "safetensors", let file = entry["file"]?.string,
        let expect = entry["expect"]?.string
      else { return nil }
      return ManifestCase(
        file: file, expect: expect, what: entry["what"]?.string ?? "",
        offset: entry["offset"]?.number?.int, name: entry["name"]?.string,
        alternatives: entry["alt"]?.array?.compactMap(\.string) ?? [])
    }
  }()

  /// Files written by PyPI safetensors, relative to `fixtures/`.
  static let referenceFiles: [String] = {
    var found: [String] = []
    for folder in ["safetensors", "hf"] {
      let root = Repository.fixture(folder)
      let names = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
      found += names.filter { $0.hasSuffix(".safetensors") }.map { "\(folder)/\($0)" }
    }
    return found.sorted()
  }()

  /// `fixtures/expected/*.json` documents describing safetensors files.
  static let expectedDocuments: [String] = {
    let folder = Repository.fixture("expected")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".safetensors.json") }.sorted()
  }()

  @Test(.enabled(if: hasManifest)) func manifestHasSafetensorsCases() {
    #expect(!Self.manifestCases.isEmpty)
    #expect(
      Self.manifestCases.allSatisfy {
        $0.expect == "ok" || FormatError.Kind(rawValue: $0.expect) != nil
      })
  }

  @Test(.enabled(if: hasManifest), arguments: manifestCases)
  func manifestCase(_ testCase: ManifestCase) throws {
    let path = Repository.fixture("malformed/\(testCase.file)")
    if testCase.expect == "ok" {
      _ = try SafetensorsFile(path: path)
      return
    }
    let error = #expect(throws: FormatError.self) { try SafetensorsFile(path: path) }
    let accepted = [testCase.expect] + testCase.alternatives
    #expect(accepted.contains(error?.kind.rawValue ?? "none"), "\(String(describing: error))")
    #expect(error?.offset == testCase.offset, "\(String(describing: error))")
    #expect(error?.name == testCase.name, "\(String(describing: error))")
  }

  /// Reading a PyPI-written file and writing it again gives the same bytes.
  @Test(.enabled(if: !referenceFiles.isEmpty), arguments: referenceFiles)
  func rewritesReferenceFilesByteForByte(_ name: String) throws {
    let path = Repository.fixture(name)
    let file = try SafetensorsFile(path: path)
    var writer = SafetensorsWriter(metadata: file.metadata)
    for entry in file.tensors {
      writer.add(
        entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: file.file))
    }
    let layout = try writer.layout(path: path)
    #expect(layout.entries == file.tensors)
    #expect(try writer.serialized() == Scratch.bytes(path))
  }

  /// What PyPI safetensors reported for each fixture file matches what the reader sees.
  @Test(.enabled(if: !expectedDocuments.isEmpty), arguments: expectedDocuments)
  func matchesExpectedDescription(_ document: String) throws {
    let expectedPath = Repository.fixture("expected/\(document)")
    let expected = try Scratch.bytes(expectedPath).withUnsafeBytes {
      try JSONValue.parse($0, path: expectedPath)
    }
    let relative = try #require(expected["file"]?.string)
    let file = try SafetensorsFile(path: Repository.fixture(relative))
    #expect(file.file.count == expected["file_size"]?.number?.int)
    #expect(file.headerLength == expected["header_length"]?.number?.int)
    #expect(file.dataStart == expected["data_offset"]?.number?.int)
    let metadata = expected["metadata"]?.object.map { object in
      object.members.map { "\($0.key)=\($0.value.string ?? "?")" }.sorted()
    }
    #expect(file.metadata.map { $0.map { "\($0.key)=\($0.value)" }.sorted() } == metadata)
    let tensors = try #require(expected["tensors"]?.array)
    #expect(file.tensors.count == tensors.count)
    for (entry, want) in zip(file.tensors, tensors) {
      #expect(entry.name == want["name"]?.string)
      #expect(entry.dtype.safetensorsName == want["dtype"]?.string)
      #expect(entry.shape == want["shape"]?.array?.compactMap { $0.number?.int })
      #expect(entry.offset == want["offset"]?.number?.int)
      #expect(entry.byteCount == want["n_bytes"]?.number?.int)
      #expect(entry.elementCount == want["n_elements"]?.number?.int)
      #expect(
        [entry.offset - file.dataStart, entry.offset - file.dataStart + entry.byteCount]
          == want["data_offsets"]?.array?.compactMap { $0.number?.int })
      let bytes = file.file.bytes(in: entry.byteRange)
      #expect(
        bytes.withUnsafeBytes { SHA256.hex($0) } == want["sha256"]?.string, "\(entry.name): sha256")
      guard let wanted = want["first_values"]?.array else {
        // Only F4 has no reference values (the peers define no nibble order).
        #expect(want["first_values"] == .null && entry.dtype == .f4, "\(entry.name)")
        continue
      }
      #expect(wanted.count == min(4, entry.elementCount), "\(entry.name): first_values count")
      for (index, json) in wanted.enumerated() {
        #expect(
          Self.element(index, of: bytes, entry.dtype, equals: json),
          "\(entry.name)[\(index)] vs \(json.serialized())")
      }
    }
  }

  /// Whether element `index` of little-endian `bytes` of `dtype` is exactly `json` (integers by
  /// their digits, floats by the exact value of the repr'd double, C64 as `[re, im]`).
  static func element(_ index: Int, of bytes: [UInt8], _ dtype: DType, equals json: JSONValue)
    -> Bool
  {
    func word(_ at: Int, _ width: Int) -> UInt64 {
      bytes[at..<(at + width)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
    func float(_ value: Double, _ json: JSONValue) -> Bool {
      json.number.flatMap { Double($0.text) }.map { $0.bitPattern == value.bitPattern } ?? false
    }
    func integer(_ text: String) -> Bool {
      json.number.map { $0.isInteger && $0.text == text } ?? false
    }
    let width = dtype.blockBytes
    let raw = word(index * width, width)
    switch dtype {
    case .bool: return json.bool == (raw != 0)
    case .u8, .u16, .u32, .u64: return integer(String(raw))
    case .i8: return integer(String(Int8(truncatingIfNeeded: raw)))
    case .i16: return integer(String(Int16(truncatingIfNeeded: raw)))
    case .i32: return integer(String(Int32(truncatingIfNeeded: raw)))
    case .i64: return integer(String(Int64(bitPattern: raw)))
    case .f16: return float(Double(HalfFloat.float(fromHalf: UInt16(raw))), json)
    case .bf16: return float(Double(HalfFloat.float(fromBFloat16: UInt16(raw))), json)
    case .f32: return float(Double(Float(bitPattern: UInt32(raw))), json)
    case .f64: return float(Double(bitPattern: raw), json)
    case .c64:
      guard let pair = json.array, pair.count == 2 else { return false }
      return float(Double(Float(bitPattern: UInt32(raw & 0xFFFF_FFFF))), pair[0])
        && float(Double(Float(bitPattern: UInt32(raw >> 32))), pair[1])
    case .f8E8M0: return float(Double(sign: .plus, exponent: Int(raw) - 127, significand: 1), json)
    case .f8E4M3: return float(minifloat(UInt8(raw), mantissaBits: 3, bias: 7), json)
    case .f8E5M2: return float(minifloat(UInt8(raw), mantissaBits: 2, bias: 15), json)
    case .f8E4M3FNUZ: return float(minifloat(UInt8(raw), mantissaBits: 3, bias: 8), json)
    case .f8E5M2FNUZ: return float(minifloat(UInt8(raw), mantissaBits: 2, bias: 16), json)
    default: return false
    }
  }

  /// A finite 8-bit float: sign, exponent, `mantissaBits` of mantissa (subnormal at exponent 0).
  static func minifloat(_ bits: UInt8, mantissaBits: Int, bias: Int) -> Double {
    let mantissa = Double(Int(bits) & ((1 << mantissaBits) - 1)) / Double(1 << mantissaBits)
    let exponent = (Int(bits) & 0x7F) >> mantissaBits
    let magnitude =
      exponent == 0
      ? mantissa * Double(sign: .plus, exponent: 1 - bias, significand: 1)
      : (1 + mantissa) * Double(sign: .plus, exponent: exponent - bias, significand: 1)
    return bits & 0x80 != 0 ? -magnitude : magnitude
  }

  static let shardedFolder = Repository.fixture("safetensors/sharded")
  static let hasSharded = FileManager.default.fileExists(
    atPath: "\(shardedFolder)/\(SafetensorsIndex.fileName)")

  @Test(.enabled(if: hasSharded)) func shardedFixtureIsConsistent() throws {
    let model = try ShardedSafetensors(path: Self.shardedFolder)
    #expect(model.problems().isEmpty)
    #expect(model.index.shards.count == 3)
    #expect(model.totalDataBytes == model.index.totalSize)
    #expect(Set(model.tensors.map(\.name)) == Set(model.index.weightMap.map(\.tensor)))
    let folder = try HFModelDirectory(path: Self.shardedFolder)
    guard case .sharded = folder.weights else {
      Issue.record("expected sharded weights")
      return
    }
    #expect(folder.tokenizerConfig != nil)
  }

  static let tinyLlama = Repository.fixture("hf/tiny-llama")

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "\(tinyLlama)/config.json")))
  func tinyLlamaFolder() throws {
    let model = try HFModelDirectory(path: Self.tinyLlama)
    #expect(try model.config.architectures == ["LlamaForCausalLM"])
    #expect(try model.config.hiddenSize == 64)
    #expect(try model.config.numAttentionHeads == 4)
    #expect(try model.config.numKeyValueHeads == 2)
    #expect(try model.config.numHiddenLayers == 2)
    #expect(try model.config.headDim == 16)
    #expect(try model.config.ropeTheta == 10000)
    #expect(try model.config.torchDType == "float32")
    #expect(model.config["rope_scaling"] == .null)
    #expect(!model.tensors.isEmpty)
  }
}
