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
    var testDescription: String { "\(file): \(what)" }
  }

  static let manifestPath = TestFiles.fixture("malformed/manifest.json")
  static let hasManifest = FileManager.default.fileExists(atPath: manifestPath)
  static let safetensorsFolder = TestFiles.fixture("safetensors")

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
        offset: entry["offset"]?.number?.int, name: entry["name"]?.string)
    }
  }()

  /// Files written by PyPI safetensors.
  static let referenceFiles: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: safetensorsFolder)) ?? []
    return names.filter { $0.hasSuffix(".safetensors") }.sorted()
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
    let path = TestFiles.fixture("malformed/\(testCase.file)")
    if testCase.expect == "ok" {
      _ = try SafetensorsFile(path: path)
      return
    }
    let error = #expect(throws: FormatError.self) { try SafetensorsFile(path: path) }
    #expect(error?.kind.rawValue == testCase.expect, "\(String(describing: error))")
    if let offset = testCase.offset {
      #expect(error?.offset == offset, "\(String(describing: error))")
    }
    if let name = testCase.name { #expect(error?.name == name) }
  }

  /// Reading a PyPI-written file and writing it again gives the same bytes.
  @Test(.enabled(if: !referenceFiles.isEmpty), arguments: referenceFiles)
  func rewritesReferenceFilesByteForByte(_ name: String) throws {
    let path = "\(Self.safetensorsFolder)/\(name)"
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
}
