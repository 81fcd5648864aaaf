/// One allocation of a memory report: what it is, its bytes, and the formula with the
/// model's numbers in it.
public struct MemoryLine: Hashable, Sendable {
  public var name: String
  public var bytes: Int
  public var formula: String
  /// Whether the bytes are an estimate rather than what the runtime allocates.
  public var isEstimate = false
}

extension LlamaCppMemory {
  /// The report's lines for `shape`: weights, KV cache, compute and output buffers.
  public func lines(shape: ModelShape) -> [MemoryLine] {
    let cells = "\(cellsPerStream) cells" + (streams > 1 ? " × \(streams) streams" : "")
    let kv = shape.keyValueHeadCount
    return [
      MemoryLine(
        name: "weights", bytes: weightBytes,
        formula: options.mapped
          ? "mapped: the file's tensor data, first tensor to last"
          : "loaded: every tensor's bytes, rounded up to 32"),
      MemoryLine(
        name: "KV cache", bytes: cacheBytes,
        formula: "\(shape.layerCount) layers × \(cells) × (K \(kv)×\(shape.keyHeadDimension)"
          + " \(options.keyCacheType.name.lowercased()) + V \(kv)×\(shape.valueHeadDimension)"
          + " \(options.valueCacheType.name.lowercased()))"),
      MemoryLine(
        name: "compute", bytes: computeBytes,
        formula: "estimate: ggml-alloc's peak for \(reservedTokens) tokens against \(cells),"
          + " flash attention \(options.flashAttention ? "on" : "off")",
        isEstimate: true),
      MemoryLine(
        name: "output", bytes: outputBytes,
        formula: "4 B × \(shape.vocabularySize) logits × \(max(options.sequences, 1)) sequence(s)"),
    ]
  }
}

extension LlamaCppMemory {
  /// What a reader of the lines should know: a declared sliding window llama.cpp does not use.
  public func notes(shape: ModelShape) -> [String] {
    guard let window = shape.slidingWindow else { return [] }
    let reason =
      shape.slidingWindowDisabledBy.map { "llama.cpp turns it off for this architecture (\($0))" }
      ?? "llama.cpp does not use it"
    return [
      "the model declares a sliding window of \(window) tokens; \(reason), so every layer"
        + " caches all \(cellsPerStream) cells"
    ]
  }
}

extension PythonRuntimeMemory {
  /// The report's lines for `shape`: bf16 weights and each runtime's KV cache.
  public func lines(shape: ModelShape) -> [MemoryLine] {
    let perToken =
      "\(shape.layerCount) layers × \(shape.keyValueHeadCount) KV heads ×"
      + " (\(shape.keyHeadDimension) + \(shape.valueHeadDimension)) × 2 B"
    return [
      MemoryLine(
        name: "weights (bf16)", bytes: weightBytes,
        formula: "2 B × \(shape.parameterCount) parameters"),
      MemoryLine(
        name: "transformers KV cache", bytes: transformersCacheBytes,
        formula: "\(perToken) × \(context) tokens"),
      MemoryLine(
        name: "vLLM KV cache", bytes: vllmCacheBytes,
        formula: "\(perToken) × \((context + 15) / 16 * 16) tokens (blocks of 16)"),
    ]
  }
}
