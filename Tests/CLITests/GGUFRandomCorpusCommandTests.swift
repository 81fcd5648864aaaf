import Formats
import Foundation
import TestSupport
import Testing

/// `validate` and `inspect` on files llama.cpp's test-gguf.cpp wrote (`fixtures/gguf-random`):
/// gguf.cpp's verdict as the exit status, strings that are not UTF-8 as warnings, and output
/// that is valid UTF-8 whatever the file holds.
@Suite("spindle on test-gguf.cpp files")
struct GGUFRandomCorpusCommandTests {
  static let folder = "fixtures/gguf-random/files"

  /// Random KVs (gguf.cpp accepts the file): exit 0, one warning line per bad string.
  @Test func validateWarnsAndPasses() throws {
    let path = "\(Self.folder)/s14-KV_RANDOM_KV.gguf"
    let result = try SpindleProcess.run("validate", path)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    let warnings = lines.filter { $0.hasPrefix("warning: \(path) @") }
    #expect(!warnings.isEmpty)
    #expect(warnings.allSatisfy { $0.hasSuffix("[invalidUTF8]") && $0.contains("key 'my_key_") })
    #expect(lines.last?.hasPrefix("\(path): OK (GGUF, 0 tensors") == true)
    #expect(!result.stdout.contains("\u{FFFD}"))

    let json = try SpindleProcess.run("validate", path, "--json")
    #expect(json.status == 0)
    let document = try JSONValue.parse(json.stdout)
    #expect(document["passed"]?.bool == true)
    #expect(document["problems"]?.array?.isEmpty == true)
    #expect(document["warnings"]?.array?.count == warnings.count)
    #expect(document["warnings"]?.array?.first?["kind"]?.string == "invalidUTF8")
  }

  /// A file gguf.cpp rejects: exit 1 and the defect named.
  @Test func validateRejectsWhatGGUFCppRejects() throws {
    let path = "\(Self.folder)/s1-KV_DUPLICATE_KEY.gguf"
    let result = try SpindleProcess.run("validate", path)
    #expect(result.status == 1)
    #expect(result.stdout.hasPrefix("\(path) @"))
    #expect(result.stdout.contains("duplicate key 'my_key_0'"))
    #expect(result.stdout.contains("[duplicateKey]"))
  }

  /// `inspect` shows invalid bytes as `\xNN`, in text and in JSON, and never emits invalid UTF-8.
  @Test func inspectRendersInvalidStringsSafely() throws {
    let path = "\(Self.folder)/s3-DATA_SUCCESS.gguf"
    let text = try SpindleProcess.run("inspect", path)
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("\\x"))
    #expect(!text.stdout.contains("\u{FFFD}"))
    let json = try SpindleProcess.run("inspect", path, "--json")
    #expect(json.status == 0, "\(json.stderr)")
    #expect(!json.stdout.contains("\u{FFFD}"))
    let document = try JSONValue.parse(json.stdout)
    let gguf = try GGUFFile(path: Repository.root + "/" + path)
    let raw = gguf.metadata.filter {
      if case .rawString = $0.value { return true } else { return false }
    }
    #expect(raw.count == 3)
    for entry in raw {
      let item = document["metadata"]?.array?.first { $0["key"]?.string == entry.key }
      #expect(item?["value"] == entry.value.jsonValue)
      #expect(item?["value"]?.string?.contains("\\x") == true)
      #expect(text.stdout.contains(entry.value.summary()))
    }
  }
}
