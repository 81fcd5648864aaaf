import Formats

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

extension Hyperparameter {
  /// The largest value Spindle reads for this hyperparameter (see ``Formats/Limits``), or
  /// `nil` when it is not a size.
  public var limit: Int? {
    switch self {
    case .layerCount: Limits.layers
    case .embeddingLength: Limits.embeddingLength
    case .feedForwardLength: Limits.feedForwardLength
    case .headCount, .keyValueHeadCount: Limits.attentionHeads
    case .headDimension, .rotaryDimension: Limits.headDimension
    case .vocabularySize: Limits.vocabularyTokens
    case .contextLength: Limits.contextTokens
    case .normEpsilon, .parallelResidual, .tiedEmbeddings, .activation: nil
    }
  }
}
