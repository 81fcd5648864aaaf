public import Inference
import RoPE

extension ModelCheckpoint {
  /// The rotary description from `source`.
  ///
  /// LongRoPE (phi3) picks its table by `longRoPE`; `nil` means each runtime's default:
  /// llama.cpp's (``LongRoPEFactors/context(_:)`` at the model's context length, its default
  /// `n_ctx`, so the long table whenever the model was extended) for ``RotarySource/llamaCpp``,
  /// and transformers' at sequences within the original window (``LongRoPEFactors/short``)
  /// for ``RotarySource/runtime``. Pass `.context(sequenceLength)` to follow transformers on a
  /// longer sequence. The attention factor is each runtime's: llama.cpp's
  /// `rope.scaling.attn_factor` from GGUF; transformers' `attention_factor`, else
  /// `√(1 + ln s / ln L)`, from config.json.
  ///
  /// - Throws: `settings` when the scaling is invalid for the geometry.
  public func rotary(_ source: RotarySource, longRoPE: LongRoPEFactors? = nil)
    throws(ModelError) -> RotaryEmbedding
  {
    let d = rotaryConfiguration.rotaryDimension
    let useLong = usesLongFactors(longRoPE ?? defaultLongRoPE(source))
    // llama.cpp's freq_factors: rope_freqs first, else the LongRoPE table for the context.
    let tableFactors = frequencyFactors ?? longRoPETables.map { useLong ? $0.long : $0.short }
    var scaling = ropeSettings.scaling
    var sequenceLength: Int? = nil
    if case .longRoPE(let short, _, let factor, _) = scaling {
      if short.isEmpty {
        // GGUF form: the factors are tensors, the magnitude rope.scaling.attn_factor, and a
        // rope.scaling.factor key only scales positions (freq_scale = 1/factor).
        scaling = factor.map { $0 > 1 ? .linear(factor: $0) : .none } ?? .none
      } else {
        let original = rotaryConfiguration.originalContextLength
        sequenceLength = useLong ? original + 1 : original
      }
    }
    switch source {
    case .llamaCpp:
      var kernel: GGMLRoPE
      do {
        kernel = try GGMLRoPE(
          scaling: scaling, configuration: rotaryConfiguration, sequenceLength: sequenceLength)
      } catch {
        throw ModelError(.settings, path: path, name: "rope", error.description)
      }
      kernel.attentionFactor *= ropeAttentionFactor
      if let tableFactors { kernel.frequencyFactors = tableFactors }
      return RotaryEmbedding(layout: rotaryLayout, dimensionCount: d, angles: .ggml(kernel))
    case .runtime:
      var frequencies: RoPEFrequencies
      do {
        frequencies = try scaling.frequencies(
          for: rotaryConfiguration, sequenceLength: sequenceLength)
      } catch {
        throw ModelError(.settings, path: path, name: "rope", error.description)
      }
      if let tableFactors {
        for i in frequencies.inverseFrequencies.indices where i < tableFactors.count {
          frequencies.inverseFrequencies[i] /= tableFactors[i]
        }
      }
      if case .none = scaling { frequencies.attentionFactor = ropeAttentionFactor }
      return RotaryEmbedding(layout: rotaryLayout, frequencies: frequencies)
    }
  }

  /// llama.cpp runs at the model's context by default; transformers within the window.
  func defaultLongRoPE(_ source: RotarySource) -> LongRoPEFactors {
    switch source {
    case .llamaCpp: .context(rotaryConfiguration.maxPositionEmbeddings)
    case .runtime: .short
    }
  }

  /// Whether `choice` selects the long table.
  public func usesLongFactors(_ choice: LongRoPEFactors) -> Bool {
    switch choice {
    case .short: false
    case .long: true
    case .context(let length): length > rotaryConfiguration.originalContextLength
    }
  }
}
