import Formats
import Foundation
import TestSupport
import Testing

@Suite("spindle memory")
struct MemoryCommandTests {
  static let tiny = "fixtures/gguf/tiny-llama.gguf"

  /// The tiny model (2 layers, 2 KV heads of 16, vocabulary 256, context 2048): every line
  /// from its formula.
  @Test func linesFollowTheirFormulas() throws {
    let result = try SpindleProcess.run("memory", Self.tiny, "--context", "5000", "--json")
    #expect(result.status == 0, "\(result.stderr)")
    let llama = try #require(try JSONValue.parse(result.stdout)["llama_cpp"]?.object)
    #expect(llama["context"]?.number?.int == 5120)  // padded to 256
    let lines = try #require(llama["lines"]?.array)
    func bytes(_ name: String) -> Int? {
      lines.first { $0["name"]?.string == name }?["bytes"]?.number?.int
    }
    #expect(bytes("KV cache") == 2 * 5120 * (2 * 16 * 2) * 2)  // layers × cells × row × (K, V)
    #expect(bytes("output") == 4 * 256)
    #expect(bytes("weights") == 175_872)
    #expect(llama["notes"]?.array?.isEmpty == true)

    // bf16 for transformers and vLLM: 2 B per parameter; per token, K and V of 2 layers × 2
    // KV heads × 16 at 2 B, for the 5000 tokens asked (llama.cpp's padding is its own); vLLM
    // in blocks of 16 tokens: 5008.
    let python = try #require(try JSONValue.parse(result.stdout)["python"]?["lines"]?.array)
    func pythonBytes(_ name: String) -> Int? {
      python.first { $0["name"]?.string == name }?["bytes"]?.number?.int
    }
    #expect(pythonBytes("weights (bf16)") == 2 * 106_816)
    #expect(pythonBytes("transformers KV cache") == 2 * 2 * (16 + 16) * 2 * 5000)
    #expect(pythonBytes("vLLM KV cache") == 2 * 2 * (16 + 16) * 2 * 5008)
  }

  /// A declared sliding window is named, with where llama.cpp turns it off, and the cache
  /// stays full.
  @Test func slidingWindowThatLlamaCppIgnoresIsNoted() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let windowed = "\(folder)/phi3-swa.gguf"
    let set = try SpindleProcess.run(
      "meta", "set", "fixtures/phi3/tiny-phi3.gguf", "phi3.attention.sliding_window=2047", "-o",
      windowed)
    #expect(set.status == 0, "\(set.stderr)")
    let plain = try SpindleProcess.run("memory", "fixtures/phi3/tiny-phi3.gguf")
    let result = try SpindleProcess.run("memory", windowed)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.contains(
        "  note: the model declares a sliding window of 2047 tokens; llama.cpp turns it off for"
          + " this architecture (src/models/phi3.cpp L13-23), so every layer caches all 4096 cells")
    )
    let kvLine = { (text: String) in text.split(separator: "\n").first { $0.contains("KV cache") } }
    #expect(kvLine(result.stdout) == kvLine(plain.stdout))
  }

  @Test(arguments: [
    (["--cache-type", "q3_0"], "no cache type 'q3_0'"),
    (["--cache-type", "q8_0", "--cache-type-k", "f16"], "--cache-type sets both K and V"),
    (["--context", "0"], "--context must be 1…16777216, not 0"),
    (["--context", "99999999999999"], "--context must be 1…16777216"),
    (["--parallel", "257"], "--parallel must be 1…256, not 257"),
  ])
  func badOptionsAreRejectedBeforeReading(arguments: [String], message: String) throws {
    let result = try SpindleProcess.run(["memory", "nothere.gguf"] + arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test func quantizedValueCacheWithoutFlashAttentionIsRefused() throws {
    let result = try SpindleProcess.run(
      "memory", Self.tiny, "--cache-type-v", "q8_0", "--flash-attn", "off")
    #expect(result.status == 1)
    #expect(result.stderr.contains("quantized V cache requires flash_attn to be enabled"))
  }
}
