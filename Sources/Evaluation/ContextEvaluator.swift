public import Inference
public import Models
import RoPE

/// Runs one checkpoint under each context method: builds the forward pass with the method's
/// rotary angles, and scores texts with it (``ContextEvaluator+Perplexity``).
///
/// Methods extend the checkpoint's original window `L`: its declared original context when it
/// carries a scaling, else its context length. Static methods (linear, NTK, YaRN) run with
/// context `s·L`; dynamic ones are measured against `L` itself and recomputed for each
/// sequence length. A checkpoint that carries frequency tables (`rope_freqs`, LongRoPE
/// factors) runs only ``ContextMethod/asStamped``: a method on top of its tables would scale
/// twice.
public struct ContextEvaluator: Sendable {
  /// The model evaluated.
  public let checkpoint: ModelCheckpoint
  /// The forward pass's rounding.
  public let numericMode: NumericMode
  /// With llama.cpp numerics, llama.cpp's flash-attention path (``Inference/LlamaModel/flashAttention``).
  public var flashAttention = false
  /// The window the methods extend, `L`.
  public let originalContextLength: Int

  public init(checkpoint: ModelCheckpoint, numericMode: NumericMode) {
    self.checkpoint = checkpoint
    self.numericMode = numericMode
    originalContextLength =
      checkpoint.ropeSettings.scaling == .none
      ? checkpoint.rotaryConfiguration.maxPositionEmbeddings
      : checkpoint.rotaryConfiguration.originalContextLength
  }

  /// Whether the checkpoint carries a scaling of its own (keys or frequency tables), which
  /// ``ContextMethod/asStamped`` evaluates.
  public var isStamped: Bool {
    checkpoint.ropeSettings.scaling != .none || checkpoint.frequencyFactors != nil
      || checkpoint.longRoPETables != nil
  }

  /// The forward pass for `method` at `factor`, for sequences of `sequenceLength` tokens
  /// (which dynamic methods and LongRoPE's table choice depend on).
  ///
  /// Angles: llama.cpp's kernel (`GGMLRoPE`: NTK as a raised `freq_base`, dynamic YaRN as
  /// YaRN at the recomputed factor) in ``NumericMode/llamaCpp``, the runtime tables (Double,
  /// as transformers) in ``NumericMode/exact``; ``ContextMethod/asStamped`` as the
  /// checkpoint's own runtime (llama.cpp for GGUF, transformers for a folder).
  public func model(
    _ method: ContextMethod, factor: Double, sequenceLength: Int
  ) throws(EvaluationError) -> LlamaModel {
    do {
      guard var scaling = method.scaling(factor: factor) else {
        if checkpoint.format == .gguf {
          return try checkpoint.model(
            rotary: .llamaCpp, numericMode: numericMode, flashAttention: flashAttention)
        }
        return try checkpoint.model(
          rotary: .runtime, longRoPE: .context(sequenceLength), numericMode: numericMode,
          flashAttention: flashAttention)
      }
      if checkpoint.frequencyFactors != nil || checkpoint.longRoPETables != nil {
        throw EvaluationError(
          .unsupportedMethod, path: checkpoint.path,
          "the model carries frequency tables (rope_freqs or LongRoPE factors): '\(method.rawValue)'"
            + " on top of them would scale twice; evaluate it as-stamped, or the model before"
            + " its tables were baked")
      }
      // Within the window both dynamic methods are the model itself (the base, and the
      // factor max(1, l/L), are the unscaled ones): run it as such, bit for bit.
      if method.isDynamic && sequenceLength <= originalContextLength { scaling = .none }
      let geometry = self.geometry(for: method, factor: factor)
      let rotary: RotaryEmbedding
      switch numericMode {
      case .llamaCpp:
        let kernel = try GGMLRoPE(
          scaling: scaling, configuration: geometry, sequenceLength: sequenceLength)
        rotary = RotaryEmbedding(
          layout: checkpoint.rotaryLayout, dimensionCount: geometry.rotaryDimension,
          angles: .ggml(kernel))
      case .exact:
        rotary = RotaryEmbedding(
          layout: checkpoint.rotaryLayout,
          frequencies: try scaling.frequencies(for: geometry, sequenceLength: sequenceLength))
      }
      return try checkpoint.model(
        rotary: rotary, numericMode: numericMode, flashAttention: flashAttention)
    } catch let error as EvaluationError {
      throw error
    } catch let error as RoPEError {
      throw EvaluationError(
        .unsupportedMethod, path: checkpoint.path, "\(method.rawValue): \(error.description)")
    } catch {
      throw EvaluationError(.model, path: checkpoint.path, "\(error)")
    }
  }

  /// The rotary geometry a method runs with: the checkpoint's base and head, original context
  /// `L`, and context `s·L` (`L` for the dynamic methods, which measure against it).
  func geometry(for method: ContextMethod, factor: Double) -> RotaryConfiguration {
    var geometry = checkpoint.rotaryConfiguration
    geometry.originalContextLength = originalContextLength
    geometry.maxPositionEmbeddings =
      method.isDynamic || !method.takesFactor
      ? originalContextLength
      : Int((Double(originalContextLength) * factor).rounded())
    return geometry
  }
}
