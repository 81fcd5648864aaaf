/// What transformers and vLLM hold for a model in bf16: the weights and the KV cache of one
/// sequence; activations and the runtime's own buffers are not modelled.
///
/// ```
/// weights  = 2 · parameters
/// KV cache = layers · kv_heads · (head_dim_k + head_dim_v) · tokens · 2 bytes
/// ```
///
/// transformers' `DynamicCache` grows to the tokens seen, so `tokens` is the context; vLLM
/// allocates the cache in blocks of 16 tokens (`--block-size` default), so `tokens` is the
/// context rounded up to 16, and it reserves whatever `gpu_memory_utilization` leaves for
/// more sequences.
public struct PythonRuntimeMemory: Hashable, Sendable {
  public var context: Int
  public var weightBytes: Int
  public var transformersCacheBytes: Int
  public var vllmCacheBytes: Int

  public init(shape: ModelShape, context: Int) {
    self.context = context
    weightBytes = 2 * shape.parameterCount
    let perToken =
      shape.layerCount * shape.keyValueHeadCount
      * (shape.keyHeadDimension + shape.valueHeadDimension) * 2
    transformersCacheBytes = perToken * context
    vllmCacheBytes = perToken * ((context + 15) / 16 * 16)
  }
}
