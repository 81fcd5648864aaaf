import Deployment
import Formats
import Tensors
import TestSupport
import Testing

/// `LlamaCppMemory` against what llama.cpp printed when loading SmolLM2-135M
/// (`fixtures/memory/record-llama-cpp.sh`: 5 contexts × 3 cache types × flash attention on and
/// off, both files, and variations of batch, micro-batch, sequences and loading).
struct LlamaCppMemoryTests {
  /// SmolLM2-135M's shape (`spindle inspect`): the recorded cases differ only in options.
  static let smolLM2 = ModelShape(
    layerCount: 30, embeddingLength: 576, feedForwardLength: 1536, headCount: 9,
    keyValueHeadCount: 3, keyHeadDimension: 64, valueHeadDimension: 64, vocabularySize: 49152,
    contextLength: 8192, parameterCount: 134_515_008)

  /// Each file's weights as llama.cpp mapped them (its `CPU_Mapped model buffer size`, checked
  /// against the files themselves by the SmolLM2 CLI suite).
  static let weights = [
    "SmolLM2-135M-Instruct.Q4_1.gguf": 96_576_768, "smollm2-f32.gguf": 538_060_032,
  ]

  static let cases: [JSONObject] = {
    (try? Repository.recordedJSON("memory/llama-cpp-smollm2.json")["cases"]?.array)?
      .compactMap(\.object) ?? []
  }()

  static func options(_ recorded: JSONObject) -> LlamaCppMemory.Options {
    var options = LlamaCppMemory.Options()
    options.context = recorded["n_ctx_context"]?.number?.int
    options.keyCacheType = cacheType(recorded["cache_type_k"]?.string)
    options.valueCacheType = cacheType(recorded["cache_type_v"]?.string)
    options.flashAttention = recorded["flash_attn"]?.string != "off"
    options.batch = recorded["n_batch_requested"]?.number?.int ?? 2048
    options.microBatch = recorded["n_ubatch_requested"]?.number?.int ?? 512
    options.sequences = recorded["n_seq"]?.number?.int ?? 1
    options.unifiedCache = recorded["kv_unified_requested"]?.bool ?? false
    options.mapped = recorded["load_mode"]?.string == "mmap"
    return options
  }

  /// The ggml type llama.cpp names `name` (`f16`, `q8_0`, `q4_0`).
  static func cacheType(_ name: String?) -> DType {
    DType.allCases.first { $0.name.lowercased() == name } ?? .f16
  }

  @Test func everyCaseIsRecorded() {
    #expect(Self.cases.count == 80)
  }

  /// The cells, K, V and total cache as llama.cpp printed them, to the digit; the output
  /// buffer; the compute buffer within 5 % of the allocator's exact bytes; the total within
  /// 5 % of the sum of llama.cpp's buffers. Refused requests are refused.
  @Test(arguments: cases.map { $0["id"]?.string ?? "" })
  func matchesLlamaCpp(id: String) throws {
    let recorded = try #require(Self.cases.first { $0["id"]?.string == id })
    let file = try #require(recorded["model"]?.string)
    let weights = try #require(Self.weights[file])
    let options = Self.options(recorded)
    guard recorded["exit_status"]?.number?.int == 0 else {
      #expect(recorded["error"]?.string?.contains("quantized V cache requires flash_attn") == true)
      #expect(throws: LlamaCppMemory.Refusal.quantizedValueCacheNeedsFlashAttention) {
        try LlamaCppMemory(shape: Self.smolLM2, weightBytes: weights, options: options)
      }
      return
    }
    let memory = try LlamaCppMemory(shape: Self.smolLM2, weightBytes: weights, options: options)
    #expect(memory.contextLength == recorded["n_ctx"]?.number?.int)
    #expect(memory.cellsPerStream == recorded["kv_cells"]?.number?.int)
    #expect(memory.streams == recorded["kv_streams"]?.number?.int)
    #expect(memory.microBatch == recorded["n_ubatch"]?.number?.int)
    let kvText = LlamaCppMemory.mebibytes(memory.cacheBytes, singlePrecision: true)
    #expect(kvText == recorded["kv_size_mib"]?.string)
    #expect(
      LlamaCppMemory.mebibytes(memory.keyBytes, singlePrecision: true) == recorded["k_mib"]?.string)
    #expect(
      LlamaCppMemory.mebibytes(memory.valueBytes, singlePrecision: true)
        == recorded["v_mib"]?.string)
    #expect(LlamaCppMemory.mebibytes(memory.cacheBytes) == recorded["kv_buffer_mib"]?.string)
    #expect(LlamaCppMemory.mebibytes(memory.weightBytes) == recorded["model_buffer_mib"]?.string)
    #expect(LlamaCppMemory.mebibytes(memory.outputBytes) == recorded["output_buffer_mib"]?.string)

    let compute = try #require(recorded["compute_buffer_bytes"]?.number?.int)
    let computeError = Double(memory.computeBytes - compute) / Double(compute)
    #expect(computeError.magnitude <= 0.05, "compute \(memory.computeBytes) vs \(compute)")
    let printed = try [
      "model_buffer_mib", "kv_buffer_mib", "compute_buffer_mib", "output_buffer_mib",
    ]
    .map { key in try #require(recorded[key]?.string.flatMap(Double.init)) }
    .reduce(0, +)
    let total = Double(memory.totalBytes) / 1024 / 1024
    #expect((total - printed).magnitude / printed <= 0.05, "total \(total) vs \(printed) MiB")
  }
}
