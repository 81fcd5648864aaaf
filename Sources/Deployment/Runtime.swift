/// A runtime that loads checkpoints, at a range of its versions that read a rotary scaling
/// the same way.
///
/// The rules come from the runtime's own source at the versions named (``source``); where a
/// version range computes something other than the config intends, ``notes`` say why and
/// what to do, per aspect of the scaling.
public struct Runtime: Hashable, Sendable, Identifiable {
  /// The runtime's project.
  public enum Family: String, Hashable, Sendable, CaseIterable {
    case transformers
    case vllm = "vLLM"
    case llamaCpp = "llama.cpp"
  }

  /// What part of a scaling a note explains.
  public enum Aspect: String, Hashable, Sendable, CaseIterable {
    /// The runtime cannot load the config.
    case load
    /// The scaling is not read at all.
    case scaling
    case factor
    case originalContext = "original_context"
    case correctionRange = "correction_range"
    case attentionFactor = "attention_factor"
    case maxContext = "max_context"
    case inverseFrequencies = "inverse_frequencies"
  }

  /// Why a runtime computes something else for one aspect, and what to do about it.
  public struct Note: Hashable, Sendable {
    public var cause: String
    public var fix: String
  }

  /// A stable identifier for options and JSON: `transformers-4.51`, `vllm-0.30`, `llama.cpp`.
  public var id: String
  /// The versions, as people name them: `transformers 4.51–4.54`.
  public var name: String
  public var family: Family
  /// Where the rules were read: file, version and function.
  public var source: String
  public var rules: RuntimeRules
  public var notes: [Aspect: Note]
}
