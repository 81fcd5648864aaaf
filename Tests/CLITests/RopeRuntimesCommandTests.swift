import Formats
import TestSupport
import Testing

@Suite("spindle rope --runtimes")
struct RopeRuntimesCommandTests {
  static let qwen3 = "fixtures/runtimes/qwen3-yarn4-40960/config.json"

  @Test func jsonNamesEachRuntimesValuesAndFindings() throws {
    let result = try SpindleProcess.run("rope", Self.qwen3, "--runtimes", "--json")
    #expect(result.status == 0)
    let document = try JSONValue.parse(result.stdout)
    #expect(document["agrees"]?.bool == false)
    #expect(document["intended"]?["factor"]?.number?.double == 4)
    #expect(document["intended"]?["max_context"]?.number?.int == 131072)
    let runtimes = try #require(document["runtimes"]?.array)
    #expect(runtimes.count == 9)
    let buggy = try #require(runtimes.first { $0["id"]?.string == "transformers-4.51" })
    #expect(buggy["scaling"]?["factor"]?.number?.double == 1.25)
    #expect(
      buggy["keys_read"]?.array?.compactMap(\.string) == [
        "rope_type", "factor", "original_max_position_embeddings",
      ])
    #expect(buggy["findings"]?.array?.first?["aspect"]?.string == "factor")
    let fixed = try #require(runtimes.first { $0["id"]?.string == "transformers-4.56" })
    #expect(fixed["agrees"]?.bool == true)
    #expect(fixed["inverse_frequency_difference"]?.number?.double == 0)
  }

  @Test func textListsEachDisagreementWithCauseAndFix() throws {
    let result = try SpindleProcess.run(
      "rope", Self.qwen3, "--runtimes", "--runtime", "transformers-4.55", "--runtime", "vllm-0.30")
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix("  transformers 4.55 ") && $0.contains("1.25") })
    #expect(lines.contains("  transformers 4.55: factor 1.25, intended 4"))
    #expect(lines.contains("  vLLM 0.30–0.34: max context 40960, intended 131072"))
    #expect(
      lines.contains { $0.hasPrefix("    fix: set max_position_embeddings to factor × original") })
  }

  @Test func whatIfScalingIsWrittenIntoTheConfig() throws {
    // Llama 3 8B unscaled, previewed with YaRN ×4 as `spindle stamp` would write it (context
    // 4 × 8192): only transformers 4.45–4.50, which measure against max_position_embeddings,
    // differ.
    let result = try SpindleProcess.run(
      "rope", "fixtures/runtimes/llama3-default/config.json", "--runtimes", "--yarn", "4",
      "--json")
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONValue.parse(result.stdout)
    #expect(document["intended"]?["max_context"]?.number?.int == 32768)
    let differing = try #require(document["runtimes"]?.array).filter {
      $0["agrees"]?.bool == false
    }
    #expect(differing.compactMap { $0["id"]?.string } == ["transformers-4.45"])
    #expect(differing.first?["findings"]?.array?.first?["found"]?.string == "32768")
  }

  @Test(arguments: [
    (["--runtime", "vllm-0.30"], "--runtime narrows --runtimes"),
    (["--runtimes", "--runtime", "vllm-9"], "no runtime 'vllm-9'"),
    (["--runtimes", "--csv"], "--runtimes prints its own report"),
  ])
  func badOptionsAreRejectedBeforeReading(arguments: [String], message: String) throws {
    let result = try SpindleProcess.run(["rope", Self.qwen3] + arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message))
  }

  @Test func ggufIsReferredToTheLlamaCppColumns() throws {
    let result = try SpindleProcess.run("rope", "fixtures/gguf/tiny-llama.gguf", "--runtimes")
    #expect(result.status == 1)
    #expect(result.stderr.contains("--runtimes reads a Hugging Face config"))
  }
}
