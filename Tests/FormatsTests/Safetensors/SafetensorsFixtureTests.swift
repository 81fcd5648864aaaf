import Foundation
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

  static let manifestPath = TestFiles.fixture("malformed/manifest.json")
  static let hasManifest = FileManager.default.fileExists(atPath: manifestPath)

  /// The manifest's safetensors cases (empty when the fixtures are not there).
  static let manifestCases: [ManifestCase] = {
    guard let bytes = try? TestFiles.read(manifestPath),
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
      let root = TestFiles.fixture(folder)
      let names = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
      found += names.filter { $0.hasSuffix(".safetensors") }.map { "\(folder)/\($0)" }
    }
    return found.sorted()
  }()

  /// `fixtures/expected/*.json` documents describing safetensors files.
  static let expectedDocuments: [String] = {
    let folder = TestFiles.fixture("expected")
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

  /// Where Spindle deliberately reports something other than the manifest, by file: the kind,
  /// offset and name it reports instead. To be reconciled with the generator.
  ///
  /// - JSON syntax errors point at the offending byte, as serde does (manifest 08: serde says
  ///   "column 88" = file offset 95; 09: "column 150" = 157), not at the start of the marker.
  /// - A top-level array is well-formed JSON with the wrong shape: `invalidHeader`, as the
  ///   safetensors spec for Spindle lists it.
  /// - A non-string `__metadata__` value names the metadata key at fault.
  static let divergences: [String: (kind: String, offset: Int?, name: String?)] = [
    "safetensors/08-json-missing-comma.safetensors": ("invalidJSON", 95, nil),
    "safetensors/09-json-trailing-comma.safetensors": ("invalidJSON", 157, nil),
    "safetensors/12-json-top-level-array.safetensors": ("invalidHeader", 8, nil),
    "safetensors/21-metadata-non-string-value.safetensors": ("invalidHeader", 9, "n"),
  ]

  @Test(.enabled(if: hasManifest), arguments: manifestCases)
  func manifestCase(_ manifestCase: ManifestCase) throws {
    var testCase = manifestCase
    if let divergence = Self.divergences[testCase.file] {
      testCase.expect = divergence.kind
      testCase.alternatives = []
      testCase.offset = divergence.offset
      testCase.name = divergence.name
    }
    let path = TestFiles.fixture("malformed/\(testCase.file)")
    if testCase.expect == "ok" {
      _ = try SafetensorsFile(path: path)
      return
    }
    let error = #expect(throws: FormatError.self) { try SafetensorsFile(path: path) }
    let accepted = [testCase.expect] + testCase.alternatives
    #expect(accepted.contains(error?.kind.rawValue ?? "none"), "\(String(describing: error))")
    if let offset = testCase.offset {
      #expect(error?.offset == offset, "\(String(describing: error))")
    }
    if let name = testCase.name { #expect(error?.name == name) }
  }

  /// Reading a PyPI-written file and writing it again gives the same bytes.
  @Test(.enabled(if: !referenceFiles.isEmpty), arguments: referenceFiles)
  func rewritesReferenceFilesByteForByte(_ name: String) throws {
    let path = TestFiles.fixture(name)
    let file = try SafetensorsFile(path: path)
    var writer = SafetensorsWriter(metadata: file.metadata)
    for entry in file.tensors {
      writer.add(
        entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: file.file))
    }
    let layout = try writer.layout(path: path)
    #expect(layout.entries == file.tensors)
    #expect(try writer.serialized() == TestFiles.read(path))
  }

  /// What PyPI safetensors reported for each fixture file matches what the reader sees.
  @Test(.enabled(if: !expectedDocuments.isEmpty), arguments: expectedDocuments)
  func matchesExpectedDescription(_ document: String) throws {
    let expectedPath = TestFiles.fixture("expected/\(document)")
    let expected = try TestFiles.read(expectedPath).withUnsafeBytes {
      try JSONValue.parse($0, path: expectedPath)
    }
    let relative = try #require(expected["file"]?.string)
    let file = try SafetensorsFile(path: TestFiles.fixture(relative))
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
    }
  }

  static let shardedFolder = TestFiles.fixture("safetensors/sharded")
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

  static let tinyLlama = TestFiles.fixture("hf/tiny-llama")

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
