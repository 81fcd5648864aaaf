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

  /// A copy of `source` whose window is 32 tokens (GGUF `llama.context_length`, config.json
  /// `max_position_embeddings`), so a 48-token long-context probe goes past it.
  static func smallWindowCopy(_ source: String, in folder: String) throws -> String {
    let copy = try Scratch.copy(String(source.dropFirst("fixtures/".count)), into: folder)
    if source.hasSuffix(".gguf") {
      let set = try SpindleProcess.run(
        "meta", "set", copy, "llama.context_length=32", "--in-place")
      #expect(set.status == 0, "\(set.stderr)")
    } else {
      let config = "\(copy)/config.json"
      let text = try String(contentsOfFile: config, encoding: .utf8)
      try text.replacingOccurrences(
        of: "\"max_position_embeddings\": 2048", with: "\"max_position_embeddings\": 32"
      ).write(toFile: config, atomically: true, encoding: .utf8)
    }
    return copy
  }

  /// Correct patches pass every check; the originals' window is 32 tokens so the 48-token
  /// long-context probe reaches past it (a probe inside the window is skipped, see below).
  @Test(arguments: good)
  func passesCorrectPatch(_ good: Good) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let original = try Self.smallWindowCopy(good.source, in: folder)
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
        "file", "tables", "scaling", "changes", "values", "runtimes", "equivalence", "drift",
        "long-context",
      ])
    for check in checks where check["name"]?.string != "runtimes" {
      #expect(check["status"]?.string == "pass", "\(check)")
    }
    // llama.cpp reads a stamped GGUF as intended. Of the runtimes reading a stamped config,
    // transformers 4.45–4.50 (no original context) differ, and with the attention factor
    // folded into the weights (`attention_factor: 1.0`), so do vLLM <= 0.29 and llama.cpp
    // after conversion, which apply their own: listed, not failed.
    let runtimes = try #require(Self.check(report, "runtimes"))
    if good.source.hasSuffix(".gguf") {
      #expect(runtimes["status"]?.string == "pass", "\(runtimes)")
    } else {
      #expect(runtimes["status"]?.string == "skip", "\(runtimes)")
      let disagreeing = runtimes["data"]?["disagreeing"]?.array?.compactMap(\.string)
      #expect(
        disagreeing
          == (good.request.bakeAttention
            ? ["llama.cpp", "transformers-4.45", "vllm-0.11", "vllm-0.12"]
            : ["transformers-4.45"]))
    }
    // Scores of every layer at positions up to the end of the context: tables agree to a Float
    // rounding of θ/f; portable GGUF (Q8_0) adds the F16 rounding of the folded block scales
    // in Q and in K.
    let equivalence = try #require(Self.check(report, "equivalence"))
    let portableQ8 = good.request.bakeAttention && good.source.hasSuffix(".gguf")
    #expect(
      (equivalence["value"]?.number?.double ?? 1) <= (portableQ8 ? 2e-3 : 1e-5), "\(equivalence)")
    #expect(equivalence["threshold"]?.number?.double == 1e-2)
    // 48 spread over the 128-token context and its last 16, some shared.
    let positions = Set((0..<48).map { $0 * 127 / 47 }).union(112..<128)
    #expect(equivalence["data"]?["positions"]?.number?.int == positions.count)
    #expect(equivalence["data"]?["context"]?.number?.int == 128)
    let drift = try #require(Self.check(report, "drift"))
    #expect((drift["value"]?.number?.double ?? 1) < 1e-3)
    #expect(drift["threshold"]?.number?.double == 0.4)
    #expect(drift["data"]?["positions"]?.number?.int == 16)
    let long = try #require(Self.check(report, "long-context"))
    let buckets = long["data"]?["buckets"]?.array ?? []
    #expect(buckets.count == 4)
    #expect(long["data"]?["original_window"]?.number?.int == 32)
    #expect(long["figure"]?.string?.hasPrefix("NLL past 32 of 48 tokens: patched ") == true)
    #expect(
      buckets.allSatisfy { $0["patched_nll"]?.number != nil && $0["original_nll"]?.number != nil })
    #expect(report["settings"]?["max_mean_kl"]?.number?.double == 0.4)
    #expect(report["settings"]?["probe_length"]?.number?.int == 16)
  }

  /// `--budget` sizes what the forward-pass checks run: a budget too small to reach past the
  /// window skips the long-context check with the budget it would need; the lengths given
  /// run as given; `none` plans nothing away; a bad duration is a usage error.
  @Test func budget() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/keys.gguf"
    try StampPlan(path: VerifyFixture.original, request: VerifyFixture.request(tables: false))
      .execute(.path(output))
    // 50 ms: a release build on a 2-core machine plans ~400 tokens (1 s would afford 2,800).
    let tight = try SpindleProcess.run(
      "verify", output, "--against", VerifyFixture.original, "--budget", "0.05s", "--json")
    #expect(tight.status == 0, "\(tight.stdout)\(tight.stderr)")
    let report = try JSONValue.parse(tight.stdout)
    #expect(report["settings"]?["budget_seconds"]?.number?.double == 0.05)
    #expect(report["settings"]?["probe_length"] == .null)
    let plan = try #require(report["plan"])
    #expect(plan["long_context_requested_tokens"]?.number?.int == 4096)
    #expect((plan["long_context_tokens"]?.number?.int ?? 4096) < 2048)
    #expect((plan["drift_tokens"]?.number?.int ?? 0) >= 8)
    #expect((plan["operations_per_second"]?.number?.double ?? 0) > 0)
    // Attention timed at the 4096 tokens asked for, then again at the shorter length the budget
    // affords (and perhaps at the longer one that rate affords), never past what was asked.
    #expect((plan["attention_operations_per_second"]?.number?.double ?? 0) > 0)
    let timed = (plan["attention_rates"]?.array ?? []).compactMap { $0["tokens"]?.number?.int }
    #expect(timed.contains(4096) && timed.count >= 2 && timed.count <= 3, "\(timed)")
    #expect(timed.allSatisfy { $0 <= 4096 } && timed.contains { $0 < 2048 }, "\(timed)")
    // The rate the planned length went at: the shortest timing that covers it.
    let planned = try #require(plan["long_context_tokens"]?.number?.int)
    #expect(
      plan["attention_timed_tokens"]?.number?.int == timed.filter { $0 >= planned }.min(),
      "\(timed), planned \(planned)")
    let long = try #require(Self.check(report, "long-context"))
    #expect(long["status"]?.string == "skip")
    #expect(
      long["message"]?.string?.contains(
        "which does not reach past the original window of 2048: nothing past it was checked;"
          + " give --budget ") == true, "\(long)")
    #expect(long["data"]?["requested_tokens"]?.number?.int == 4096)
    #expect((long["data"]?["estimated_seconds"]?.number?.double ?? 0) > 0)
    #expect((report["seconds"]?.number?.double ?? 0) > 0)

    // The plan goes to stderr first; --quiet silences it.
    let text = try SpindleProcess.run(
      "verify", output, "--budget", "1s", "--probe-length", "8", "--long-context", "16")
    #expect(text.stderr.hasPrefix("plan (budget 1 s; "), "\(text.stderr)")
    #expect(text.stderr.contains("  equivalence   ~"))
    #expect(!text.stderr.contains("  drift "))

    let unlimited = try SpindleProcess.run(
      "verify", output, "--budget", "none", "--probe-length", "8", "--long-context", "40",
      "--json", "--quiet")
    let open = try JSONValue.parse(unlimited.stdout)
    #expect(open["settings"]?["budget_seconds"] == .null)
    #expect(open["plan"]?["long_context_tokens"]?.number?.int == 40)

    for (text, seconds) in [("1h30m", 5400.0), ("90", 90), ("2.5m", 150), ("45s", 45)] {
      let result = try SpindleProcess.run(
        "verify", output, "--structure-only", "--budget", text, "--json")
      #expect(
        try JSONValue.parse(result.stdout)["settings"]?["budget_seconds"]?.number?.double
          == seconds, "\(text)")
    }
    for bad in ["soon", "0", "-2m", "2x", "1h-5m", "m"] {
      let result = try SpindleProcess.run("verify", output, "--budget", bad)
      #expect(result.status == 64, "\(bad)")
      #expect(result.stderr.contains("--budget"), "\(bad): \(result.stderr)")
    }
  }

  /// `--runtimes` turns the runtime list into a gate: a stamped config fails for
  /// transformers 4.45–4.50 (which ignore its original context), passes for the runtimes that
  /// read it as intended, and an unknown id is a usage error.
  @Test func runtimesGate() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/stamped"
    try StampPlan(path: "fixtures/hf/tiny-llama", request: VerifyFixture.request(tables: false))
      .execute(.path(output))
    let all = try SpindleProcess.run("verify", output, "--structure-only", "--runtimes", "all")
    #expect(all.status == 1)
    #expect(all.stdout.contains("FAIL  runtimes  1 of 9 differ: 1 named runtime(s) would apply"))
    #expect(all.stdout.contains("transformers 4.45–4.50: original context 8192, intended 2048"))
    let current = try SpindleProcess.run(
      "verify", output, "--structure-only", "--runtimes", "transformers-5,vllm-0.30,llama.cpp")
    #expect(current.status == 0, "\(current.stdout)")
    #expect(current.stdout.contains("PASS  runtimes  3 agree"))
    let unknown = try SpindleProcess.run("verify", output, "--runtimes", "vllm-9")
    #expect(unknown.status == 64)
    #expect(unknown.stderr.contains("no runtime 'vllm-9' in --runtimes"))
  }

  /// A GGUF file is read by llama.cpp from its own keys: stamped with an attention factor,
  /// the compensating `rope.scaling.attn_factor` makes llama.cpp apply it; with that key
  /// edited back to 1, llama.cpp applies its own 1 + 0.1·ln 4 and the gate fails.
  @Test func ggufAttentionFactorAsLlamaCppAppliesIt() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let stamped = "\(folder)/stamped.gguf"
    let edited = "\(folder)/edited.gguf"
    var request = VerifyFixture.request(tables: false)
    request.attentionFactor = 1.2
    try StampPlan(path: VerifyFixture.original, request: request).execute(.path(stamped))
    let good = try SpindleProcess.run(
      "verify", stamped, "--structure-only", "--runtimes", "llama.cpp", "--quiet")
    #expect(good.status == 0, "\(good.stdout)")
    #expect(good.stdout.contains("PASS  runtimes  1 agree"))
    let set = try SpindleProcess.run(
      "meta", "set", stamped, "llama.rope.scaling.attn_factor=1.0", "-o", edited)
    #expect(set.status == 0, "\(set.stderr)")
    let bad = try SpindleProcess.run(
      "verify", edited, "--structure-only", "--runtimes", "llama.cpp", "--quiet")
    #expect(bad.status == 1)
    #expect(bad.stdout.contains("llama.cpp: attention factor 1.13863, intended 1.2"))
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
    #expect(
      result.stdout.contains(
        "SKIP  long-context  probed 48 tokens, window 2048: the probe never goes past the original"
          + " window: nothing past it was checked; give --long-context 4096\n"))
    #expect(
      result.stdout.contains(
        "PASS  runtimes      1 agree: every runtime applies the intended scaling: llama.cpp\n"))
    #expect(result.stdout.contains("result: PASS (5 passed, 4 skipped)"))
  }

  /// A probe that stays inside the original window checks nothing past it: SKIP with the
  /// length probed, FAIL with --require-long-context; samples that all fall inside the window
  /// are named as such.
  @Test func longContextInsideTheWindowIsNotAPass() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/keys.gguf"
    try StampPlan(path: VerifyFixture.original, request: VerifyFixture.request(tables: false))
      .execute(.path(output))
    let inside = ["verify", output, "--against", VerifyFixture.original] + Self.shortProbe
    let skipped = try SpindleProcess.run(inside + ["--json"])
    #expect(skipped.status == 0, "\(skipped.stderr)")
    let report = try JSONValue.parse(skipped.stdout)
    let long = try #require(Self.check(report, "long-context"))
    #expect(long["status"]?.string == "skip")
    #expect(long["figure"]?.string == "probed 48 tokens, window 2048")
    #expect(
      long["message"]?.string
        == "the probe never goes past the original window: nothing past it was checked; give"
        + " --long-context 4096")
    #expect(long["data"]?["tokens"]?.number?.int == 48)
    #expect(long["data"]?["positions_past_window"]?.number?.int == 0)
    #expect(report["settings"]?["require_long_context"]?.bool == false)

    let required = try SpindleProcess.run(inside + ["--require-long-context"])
    #expect(required.status == 1)
    #expect(
      required.stdout.contains(
        "  FAIL  long-context  probed 48 tokens, window 2048: the probe never goes past the"
          + " original window"))
    #expect(required.stdout.hasSuffix("result: FAIL (8 passed, 1 failed)\n"))

    // 2112 tokens reach past 2048, but 2 buckets of 4 evenly spaced samples stop at 1847.
    let sparse = try SpindleProcess.run(
      [
        "verify", output, "--probe-length", "16", "--long-context", "2112", "--buckets", "2",
        "--samples-per-bucket", "4", "--quiet",
      ])
    #expect(sparse.status == 0)
    #expect(
      sparse.stdout.contains(
        "SKIP  long-context  probed 2112 tokens, window 2048: none of the 8 scored positions lies"
          + " past the original window (the last is 1847): nothing past the window was checked;"
          + " give more --samples-per-bucket or --buckets\n"), "\(sparse.stdout)")
  }

  /// Another model given as the original: one failing `changes` check that names what
  /// differs, and nothing else compared (no list of every tensor).
  @Test func differentModelsStop() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/keys.gguf"
    try StampPlan(path: VerifyFixture.original, request: VerifyFixture.request(tables: false))
      .execute(.path(output))
    let qwen = Repository.fixture("architectures/gguf/qwen2.gguf")
    let result = try SpindleProcess.run("verify", output, "--against", qwen, "--quiet")
    #expect(result.status == 1)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 4, "\(result.stdout)")
    let expected: String =
      "  FAIL  changes  different models: \(output) and \(qwen) are different models:"
      + " architecture llama here, qwen2 in the original; 21 tensors here, 26 in the original"
      + " (RoPE tables aside); 'output.weight' is here and not in the original;"
      + " 'token_embd.weight' is [256, 64] here, [80, 64] in the original. Give --against the"
      + " model this file was patched from; nothing else was compared"
    #expect(String(lines[2]) == expected)
    #expect(lines[3] == "result: FAIL (1 passed, 1 failed)")
    #expect(!result.stdout.contains("is new"))

    // Same architecture and tensor names, other shapes: still another model.
    let llama = Repository.fixture("architectures/gguf/llama.gguf")
    let shapes = try SpindleProcess.run("verify", output, "--against", llama, "--json", "--quiet")
    #expect(shapes.status == 1)
    let report = try JSONValue.parse(shapes.stdout)
    #expect(report["passed"]?.bool == false)
    #expect(report["checks"]?.array?.compactMap { $0["name"]?.string } == ["file", "changes"])
    let changes = try #require(Self.check(report, "changes"))
    #expect(changes["data"]?["different_models"]?.bool == true)
    #expect(
      changes["data"]?["differences"]?.array?.compactMap(\.string) == [
        "'token_embd.weight' is [256, 64] here, [80, 64] in the original"
      ])
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
