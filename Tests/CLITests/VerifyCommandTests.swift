import Formats
import Foundation
import Patching
import TestSupport
import Testing

/// `spindle verify`: each bad patched model fails with exit 1 and its specific message; the
/// correct ones (keys only, tables, portable; GGUF and Hugging Face) pass with exit 0.
///
/// Probes are kept short (the tests run the debug forward pass): 16 tokens for equivalence and
/// drift, 48 for the long-context buckets.
@Suite("spindle verify")
struct VerifyCommandTests {
  static let shortProbe = ["--probe-length", "16", "--long-context", "48", "--quiet"]

  static func check(_ report: JSONValue, _ name: String) -> JSONValue? {
    report["checks"]?.array?.first { $0["name"]?.string == name }
  }

  @Test(arguments: VerifyFixture.allCases)
  func catchesBadPatch(_ fixture: VerifyFixture) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try fixture.make(in: folder)

    // Alone: the text report names the failing check and says why.
    let alone = try SpindleProcess.run(["verify", path] + Self.shortProbe)
    #expect(alone.status == 1, "\(alone.stdout)\(alone.stderr)")
    let (name, fragment) = fixture.expected
    let line = alone.stdout.split(separator: "\n").first { $0.contains("FAIL  \(name)") }
    #expect(line?.contains(fragment) == true, "\(alone.stdout)")
    print(
      "verify \(fixture): \(alone.stdout.split(separator: "\n").filter { $0.contains("FAIL") }.joined(separator: "\n"))"
    )
    #expect(alone.stdout.hasSuffix("result: FAIL") || alone.stdout.contains("result: FAIL ("))

