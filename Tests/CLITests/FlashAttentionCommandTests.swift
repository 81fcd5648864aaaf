import Formats
import TestSupport
import Testing

/// `--flash-attn auto|on|off` follows llama.cpp's `-fa`: with `--numerics llama.cpp` the
/// default takes its flash-attention path, as llama.cpp's CPU backend does.
@Suite("--flash-attn")
struct FlashAttentionCommandTests {
  static let tiny = "fixtures/gguf/tiny-llama.gguf"

  @Test(arguments: [
    ([], true), (["--flash-attn", "on"], true), (["--flash-attn", "off"], false),
    (["--flash-attn", "auto"], true),
  ])
  func verifyRecordsThePath(arguments: [String], expected: Bool) throws {
    let result = try SpindleProcess.run(
      [
        "verify", Self.tiny, "--numerics", "llama.cpp", "--probe-length", "8", "--long-context",
        "16", "--quiet", "--json",
      ] + arguments)
    let report = try JSONValue.parse(result.stdout)
    #expect(report["settings"]?["flash_attention"]?.bool == expected, "\(result.stderr)")
  }

  @Test func exactNumericsHaveNoFlashAttention() throws {
    let result = try SpindleProcess.run(
      "verify", Self.tiny, "--structure-only", "--flash-attn", "on", "--json")
    #expect(try JSONValue.parse(result.stdout)["settings"]?["flash_attention"]?.bool == false)
  }

  @Test func anUnknownSettingIsAUsageError() throws {
    let result = try SpindleProcess.run("run", Self.tiny, "--prompt", "a", "--flash-attn", "yes")
    #expect(result.status == 64)
    #expect(result.stderr.contains("'yes'"))
  }
}
