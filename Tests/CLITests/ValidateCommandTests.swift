import Formats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite("spindle validate and rewrite")
struct ValidateCommandTests {
  struct ManifestCase: CustomTestStringConvertible, Sendable {
    var file: String
    var expect: String
    var alternatives: [String]
    var testDescription: String { file }
  }

  static let manifest: [ManifestCase] = {
    let path = Repository.root + "/fixtures/malformed/manifest.json"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      let document = try? JSONValue.parse(text)
    else { return [] }
    let cases = document["cases"]?.array ?? document.array ?? []
    return cases.compactMap { entry in
      guard let file = entry["file"]?.string, let expect = entry["expect"]?.string else {
        return nil
      }
      let alternatives =
        entry["alt"]?.array?.compactMap(\.string) ?? entry["alt"]?.string.map { [$0] } ?? []
      return ManifestCase(file: file, expect: expect, alternatives: alternatives)
    }
  }()

  @Test func manifestIsThere() {
    #expect(Self.manifest.count >= 100)
  }

  /// Through the CLI: every malformed file exits 1 naming its kind; valid ones exit 0.
  @Test(arguments: manifest)
  func malformedCorpus(_ testCase: ManifestCase) throws {
    let result = try SpindleProcess.run("validate", "fixtures/malformed/\(testCase.file)")
    if testCase.expect == "ok" {
      #expect(result.status == 0, "\(result.stdout)")
      #expect(result.stdout.hasSuffix("OK") || result.stdout.contains(": OK ("))
    } else {
      #expect(result.status == 1)
      let kinds = [testCase.expect] + testCase.alternatives
      #expect(kinds.contains { result.stdout.contains("[\($0)]") }, "\(result.stdout)")
      #expect(result.stdout.hasPrefix("fixtures/malformed/\(testCase.file)"))
    }
  }

  @Test func jsonReportListsEveryIndexProblem() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let source = Repository.root + "/fixtures/safetensors/sharded"
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
      try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(folder)/\(name)")
    }
    try FileManager.default.removeItem(atPath: "\(folder)/model-00003-of-00003.safetensors")
    let result = try SpindleProcess.run(
      "validate", "\(folder)/model.safetensors.index.json", "--json")
    #expect(result.status == 1)
    let report = try JSONValue.parse(result.stdout)
    #expect(report["passed"]?.bool == false)
    let kinds = report["problems"]?.array?.compactMap { $0["kind"]?.string } ?? []
    #expect(kinds.contains("indexMissingShard"))
  }

  @Test func rewriteKeepsTensorsAndAddsRoom() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    for (input, output) in [
      ("fixtures/gguf/tiny-llama.gguf", "copy.gguf"),
      ("fixtures/safetensors/dtypes.safetensors", "copy.safetensors"),
    ] {
      let result = try SpindleProcess.run(
        "rewrite", input, "-o", "\(folder)/\(output)", "--reserve", "4096")
      #expect(result.status == 0, "\(result.stderr)")
      let original = try Checkpoint.open(Repository.root + "/" + input)
      let copy = try Checkpoint.open("\(folder)/\(output)")
      #expect(copy.tensors.map(\.name) == original.tensors.map(\.name))
      for (a, b) in zip(original.tensors, copy.tensors) {
        let bytesA = try MappedFile(path: a.path).bytes(in: a.byteRange)
        let bytesB = try MappedFile(path: b.path).bytes(in: b.byteRange)
        #expect(bytesA == bytesB, "\(a.name)")
      }
      #expect(result.stdout.contains("bytes of header room"))
    }
    #expect(try SafetensorsFile(path: "\(folder)/copy.safetensors").headerPadding >= 4096)
    #expect(try GGUFFile(path: "\(folder)/copy.gguf").reservedBytes == 4096)
  }

  @Test func failedRewriteLeavesNothing() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let result = try SpindleProcess.run(
      "rewrite", "fixtures/malformed/gguf/03-bad-version-0.gguf", "-o", "\(folder)/out.gguf")
    #expect(result.status == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    let sharded = try SpindleProcess.run(
      "rewrite", "fixtures/safetensors/sharded", "-o", "\(folder)/x")
    #expect(sharded.status == 1)
    #expect(sharded.stderr.contains("name a shard"))
  }

  @Test(arguments: [
    ["rewrite", "fixtures/gguf/v2.gguf", "-o", "fixtures/gguf/v2.gguf"],
    ["rewrite", "fixtures/gguf/v2.gguf", "-o", "x.gguf", "--reserve", "-1"],
    ["inspect", "fixtures/gguf/v2.gguf", "--tensors", "--metadata", "a"],
    ["inspect"],
  ])
  func usageErrorsExit64BeforeAnyIO(arguments: [String]) throws {
    let result = try SpindleProcess.run(arguments)
    #expect(result.status == 64)
    #expect(!FileManager.default.fileExists(atPath: Repository.root + "/x.gguf"))
  }
}
