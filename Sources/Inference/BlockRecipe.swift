/// What one decoder block computes, beyond its sizes: the norm, the feed-forward network and
/// how the two sub-layers join the residual stream.
///
/// llama, mistral, qwen2 and qwen3 share ``llama``; phi3 is `.llama` with
/// `attentionScaling: .queries`; GPT-NeoX is
/// `BlockRecipe(normalization: .layer, feedForward: .gelu(.erf), residual: .parallel)`
/// (`.sequential` when `use_parallel_residual` is false).
/// Optional tensors (biases, per-head q/k norms) are not part of the recipe: a block uses them
/// when its weights carry them.
public struct BlockRecipe: Hashable, Sendable {
  /// How a block normalizes its inputs (with ``LlamaConfiguration/rmsNormEpsilon`` as ε).
  public enum Normalization: String, Hashable, Sendable {
    /// `x / √(mean(x²) + ε) · w`.
    case rms
    /// `(x − mean(x)) / √(var(x) + ε) · w + b`: LayerNorm, with a bias when the weights carry one.
    case layer
  }

  /// The GELU form of a plain feed-forward network.
  public enum GELU: String, Hashable, Sendable {
    /// `x · Φ(x) = x/2 · (1 + erf(x/√2))`: transformers' `"gelu"`.
    case erf
    /// `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`: `"gelu_new"`, `"gelu_pytorch_tanh"`.
    case tanh
  }

  /// The feed-forward network.
  public enum FeedForward: Hashable, Sendable {
    /// `down(silu(gate(x)) ⊙ up(x))`.
    case swiGLU
    /// `down(gelu(up(x) + b_up)) + b_down`: no gate. llama.cpp numerics use ggml's GELU whatever
    /// the form (its CPU kernel reads an F16 table of the tanh form).
    case gelu(GELU)
  }

  /// How attention and feed-forward outputs join the residual stream.
  public enum Residual: String, Hashable, Sendable {
    /// `h = x + attn(norm₁(x)); out = h + ffn(norm₂(h))`.
    case sequential
    /// `out = x + attn(norm₁(x)) + ffn(norm₂(x))` (GPT-NeoX `use_parallel_residual`), added as
    /// `(ffn + attn) + x` in `.exact` numerics (transformers' `GPTNeoXLayer`) and
    /// `(ffn + x) + attn` in ``NumericMode/llamaCpp`` (llama.cpp's gptneox graph).
    case parallel
  }

  /// Where llama.cpp's graph applies attention's `1/√d`, which decides its rounding.
  ///
  /// The product is the same either way; ``NumericMode/llamaCpp`` follows the graph, `.exact`
  /// always scales the scores (transformers' `q·kᵀ · scaling`).
  public enum AttentionScaling: String, Hashable, Sendable {
    /// `softmax((K·q)·(1/√d))`: `build_attn(…, kq_scale = 1/√d)`, most graphs.
    case scores
    /// `q·(1/√d)` in Float after the rotation, before the F16 conversion of q, then
    /// `kq_scale = 1` (phi3's graph: `ggml_scale(Qcur, 1/sqrt(n_embd_head))`).
    case queries
  }

  public var normalization: Normalization
  public var feedForward: FeedForward
  public var residual: Residual
  public var attentionScaling: AttentionScaling

  /// Creates a recipe; the defaults are the llama block.
  public init(
    normalization: Normalization = .rms, feedForward: FeedForward = .swiGLU,
    residual: Residual = .sequential, attentionScaling: AttentionScaling = .scores
  ) {
    self.normalization = normalization
    self.feedForward = feedForward
    self.residual = residual
    self.attentionScaling = attentionScaling
  }

  /// RMSNorm, SwiGLU, sequential residual.
  public static let llama = BlockRecipe()
}
