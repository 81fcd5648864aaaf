/// The sizes of a decoder that decide what a runtime allocates for it.
public struct ModelShape: Hashable, Sendable {
  public var layerCount: Int
  public var embeddingLength: Int
  public var feedForwardLength: Int
  public var headCount: Int
  public var keyValueHeadCount: Int
  /// Per-head key and value sizes (llama.cpp `n_embd_head_k`, `n_embd_head_v`).
  public var keyHeadDimension: Int
  public var valueHeadDimension: Int
  public var vocabularySize: Int
  /// The context the file declares (`{arch}.context_length`, `max_position_embeddings`):
  /// llama.cpp's default `n_ctx`.
  public var contextLength: Int
  /// Parameters, for the bf16 estimates of the Python runtimes.
  public var parameterCount: Int
  /// The sliding window the file declares (`{arch}.attention.sliding_window`, config.json
  /// `sliding_window`), and where llama.cpp turns it off for this architecture; see
  /// ``LlamaCppMemory/notes(shape:)``.
  public var slidingWindow: Int?
  public var slidingWindowDisabledBy: String?

  public init(
    layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int,
    keyValueHeadCount: Int, keyHeadDimension: Int, valueHeadDimension: Int, vocabularySize: Int,
    contextLength: Int, parameterCount: Int
  ) {
    self.layerCount = layerCount
    self.embeddingLength = embeddingLength
    self.feedForwardLength = feedForwardLength
    self.headCount = headCount
    self.keyValueHeadCount = keyValueHeadCount
    self.keyHeadDimension = keyHeadDimension
    self.valueHeadDimension = valueHeadDimension
    self.vocabularySize = vocabularySize
    self.contextLength = contextLength
    self.parameterCount = parameterCount
  }
}
