/// The hyperparameters of a llama-family decoder: sizes, head layout and norm epsilon.
///
/// Names follow the GGUF keys they come from (`block_count`, `embedding_length`, …); the
/// Hugging Face `config.json` equivalents are noted per property.
public struct LlamaConfiguration: Hashable, Sendable {
  /// `block_count` / `num_hidden_layers`.
  public var layerCount: Int
  /// `embedding_length` / `hidden_size`.
  public var embeddingLength: Int
  /// `feed_forward_length` / `intermediate_size`.
  public var feedForwardLength: Int
  /// `attention.head_count` / `num_attention_heads`.
  public var headCount: Int
  /// `attention.head_count_kv` / `num_key_value_heads`; divides ``headCount``.
  public var keyValueHeadCount: Int
  /// `attention.key_length` / `head_dim`; defaults to `embeddingLength / headCount`.
  public var headDimension: Int
  /// Vocabulary size: rows of the token embedding.
  public var vocabularySize: Int
  /// `attention.layer_norm_rms_epsilon` / `rms_norm_eps`; for ``BlockRecipe/Normalization/layer``
  /// blocks, `attention.layer_norm_epsilon` / `layer_norm_eps`.
  public var rmsNormEpsilon: Float
  /// What each block computes.
  public var recipe: BlockRecipe

  /// Creates a configuration; `headDimension` defaults to `embeddingLength / headCount`.
  public init(
    layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int,
    keyValueHeadCount: Int? = nil, headDimension: Int? = nil, vocabularySize: Int,
    rmsNormEpsilon: Float = 1e-5, recipe: BlockRecipe = .llama
  ) {
    self.layerCount = layerCount
    self.embeddingLength = embeddingLength
    self.feedForwardLength = feedForwardLength
    self.headCount = headCount
    self.keyValueHeadCount = keyValueHeadCount ?? headCount
    self.headDimension = headDimension ?? (headCount > 0 ? embeddingLength / headCount : 0)
    self.vocabularySize = vocabularySize
    self.rmsNormEpsilon = rmsNormEpsilon
    self.recipe = recipe
  }

  /// Rows of the query projection: `headCount × headDimension`.
  public var queryLength: Int { headCount * headDimension }
  /// Rows of the key and value projections: `keyValueHeadCount × headDimension`.
  public var keyValueLength: Int { keyValueHeadCount * headDimension }

  /// Checks that every size is positive and the heads group evenly.
  ///
  /// - Throws: `invalidConfiguration` naming the first offending parameter.
  public func validate() throws(InferenceError) {
    let sizes: [(String, Int)] = [
      ("block_count", layerCount), ("embedding_length", embeddingLength),
      ("feed_forward_length", feedForwardLength), ("head_count", headCount),
      ("head_count_kv", keyValueHeadCount), ("head_dim", headDimension),
      ("vocab_size", vocabularySize),
    ]
    for (name, value) in sizes where value <= 0 {
      throw InferenceError(
        .invalidConfiguration, name: name, "\(name) must be a positive integer, found \(value)")
    }
    guard headCount.isMultiple(of: keyValueHeadCount) else {
      throw InferenceError(
        .invalidConfiguration, name: "head_count_kv",
        "head_count (\(headCount)) must be a multiple of head_count_kv (\(keyValueHeadCount))")
    }
    guard rmsNormEpsilon.isFinite, rmsNormEpsilon >= 0 else {
      throw InferenceError(
        .invalidConfiguration, name: "rms_norm_eps",
        "layer_norm_rms_epsilon must be finite and >= 0, found \(rmsNormEpsilon)")
    }
  }
}
