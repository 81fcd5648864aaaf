/// One hyperparameter a description maps between formats (the fields of
/// ``Inference/LlamaConfiguration`` plus what selects the block recipe).
public enum Hyperparameter: String, Hashable, Sendable, CaseIterable {
  case layerCount, embeddingLength, feedForwardLength, headCount, keyValueHeadCount
  case headDimension, normEpsilon, vocabularySize, contextLength
  /// Rotated dimensions per head: GGUF `rope.dimension_count`; transformers gives the
  /// fraction of the head (`partial_rotary_factor`, GPT-NeoX `rotary_pct`).
  case rotaryDimension
  /// GPT-NeoX `use_parallel_residual`.
  case parallelResidual
  /// transformers `tie_word_embeddings` (GGUF: the absence of `output.weight`).
  case tiedEmbeddings
  /// transformers `hidden_act` of a GELU network (`gelu`, `gelu_new`, …).
  case activation
}
