/// What one decoder block computes, beyond its sizes: the norm, the feed-forward network and
/// how the two sub-layers join the residual stream.
///
/// llama, mistral, qwen2, qwen3 and phi3 share ``llama``; GPT-NeoX is
/// `BlockRecipe(normalization: .layer, feedForward: .gelu(.erf), residual: .parallel)`.
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
    /// `out = x + attn(norm₁(x)) + ffn(norm₂(x))` (GPT-NeoX `use_parallel_residual`).
    case parallel
  }

  public var normalization: Normalization
  public var feedForward: FeedForward
  public var residual: Residual

  /// Creates a recipe; the defaults are the llama block.
  public init(
    normalization: Normalization = .rms, feedForward: FeedForward = .swiGLU,
    residual: Residual = .sequential
  ) {
    self.normalization = normalization
    self.feedForward = feedForward
    self.residual = residual
  }

  /// RMSNorm, SwiGLU, sequential residual.
  public static let llama = BlockRecipe()
}
