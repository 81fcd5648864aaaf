import Formats
import Foundation
import TestSupport
import Testing
import Verification

/// `verify` opens a `.gguf.zst` as `inspect` does: the forward pass runs, every tensor is
/// scanned and compared (the decompressed file is an unlinked scratch file, read through its
/// mapping).
@Suite("Verify on compressed files")
struct VerifyCompressedTests {
  @Test func compressedGGUFAgainstItsOriginal() throws {
    let folder = NSTemporaryDirectory() + "spindle-verify-zst-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let original = Repository.fixture("gguf/tiny-llama.gguf")
    let compressed = "\(folder)/tiny-llama.gguf.zst"
    _ = try Checkpoint.open(original).rewrite(to: compressed)
    var options = VerificationOptions(against: original)
    options.probeLength = 12
    options.longContextLength = 40
    let report = Verifier(path: compressed, options: options).run()
    #expect(report.passed, "\(report.text)")
    let values = try #require(report.checks.first { $0.name == "values" })
    #expect(values.figure.hasPrefix("21 of 21 tensors scanned"), "\(values.figure)")
    let changes = try #require(report.checks.first { $0.name == "changes" })
    #expect(changes.figure.hasPrefix("21 of 21 tensors identical"), "\(changes.figure)")
    let drift = try #require(report.checks.first { $0.name == "drift" })
    #expect(drift.status == .pass)
    #expect(drift.value == 0)
  }
}
