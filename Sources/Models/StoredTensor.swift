/// One tensor as a checkpoint stores it: its names in both formats, the roles it holds and
/// how their rows are arranged in each format.
///
/// Names are below the layer prefix for per-layer tensors (`attn_qkv.weight`, GGUF's
/// `blk.N.` and the architecture's ``Architecture/huggingFaceLayerPrefix`` come first) and
/// whole for model tensors (`token_embd.weight`). A `nil` name means the format has no such
/// tensor (llama.cpp's `rope_freqs` has no transformers counterpart).
public struct StoredTensor: Hashable, Sendable {
  /// Whether a checkpoint must carry the tensor.
  public enum Presence: Hashable, Sendable {
    case required
    case optional
    /// One of several tensors holding the same roles (fused `attn_qkv` or separate
    /// `attn_q`/`attn_k`/`attn_v`, as llama.cpp's `create_tensor_qkv` accepts): its roles are
    /// required, from this tensor or another alternative.
    case alternative
  }

  /// How the rows of the roles follow each other in the stored tensor.
  public enum Arrangement: Hashable, Sendable {
    /// Whole row blocks, one per role, in ``StoredTensor/roles`` order (phi3's `qkv_proj` is
    /// `[Q; K; V]`, its `gate_up_proj` `[gate; up]`). A single role is the tensor itself.
    case stacked
    /// Interleaved per attention head: for each head, `headDimension` rows of each role in
    /// order (GPT-NeoX's `query_key_value`, `[h][q,k,v][d]`); vectors likewise.
    case perHead
    /// One query or key projection whose rows llama.cpp's converter permuted (`permute` in
    /// `convert_hf_to_gguf.py`) so that a `LLAMA_ROPE_TYPE_NORM` graph rotates adjacent pairs:
    /// see ``QueryKeyPermutation``.
    case ropePermuted
  }

  /// The roles held, in stored order.
  public var roles: [TensorRole]
  /// GGUF name (below `blk.N.` for per-layer roles).
  public var gguf: String?
  /// transformers name (below the layer prefix for per-layer roles).
  public var huggingFace: String?
  public var presence: Presence
  /// The arrangement in GGUF.
  public var ggufArrangement: Arrangement
  /// The arrangement in transformers' checkpoints.
  public var huggingFaceArrangement: Arrangement

  /// Creates a stored tensor; one role and plain rows unless told otherwise.
  public init(
    _ roles: [TensorRole], gguf: String?, huggingFace: String?, _ presence: Presence = .required,
    ggufArrangement: Arrangement = .stacked, huggingFaceArrangement: Arrangement = .stacked
  ) {
    self.roles = roles
    self.gguf = gguf
    self.huggingFace = huggingFace
    self.presence = presence
    self.ggufArrangement = ggufArrangement
    self.huggingFaceArrangement = huggingFaceArrangement
  }

  /// Whether each block has its own copy (`blk.N.`).
  public var isPerLayer: Bool { roles.first?.isPerLayer ?? false }

  /// The stored name in `format`, in `layer` for per-layer tensors.
  public func name(_ format: ModelFormat, layer: Int = 0, in architecture: Architecture)
    -> String?
  {
    switch format {
    case .gguf: gguf.map { isPerLayer ? "blk.\(layer).\($0)" : $0 }
    case .huggingFace:
      huggingFace.map { isPerLayer ? "\(architecture.huggingFaceLayerPrefix)\(layer).\($0)" : $0 }
    }
  }

  /// The arrangement in `format`.
  public func arrangement(_ format: ModelFormat) -> Arrangement {
    format == .gguf ? ggufArrangement : huggingFaceArrangement
  }
}
