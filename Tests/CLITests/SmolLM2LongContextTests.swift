import Foundation
import Testing

/// `spindle verify`'s long-context check on a real model and real text: SmolLM2-135M Q4_1
/// (original window 8192) stamped with YaRN ×4, probed with Python's own help pages
/// (`fixtures/long-context/probe_text.py`) at 12288 tokens, against the unpatched file.
///
/// Measured (`fixtures/long-context/run.sh`, 16384 tokens, recorded in
/// `fixtures/long-context/smollm2.json`): inside the window both models predict alike; past it
/// the unpatched model degrades and the YaRN one does not. Runs in the release suite
/// (`make release-tests`: SPINDLE_SMOLLM2 names the Q4_1 file; a debug build would take an
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
    let folder = NSTemporaryDirectory() + "spindle-long-context-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = "\(folder)/topics.txt"
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = [
      "python3", "\(SpindleProcess.repositoryRoot)/fixtures/long-context/probe_text.py",
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
      "verify", patched, "--against", original, "--text", text, "--long-context", "12288",
      "--buckets", "3", "--samples-per-bucket", "128", "--json", "--quiet",
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
    try #require(buckets.count == 3)
    func nll(_ bucket: Int, _ key: String) throws -> Double {
      try #require(buckets[bucket][key] as? Double)
    }
    // Inside the window ([0, 8192)): YaRN ×4 costs little (measured +0.2 nats or less).
    for bucket in 0..<2 {
      #expect(try nll(bucket, "patched_nll") - nll(bucket, "original_nll") < 0.35)
    }
    // Past it ([8192, 12288)): real text stays predictable for the patched model (measured
    // 2.3 nats) and is clearly worse for the unpatched one (measured 2.8).
    #expect(buckets[2]["past_original_window"] as? Bool == true)
    #expect(try nll(2, "patched_nll") < 3)
    #expect(try nll(2, "original_nll") - nll(2, "patched_nll") > 0.25)
  }
}
