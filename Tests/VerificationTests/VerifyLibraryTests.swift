import Formats
import Foundation
import Inference
import Patching
import TestSupport
import Testing
import Verification

/// The `Verification` API under `spindle verify`: probes, the report, and the checks' figures
/// on the tiny model.
@Suite("Verify library")
struct VerifyLibraryTests {
  @Test func embeddedProbeIsDeterministicRepeatedAndInRange() {
    let a = ProbeSource.embedded(length: 200, vocabularySize: 256, seed: ProbeSource.defaultSeed)
    let b = ProbeSource.embedded(length: 200, vocabularySize: 256, seed: ProbeSource.defaultSeed)
    #expect(a == b)
    #expect(a.count == 200)
    #expect(a.allSatisfy { $0 >= 64 && $0 < 256 })
    // Segment of max(16, min(256, 200 / 4)) = 50 tokens, repeated.
    #expect(Array(a[0..<50]) == Array(a[50..<100]))
    #expect(Set(a[0..<50]).count > 30)
    let other = ProbeSource.embedded(length: 200, vocabularySize: 256, seed: 7)
    #expect(other != a)
  }

  @Test func tokenListParsing() throws {
    #expect(try ProbeSource.parseTokenList(" 1 2\n3\t4,5 ") == [1, 2, 3, 4, 5])
    let error = #expect(throws: InferenceError.self) { try ProbeSource.parseTokenList("1 -2") }
    #expect(error?.message.contains("word 2") == true)
    #expect(throws: InferenceError.self) {
      try ProbeSource.tokens([1, 300]).tokens(length: 10, vocabularySize: 256)
    }
    let text = ProbeSource.text("ab") { text in text.utf8.map { Int32($0) } }
    #expect(try text.tokens(length: 10, vocabularySize: 256) == [97, 98])
  }

  @Test func reportOnStampedTinyModel() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    // A window of 32 tokens, so the 40-token long-context probe reaches past it.
    let original = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    _ = try PatchEngine.execute(
      HeaderPlan(
        path: original, edits: [.set(key: "llama.context_length", value: "32", type: nil)]))
    let patched = "\(folder)/keys.gguf"
    try StampPlan(path: original, request: StampRequest(method: .yarn, factor: 4))
      .execute(.path(patched))
    var options = VerificationOptions(against: original)
    options.probeLength = 12
    options.longContextLength = 40
    options.bucketCount = 2
    options.samplesPerBucket = 5
    var steps: [VerificationProgress] = []
    var plans: [VerificationPlan] = []
    let report = Verifier(path: patched, options: options).run {
      steps.append($0)
    } planned: {
      plans.append($0)
    }
    #expect(report.passed, "\(report.text)")
    // Each step begins once; the long passes also report their share done, rising to 1.
    let begun = steps.filter { $0.share == nil }
    #expect(begun.map(\.step) == Array(1...7))
    #expect(steps.allSatisfy { $0.stepCount == 7 })
    #expect(begun[2].label == "planning: measuring the forward pass")
    let shares = steps.compactMap(\.share)
    #expect(shares.count == 2 * 2 && shares == shares.sorted() && shares.last == 1)
    // The lengths given are run as given; the plan estimates them.
    let plan = try #require(plans.first)
    #expect(plans.count == 1 && report.plan?.driftTokens == 12)
    #expect(plan.driftTokens == 12 && plan.longContextTokens == 40 && plan.models == 2)
    #expect(plan.budget == 120 && plan.operationsPerSecond > 0)
    #expect((report.seconds ?? 0) > plan.elapsed)
    #expect(report.checks.allSatisfy { $0.status == .pass })
    let long = try #require(report.checks.first { $0.name == "long-context" })
    #expect(long.data["buckets"]?.array?.count == 2)
    #expect(long.data["tokens"] == .integer(40))
    #expect(long.data["original_window"] == .integer(32))

    // The same probe against a 2048-token window checks nothing past it: SKIP, or FAIL when
    // the long context is required.
    let wide = "\(folder)/wide.gguf"
    try StampPlan(
      path: Repository.fixture("gguf/tiny-llama.gguf"),
      request: StampRequest(method: .yarn, factor: 4)
    ).execute(.path(wide))
    var inside = options
    inside.against = nil
    let skipped = try #require(
      Verifier(path: wide, options: inside).run().checks.first { $0.name == "long-context" })
    #expect(skipped.status == .skip)
    #expect(skipped.figure == "probed 40 tokens, window 2048")
    inside.requireLongContext = true
    let required = Verifier(path: wide, options: inside).run()
    #expect(required.checks.first { $0.name == "long-context" }?.status == .fail)
    #expect(!required.passed)
    #expect(report.text.hasPrefix("verify \(patched) against \(original)\n"))
    #expect(report.text.hasSuffix("result: PASS (9 passed)"))
    #expect(report.json["passed"] == .bool(true))

    // YaRN moves the tiny model's logits a little: a zero drift budget fails, with the figure.
    options.maximumMeanKL = 0
    let strict = Verifier(path: patched, options: options).run()
    let drift = try #require(strict.checks.first { $0.name == "drift" })
    #expect(drift.status == .fail)
    #expect((drift.value ?? 0) > 0)
    #expect(drift.message.contains("the patched model drifts from the original inside its window"))
    #expect(!strict.passed)

    options.structureOnly = true
    let structure = Verifier(path: patched, options: options).run()
    #expect(
      structure.checks.map(\.name) == [
        "file", "tables", "scaling", "changes", "values", "runtimes",
      ])
  }
}
