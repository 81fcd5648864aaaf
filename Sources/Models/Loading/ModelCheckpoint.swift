public import Inference
public import RoPE

/// A checkpoint opened as a model: hyperparameters, tensor views by role and rotary settings,
/// read through its architecture's description.
///
/// ```swift
/// let checkpoint = try ModelCheckpoint(path: "model.gguf.zst")   // or an HF folder, …
/// let model = try checkpoint.model(rotary: .llamaCpp, numericMode: .llamaCpp)
/// let logits = try model.logits(tokens: [1, 2, 3])
/// ```
///
/// Opens every path `spindle inspect` opens (Formats' `Checkpoint.open`): GGUF files and split
/// sets, safetensors files and sharded sets (with the `config.json` beside them), Hugging Face
/// folders, and zstd-compressed files. Only headers are parsed; weights stay in their mapped
/// files, fused tensors are split into row views of the mapping, and only GPT-NeoX's
/// per-head interleaved `query_key_value` is gathered into owned bytes.
public struct ModelCheckpoint: Sendable {
  /// Where the rotary angles come from.
  public enum RotarySource: String, Hashable, Sendable, CaseIterable {
    /// The kernel arguments llama.cpp derives from this checkpoint (`GGMLRoPE`): iterative
    /// Float angles, `rope_freqs` or LongRoPE factors, YaRN blend, `rope.scaling.attn_factor`.
    case llamaCpp
    /// The runtime tables of the declared scaling (`RoPEScaling.frequencies`), divided by the
    /// `rope_freqs` factors when the file carries them: `θ = p · inv_i`.
    case runtime
  }

  /// Which LongRoPE factor table a forward pass uses.
  ///
  /// llama.cpp picks `rope_factors_long` when the context it runs per sequence (`n_ctx`,
  /// which defaults to the model's `context_length`) exceeds `n_ctx_orig_yarn`
  /// (`llama_model::get_rope_factors`); transformers picks `long_factor` when the sequence
  /// being run (`max(position_ids) + 1`) exceeds `original_max_position_embeddings`
  /// (`longrope_frequency_update`). Both rules are ``context(_:)`` with their own length.
  public enum LongRoPEFactors: Hashable, Sendable {
    case short
    case long
    /// Long when the length exceeds the original context.
    case context(Int)
  }

  /// The file or folder opened.
  public let path: String
  /// GGUF `general.architecture` of the description (`llama`, `qwen2`, `phi3`, `gptneox`).
  public var architecture: String { definition.ggufName }
  /// The architecture description the checkpoint was read through.
  public let definition: Architecture
  /// The format of the weights.
  public let format: ModelFormat
  /// The hyperparameters and block recipe.
  public let configuration: LlamaConfiguration
  /// The tensors, one view per role.
  public let weights: LlamaWeights
  /// The pairing the Q/K rows are stored for.
  public let rotaryLayout: RotaryEmbedding.Layout
  /// The rotary settings as declared (scaling, base, lengths).
  public let ropeSettings: RoPESettings
  /// The rotary geometry.
  public let rotaryConfiguration: RotaryConfiguration
  /// The `rope_freqs.weight` tensor (divisors of `θ_i`), when the file carries one.
  public let frequencyFactors: [Float]?
  /// The GGUF LongRoPE tables (`rope_factors_short.weight`, `rope_factors_long.weight`).
  public let longRoPETables: (short: [Float], long: [Float])?
  /// `rope.scaling.attn_factor` (GGUF), multiplied into the rotation magnitude; 1 otherwise.
  public let ropeAttentionFactor: Float

  init(
    path: String, definition: Architecture, format: ModelFormat,
    configuration: LlamaConfiguration, weights: LlamaWeights, ropeSettings: RoPESettings,
    rotaryConfiguration: RotaryConfiguration, frequencyFactors: [Float]?,
    longRoPETables: (short: [Float], long: [Float])?, ropeAttentionFactor: Float
  ) {
    self.path = path
    self.definition = definition
    self.format = format
    self.configuration = configuration
    self.weights = weights
    self.rotaryLayout = definition.rotaryLayout(format)
    self.ropeSettings = ropeSettings
    self.rotaryConfiguration = rotaryConfiguration
    self.frequencyFactors = frequencyFactors
    self.longRoPETables = longRoPETables
    self.ropeAttentionFactor = ropeAttentionFactor
  }

  /// A model over these weights.
  ///
  /// - Parameters:
  ///   - longRoPE: the LongRoPE table; `nil` is the source's runtime default (see
  ///     ``rotary(_:longRoPE:)``).
  ///   - flashAttention: with llama.cpp numerics, llama.cpp's flash-attention path
  ///     (``Inference/LlamaModel/flashAttention``).
  /// - Throws: `model` when a tensor does not fit the configuration, `settings` for the rotary.
  public func model(
    rotary source: RotarySource = .llamaCpp, longRoPE: LongRoPEFactors? = nil,
    numericMode: NumericMode = .exact, flashAttention: Bool = false
  ) throws(ModelError) -> LlamaModel {
    try model(
      rotary: rotary(source, longRoPE: longRoPE), numericMode: numericMode,
      flashAttention: flashAttention)
  }

  /// A model over these weights with a caller-made rotary description (baked tables, say).
  public func model(
    rotary: RotaryEmbedding, numericMode: NumericMode = .exact, flashAttention: Bool = false
  ) throws(ModelError) -> LlamaModel {
    do {
      var model = try LlamaModel(
        configuration: configuration, weights: weights, rotary: rotary, numericMode: numericMode)
      model.flashAttention = flashAttention
      return model
    } catch {
      throw ModelError(error, path: path)
    }
  }
}
