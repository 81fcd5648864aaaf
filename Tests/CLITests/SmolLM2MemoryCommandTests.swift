import Formats
import Foundation
import TestSupport
import Testing

/// `spindle memory` on the SmolLM2 files themselves against what llama.cpp printed loading
/// them (`fixtures/memory/llama-cpp-smollm2.json`): the weights measured from the file, the KV
/// cache and output buffer to the printed digit, the total within 5 %. Needs `make smollm2`.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: SmolLM2Models.quantized)))
struct SmolLM2MemoryCommandTests {
  static let cases: [JSONObject] = {
    (try? Repository.recordedJSON("memory/llama-cpp-smollm2.json")["cases"]?.array)?
      .compactMap(\.object).filter { $0["exit_status"]?.number?.int == 0 } ?? []
  }()

  @Test func everyLoadedCaseIsRecorded() {
    #expect(Self.cases.count == 60)
  }

  @Test(arguments: cases.map { $0["id"]?.string ?? "" })
  func matchesWhatLlamaCppPrinted(id: String) throws {
    let recorded = try #require(Self.cases.first { $0["id"]?.string == id })
    let file = try #require(recorded["model"]?.string)
    var arguments = [
      "memory", SmolLM2Models.folder + "/" + file, "--json",
      "--cache-type-k", recorded["cache_type_k"]?.string ?? "",
      "--cache-type-v", recorded["cache_type_v"]?.string ?? "",
      "--flash-attn", recorded["flash_attn"]?.string ?? "",
      "--batch", "\(recorded["n_batch_requested"]?.number?.int ?? 0)",
      "--ubatch", "\(recorded["n_ubatch_requested"]?.number?.int ?? 0)",
      "--parallel", "\(recorded["n_seq"]?.number?.int ?? 0)",
    ]
    if let context = recorded["n_ctx_context"]?.number?.int {
      arguments += ["--context", "\(context)"]
    }
    if recorded["load_mode"]?.string == "none" { arguments.append("--no-mmap") }
    if recorded["kv_unified_requested"]?.bool == true { arguments.append("--kv-unified") }
    let result = try SpindleProcess.run(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONValue.parse(result.stdout)
    let llama = try #require(document["llama_cpp"]?.object)
    let lines = try #require(llama["lines"]?.array)
    func mib(_ name: String) -> String? {
      lines.first { $0["name"]?.string == name }?["mib"]?.string
    }
    #expect(mib("weights") == recorded["model_buffer_mib"]?.string)
    #expect(mib("KV cache") == recorded["kv_buffer_mib"]?.string)
    #expect(mib("output") == recorded["output_buffer_mib"]?.string)
    #expect(llama["context"]?.number?.int == recorded["n_ctx"]?.number?.int)
    let printed = try [
      "model_buffer_mib", "kv_buffer_mib", "compute_buffer_mib", "output_buffer_mib",
    ]
    .map { key in try #require(recorded[key]?.string.flatMap(Double.init)) }.reduce(0, +)
    let total = try #require(llama["total_mib"]?.string.flatMap(Double.init))
    #expect((total - printed).magnitude / printed <= 0.05)
  }

  @Test func quantizedValueCacheWithoutFlashAttentionIsRefused() throws {
    let result = try SpindleProcess.run(
      "memory", SmolLM2Models.quantized, "--cache-type", "q4_0", "--flash-attn", "off")
    #expect(result.status == 1)
    #expect(result.stderr.contains("quantized V cache requires flash_attn"))
  }
}
