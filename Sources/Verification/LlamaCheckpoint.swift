public import Inference
public import Models
public import RoPE

/// A llama-family checkpoint opened for the forward pass: hyperparameters, tensor views and
/// rotary settings read from a GGUF file or a Hugging Face folder.
///
/// ```swift
/// let checkpoint = try LlamaCheckpoint(path: "model.gguf")   // or an HF folder
/// let model = try checkpoint.model(rotary: .llamaCpp, numericMode: .llamaCpp)
/// let logits = try model.logits(tokens: [1, 2, 3])
/// ```
///
/// Only headers are parsed; the weights stay in their mapped files.
public struct LlamaCheckpoint: Sendable {
  /// Where the rotary angles come from.
  public enum RotarySource: String, Hashable, Sendable, CaseIterable {
    /// The kernel arguments llama.cpp derives from this checkpoint (`GGMLRoPE`): iterative
    /// Float angles, `rope_freqs` frequency factors, YaRN blend, `rope.scaling.attn_factor`.
    case llamaCpp
    /// The runtime tables of the declared scaling (`RoPEScaling.frequencies`), divided by the
    /// `rope_freqs` factors when the file carries them: `θ = p · inv_i`.
    case runtime
  }

  /// The file or folder opened.
  public let path: String
  /// `general.architecture` or `model_type` (`llama`, `qwen2`, `qwen3`).
  public let architecture: String
  /// The hyperparameters.
  public let configuration: LlamaConfiguration
  /// The tensors.
  public let weights: LlamaWeights
  /// The pairing the Q/K rows are stored for.
  public let rotaryLayout: RotaryEmbedding.Layout
  /// The rotary settings as declared (scaling, base, lengths).
  public let ropeSettings: RoPESettings
  /// The rotary geometry.
  public let rotaryConfiguration: RotaryConfiguration
  /// The `rope_freqs.weight` tensor (divisors of `θ_i`), when the file carries one.
  public let frequencyFactors: [Float]?
  /// `rope.scaling.attn_factor` (GGUF), multiplied into the rotation magnitude; 1 otherwise.
  public let ropeAttentionFactor: Float

  /// Opens a GGUF file (`.gguf`) or a Hugging Face folder (anything else).
  public init(path: String) throws(VerificationError) {
    if path.hasSuffix(".gguf") {
      try self.init(gguf: path)
    } else {
      try self.init(huggingFace: path)
    }
  }

  init(
    path: String, architecture: String, configuration: LlamaConfiguration, weights: LlamaWeights,
    rotaryLayout: RotaryEmbedding.Layout, ropeSettings: RoPESettings,
    rotaryConfiguration: RotaryConfiguration, frequencyFactors: [Float]?,
    ropeAttentionFactor: Float
  ) {
    self.path = path
    self.architecture = architecture
    self.configuration = configuration
    self.weights = weights
    self.rotaryLayout = rotaryLayout
    self.ropeSettings = ropeSettings
    self.rotaryConfiguration = rotaryConfiguration
    self.frequencyFactors = frequencyFactors
    self.ropeAttentionFactor = ropeAttentionFactor
  }

  /// The rotary description from `source`.
  ///
  /// - Throws: `settings` when the scaling is invalid for the geometry.
  public func rotary(_ source: RotarySource) throws(VerificationError) -> RotaryEmbedding {
    let d = rotaryConfiguration.rotaryDimension
    switch source {
    case .llamaCpp:
      var kernel: GGMLRoPE
      do {
        kernel = try GGMLRoPE(scaling: ropeSettings.scaling, configuration: rotaryConfiguration)
      } catch {
        throw VerificationError(.settings, path: path, name: "rope", error.description)
      }
      kernel.attentionFactor *= ropeAttentionFactor
      if let frequencyFactors { kernel.frequencyFactors = frequencyFactors }
      return RotaryEmbedding(layout: rotaryLayout, dimensionCount: d, angles: .ggml(kernel))
    case .runtime:
      var frequencies: RoPEFrequencies
      do {
        frequencies = try ropeSettings.scaling.frequencies(for: rotaryConfiguration)
      } catch {
        throw VerificationError(.settings, path: path, name: "rope", error.description)
      }
      if let frequencyFactors {
        for i in frequencies.inverseFrequencies.indices where i < frequencyFactors.count {
          frequencies.inverseFrequencies[i] /= frequencyFactors[i]
        }
      }
      if case .none = ropeSettings.scaling { frequencies.attentionFactor = ropeAttentionFactor }
      return RotaryEmbedding(layout: rotaryLayout, frequencies: frequencies)
    }
  }

  /// A model over these weights.
  ///
  /// - Throws: `model` when a tensor does not fit the configuration, `settings` for the rotary.
  public func model(
    rotary source: RotarySource = .llamaCpp, numericMode: NumericMode = .exact
  ) throws(VerificationError) -> LlamaModel {
    try model(rotary: rotary(source), numericMode: numericMode)
  }

  /// A model over these weights with a caller-made rotary description (baked tables, say).
  public func model(
    rotary: RotaryEmbedding, numericMode: NumericMode = .exact
  ) throws(VerificationError) -> LlamaModel {
    do {
      return try LlamaModel(
        configuration: configuration, weights: weights, rotary: rotary, numericMode: numericMode)
    } catch {
      throw VerificationError(error, path: path)
    }
  }
}
