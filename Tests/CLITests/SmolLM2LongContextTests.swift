import Foundation
import TestSupport
import Testing

/// `spindle verify`'s long-context check on SmolLM2-135M Q4_1 and real text.
///
/// The model (original window 8192) is stamped with YaRN ×4 and probed with Python's own help pages
/// (`fixtures/long-context/probe_text.py`) at 12288 tokens against the unpatched file, every
/// position scored in twelve buckets of 1024. `fixtures/long-context/run.sh` recorded the
/// 16384-token setting in `fixtures/long-context/smollm2.json` (past the window patched 2.43 vs
/// original 4.33 nats). Per 1024 positions of that pass (`verify … --long-context 16384 --buckets
/// 16 --samples-per-bucket 4096`, fixtures/README.md), the unpatched model tracks the patched one
/// to about 10k tokens, then falls apart: original − patched is −0.34, −0.08, +0.40, +1.15 nats
/// over [8192, 12288), then +2.1, +3.5, +4.1, +4.4 to 16384; the patched model stays at 1.9–2.7
/// throughout. So 12288 tokens show both halves of the claim (patched sane past the window,
/// unpatched not: its last bucket is 1.15 nats, 3.2× in perplexity, worse) at 56 % of 16384's
/// attention (O(n²), most of the cost): about 530–625 s of CPU instead of 1040 on the 2-core
/// machine. A causal pass's first 12288 tokens score as in the longer pass, so the figures below
/// hold here (the last bucket is one position short: 12287 has no next token). Runs in the release
/// suite (`make release-tests`: SPINDLE_SMOLLM2 names the Q4_1 file; a debug build would take an
/// hour).
@Suite("SmolLM2 long-context verify")
struct SmolLM2LongContextTests {
  static var model: String? {
    #if DEBUG
    return nil
    #else
    guard let path = ProcessInfo.processInfo.environment["SPINDLE_SMOLLM2"],
      FileManager.default.fileExists(atPath: path)
    else { return nil }
    return path
    #endif
  }

  @Test(
    "YaRN ×4 keeps SmolLM2 sane past its window; the unpatched model degrades",
    .enabled(
      if: model != nil,
      "needs SPINDLE_SMOLLM2 (SmolLM2-135M-Instruct Q4_1, `make smollm2`) and a release build"),
    .timeLimit(.minutes(20)))
  func yarnKeepsLongContextSane() throws {
    let original = try #require(Self.model)
    let folder = try Scratch.folder("long-context")
    defer { Scratch.cleanUp(folder) }
    let text = "\(folder)/topics.txt"
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = [
      "python3", "\(Repository.root)/fixtures/long-context/probe_text.py",
    ]
    _ = FileManager.default.createFile(atPath: text, contents: nil)
    python.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: text))
    try python.run()
    python.waitUntilExit()
    try #require(python.terminationStatus == 0, "python3 probe_text.py failed")

    let patched = "\(folder)/yarn4.gguf"
    let stamp = try SpindleProcess.run(["stamp", original, "--yarn", "4", "-o", patched])
    try #require(stamp.status == 0, "\(stamp.stderr)")
    let verify = try SpindleProcess.run([
      "verify", patched, "--against", original, "--text-file", text, "--long-context", "12288",
      "--buckets", "12", "--samples-per-bucket", "1024", "--json", "--quiet",
    ])
    #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
    let checks = try #require(report["checks"] as? [[String: Any]])
    for check in checks {
      #expect(check["status"] as? String == "pass", "\(check)")
    }
    let long = try #require(checks.first { $0["name"] as? String == "long-context" })
    let data = try #require(long["data"] as? [String: Any])
    #expect(data["tokens"] as? Int == 12288)
    let buckets = try #require(data["buckets"] as? [[String: Any]])
    try #require(buckets.count == 12)
    func nll(_ bucket: Int, _ key: String) throws -> Double {
      try #require(buckets[bucket][key] as? Double)
    }
    for (index, bucket) in buckets.enumerated() {
      #expect(bucket["start"] as? Int == 1024 * index)
      #expect(bucket["past_original_window"] as? Bool == (index >= 8))
    }
    // Inside the window ([0, 8192)): YaRN ×4 costs little (measured +0.14 nats on the mean of
    // the eight buckets).
    let inside = try (0..<8).map { try nll($0, "patched_nll") - nll($0, "original_nll") }
    #expect(inside.reduce(0, +) / 8 < 0.35)
    // Past it: the patched model stays as sane as inside the window (measured 2.21, 1.93, 2.58,
    // 2.46 nats), while the unpatched one has fallen apart by the last bucket, [11264, 12287)
    // (measured original 3.61 against patched 2.46).
    for bucket in 8..<12 {
      #expect(try nll(bucket, "patched_nll") < 3)
    }
    #expect(try nll(11, "original_nll") - nll(11, "patched_nll") > 0.75)
  }
}
