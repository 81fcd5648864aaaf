public import Inference

/// What one tensor, or one part of a fused tensor, is in a decoder.
///
/// A role's shape depends only on the hyperparameters (``shape(_:rotaryDimension:)``), so an
/// architecture names the stored tensors and which roles each holds, never their sizes.
public enum TensorRole: String, Hashable, Sendable, CaseIterable {
  case tokenEmbedding, outputNorm, outputNormBias, output, outputBias
  /// llama.cpp's `rope_freqs.weight`: one divisor of `θ_i` per rotary pair.
  case ropeFrequencies
  /// llama.cpp's LongRoPE tables (`rope_factors_long.weight`, `rope_factors_short.weight`).
  case ropeFactorsLong, ropeFactorsShort
  case attentionNorm, attentionNormBias
  case query, key, value, queryBias, keyBias, valueBias
  case attentionOutput, attentionOutputBias
  /// Per-head RMSNorm weights over queries and keys (qwen3).
  case queryNorm, keyNorm
  case feedForwardNorm, feedForwardNormBias
  case gate, up, upBias, down, downBias

  /// Whether every decoder block has its own tensor for this role.
  public var isPerLayer: Bool {
    switch self {
    case .tokenEmbedding, .outputNorm, .outputNormBias, .output, .outputBias, .ropeFrequencies,
      .ropeFactorsLong, .ropeFactorsShort:
      false
    default: true
    }
  }

  /// The row-major shape (outermost first, as ``TensorView/shape``) this role has.
  ///
  /// Matrices are `[rows, columns]` = `[outputs, inputs]`, transformers' `nn.Linear` layout
  /// and GGUF's `ne` reversed.
  public func shape(_ c: LlamaConfiguration, rotaryDimension: Int) -> [Int] {
    let e = c.embeddingLength
    switch self {
    case .tokenEmbedding, .output: return [c.vocabularySize, e]
    case .outputBias: return [c.vocabularySize]
    case .outputNorm, .outputNormBias, .attentionNorm, .attentionNormBias, .feedForwardNorm,
      .feedForwardNormBias, .attentionOutputBias, .downBias:
      return [e]
    case .ropeFrequencies, .ropeFactorsLong, .ropeFactorsShort: return [rotaryDimension / 2]
    case .query: return [c.queryLength, e]
    case .key, .value: return [c.keyValueLength, e]
    case .queryBias: return [c.queryLength]
    case .keyBias, .valueBias: return [c.keyValueLength]
    case .attentionOutput: return [e, c.queryLength]
    case .queryNorm, .keyNorm: return [c.headDimension]
    case .gate, .up: return [c.feedForwardLength, e]
    case .upBias: return [c.feedForwardLength]
    case .down: return [e, c.feedForwardLength]
    }
  }
}
