public import RoPE

/// A model's rotary settings as a checkpoint declares them: the scaling, the context lengths and
/// what is known of the rotary geometry.
///
/// Read from a Hugging Face config (``init(huggingFace:path:force:)``), GGUF metadata
/// (``init(ggufMetadata:path:force:)``) or safetensors `__metadata__`; written back as a
/// config.json edit, GGUF key edits or metadata strings. Geometry fields are optional because
/// a bare safetensors file or a minimal config may not carry them; a scaling can be stamped
/// without them.
public struct RoPESettings: Hashable, Sendable {
  /// The scaling method and its parameters (`.none` when the model is unscaled).
  public var scaling: RoPEScaling
  /// `max_position_embeddings` / GGUF `{arch}.context_length`: the context after scaling.
  public var contextLength: Int?
  /// `original_max_position_embeddings` / GGUF `rope.scaling.original_context_length`: the
  /// context the model was pre-trained with.
  public var originalContextLength: Int?
  /// `rope_theta` / GGUF `rope.freq_base`.
  public var base: Double?
  /// `head_dim` (or `hidden_size / num_attention_heads`; GGUF `attention.key_length`).
  public var headDimension: Int?
  /// `partial_rotary_factor`.
  public var partialRotaryFactor: Double?
  /// GGUF `rope.dimension_count`, when the file states it.
  public var rotaryDimension: Int?
  /// Hugging Face per-layer-type scalings other than `full_attention`, left untouched.
  public var otherLayerTypes: [String] = []
  /// Problems tolerated under `force`, and notes a person should see; printed as warnings.
  public var warnings: [String] = []

  /// Creates settings from their parts.
  public init(
    scaling: RoPEScaling, contextLength: Int? = nil, originalContextLength: Int? = nil,
    base: Double? = nil, headDimension: Int? = nil, partialRotaryFactor: Double? = nil,
    rotaryDimension: Int? = nil
  ) {
    self.scaling = scaling
    self.contextLength = contextLength
    self.originalContextLength = originalContextLength
    self.base = base
    self.headDimension = headDimension
    self.partialRotaryFactor = partialRotaryFactor
    self.rotaryDimension = rotaryDimension
  }

  /// The scale factor `s`: the scaling's own, or `context / original` for dynamic YaRN.
  ///
  /// `nil` for `.none` and for LongRoPE without enough lengths to derive it.
  public var factor: Double? {
    switch scaling {
    case .none: nil
    case .linear(let factor), .ntkAware(let factor), .dynamicNTK(let factor),
      .yarn(let factor, _), .llama3(let factor, _, _):
      factor
    case .dynamicYaRN, .longRoPE(_, _, nil, _):
      contextLength.flatMap { context in
        originalContextLength.map { Double(context) / Double($0) }
      }
    case .longRoPE(_, _, let factor?, _): factor
    }
  }

  /// The geometry as the `RoPE` module takes it, when the head size is known.
  public var rotaryConfiguration: RotaryConfiguration? {
    guard let contextLength else { return nil }
    let head = headDimension ?? rotaryDimension
    guard let head else { return nil }
    return RotaryConfiguration(
      base: base ?? 10_000, headDimension: head,
      partialRotaryFactor: headDimension == nil ? 1 : partialRotaryFactor ?? 1,
      maxPositionEmbeddings: contextLength, originalContextLength: originalContextLength)
  }

  /// Whether two settings describe the same scaling: method, parameters and both lengths.
  public func sameScaling(as other: RoPESettings) -> Bool {
    scaling == other.scaling && contextLength == other.contextLength
      && originalContextLength == other.originalContextLength
  }

  /// One line for people: `yarn ×4 (original 2048 → 8192)`, `none (context 2048)`.
  public var summary: String {
    let context = contextLength.map(String.init) ?? "?"
    guard case .none = scaling else {
      let factor = self.factor.map(PatchError.number) ?? "?"
      let original = originalContextLength.map(String.init) ?? "?"
      return "\(scaling.ropeType) ×\(factor) (original \(original) → \(context))"
    }
    return "none (context \(context))"
  }
}