    // Against the original: the same failure in the JSON report, and what the comparison adds.
    let against = try SpindleProcess.run(
      ["verify", path, "--against", VerifyFixture.original, "--json"] + Self.shortProbe)
    #expect(against.status == 1, "\(against.stderr)")
    let report = try JSONValue.parse(against.stdout)
    #expect(report["passed"]?.bool == false)
    let failed = try #require(Self.check(report, name))
    #expect(failed["status"]?.string == "fail")
    let texts =
      [failed["message"]?.string ?? ""] + (failed["details"]?.array ?? []).compactMap(\.string)
    #expect(texts.contains { $0.contains(fragment) }, "\(texts)")
    if let (extraName, extraFragment) = fixture.expectedAgainstOriginal {
      let extra = try #require(Self.check(report, extraName))
      #expect(extra["status"]?.string == "fail", "\(extra)")
      let extraTexts =
        [extra["message"]?.string ?? ""] + (extra["details"]?.array ?? []).compactMap(\.string)
      #expect(extraTexts.contains { $0.contains(extraFragment) }, "\(extraTexts)")
    }
  }

  struct Good: Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var request: StampRequest
    var testDescription: String { name }
  }

  static let good: [Good] = [
    Good(
      name: "GGUF keys", source: "fixtures/gguf/tiny-llama.gguf",
      request: VerifyFixture.request(tables: false)),
    Good(
      name: "GGUF tables", source: "fixtures/gguf/tiny-llama.gguf",
      request: VerifyFixture.request(tables: true)),
    Good(
      name: "GGUF portable", source: "fixtures/gguf/tiny-llama.gguf",
      request: VerifyFixture.request(tables: true, portable: true)),
    Good(
      name: "HF keys", source: "fixtures/hf/tiny-llama",
      request: VerifyFixture.request(tables: false)),
    Good(
      name: "HF tables", source: "fixtures/hf/tiny-llama",
      request: VerifyFixture.request(tables: true)),
    Good(
      name: "HF portable", source: "fixtures/hf/tiny-llama",
      request: VerifyFixture.request(tables: true, portable: true)),
  ]

  @Test(arguments: good)
  func passesCorrectPatch(_ good: Good) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let original = Repository.root + "/" + good.source
    let output = "\(folder)/patched" + (good.source.hasSuffix(".gguf") ? ".gguf" : "")
    try StampPlan(path: original, request: good.request).execute(.path(output))
    let result = try SpindleProcess.run(
      ["verify", output, "--against", original, "--json"] + Self.shortProbe)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    #expect(report["passed"]?.bool == true)
    #expect(report["path"]?.string == output)
    #expect(report["against"]?.string == original)
    let checks = report["checks"]?.array ?? []
    #expect(
      checks.compactMap { $0["name"]?.string } == [
        "file", "tables", "scaling", "changes", "values", "equivalence", "drift", "long-context",
      ])
    for check in checks {
      #expect(check["status"]?.string == "pass", "\(check)")
    }
    let equivalence = try #require(Self.check(report, "equivalence"))
    #expect((equivalence["value"]?.number?.double ?? 1) <= 1e-5, "\(equivalence)")
    #expect(equivalence["threshold"]?.number?.double == 1e-3)
    let drift = try #require(Self.check(report, "drift"))
    #expect((drift["value"]?.number?.double ?? 1) < 1e-3)
    #expect(drift["threshold"]?.number?.double == 0.4)
    #expect(drift["data"]?["positions"]?.number?.int == 16)
    let long = try #require(Self.check(report, "long-context"))
    let buckets = long["data"]?["buckets"]?.array ?? []
    #expect(buckets.count == 4)
    #expect(
      buckets.allSatisfy { $0["patched_nll"]?.number != nil && $0["original_nll"]?.number != nil })
    #expect(report["settings"]?["max_mean_kl"]?.number?.double == 0.4)
    #expect(report["settings"]?["probe_length"]?.number?.int == 16)
  }

  /// Without an original, what needs one is skipped, not failed; the text report ends with the
  /// verdict.
  @Test func skipsWhatNeedsTheOriginal() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/portable.gguf"
    try StampPlan(
      path: VerifyFixture.original, request: VerifyFixture.request(tables: true, portable: true)
    )
    .execute(.path(output))
    let result = try SpindleProcess.run(["verify", output] + Self.shortProbe)
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains("SKIP  changes"))
    #expect(result.stdout.contains("SKIP  equivalence   portable mode folds the attention factor"))
    #expect(result.stdout.contains("SKIP  drift"))
    #expect(result.stdout.contains("result: PASS (5 passed, 3 skipped)"))
  }

  /// A token file replaces the embedded probe; a bad id is an error naming it.
  @Test func tokenFile() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/keys.gguf"
    try StampPlan(path: VerifyFixture.original, request: VerifyFixture.request(tables: false))
      .execute(.path(output))
    try (0..<40).map { String(($0 * 37) % 256) }.joined(separator: " ")
      .write(toFile: "\(folder)/ids.txt", atomically: true, encoding: .utf8)
    let result = try SpindleProcess.run(
      ["verify", output, "--token-file", "\(folder)/ids.txt", "--json"] + Self.shortProbe)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    #expect(report["settings"]?["probe"]?.string == "token file (40 ids)")
    try "1 2 x".write(toFile: "\(folder)/bad.txt", atomically: true, encoding: .utf8)
    let bad = try SpindleProcess.run(["verify", output, "--token-file", "\(folder)/bad.txt"])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("word 3 of the token file, \"x\", is not a token id"))
    try "1 2 999".write(toFile: "\(folder)/big.txt", atomically: true, encoding: .utf8)
    let big = try SpindleProcess.run(
      ["verify", output, "--token-file", "\(folder)/big.txt"] + Self.shortProbe)
    #expect(big.status == 1)
    #expect(big.stdout.contains("probe token 999 at index 2 is outside the vocabulary 0..<256"))
  }

  /// `--text`: the probe is tokenized with the model's own tokenizer (tiny-llama's GGUF BPE).
  @Test func textProbe() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/keys.gguf"
    try StampPlan(path: VerifyFixture.original, request: VerifyFixture.request(tables: false))
      .execute(.path(output))
    try String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20)
      .write(toFile: "\(folder)/probe.txt", atomically: true, encoding: .utf8)
    let result = try SpindleProcess.run(
      ["verify", output, "--text-file", "\(folder)/probe.txt", "--json"] + Self.shortProbe)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    #expect(report["settings"]?["probe"]?.string == "text (900 bytes)")
    let both = try SpindleProcess.run(
      [
        "verify", output, "--text-file", "\(folder)/probe.txt", "--token-file",
        "\(folder)/probe.txt",
      ])
    #expect(both.status == 64)
  }

  @Test(arguments: [
    ["verify", "fixtures/gguf/tiny-llama.gguf", "--probe-length", "0"],
    ["verify", "fixtures/gguf/tiny-llama.gguf", "--tolerance", "-1"],
    ["verify", "fixtures/gguf/tiny-llama.gguf", "--long-context", "1"],
    ["verify", "fixtures/gguf/tiny-llama.gguf", "--numerics", "fast"],
    ["verify"],
  ])
  func usageErrorsExit64(arguments: [String]) throws {
    let result = try SpindleProcess.run(arguments)
    #expect(result.status == 64, "\(result.stderr)")
  }

  @Test func unreadableFileFails() throws {
    let result = try SpindleProcess.run(
      "verify", "fixtures/malformed/gguf/03-bad-version-0.gguf", "--quiet")
    #expect(result.status == 1)
    #expect(result.stdout.contains("FAIL  file"))
  }
}
