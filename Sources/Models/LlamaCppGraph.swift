/// What llama.cpp's graph reads from a GGUF besides the tensors every model has, by
/// `general.architecture`: the rotary tables and the YaRN β keys.
///
/// The architectures Spindle describes (``Architecture/all``) say it themselves
/// (``Architecture/ropeTables``, ``Architecture/readsYaRNBetas``); llama.cpp knows many more
/// that Spindle stamps but does not load, listed here from the llama-cpp-python sdist's
/// `src/models/*.cpp` (the classes whose `load_arch_tensors` creates `rope_freqs` /
/// `rope_long`+`rope_short` with `TENSOR_NOT_REQUIRED`, and whose `load_arch_hparams` reads
/// `ROPE_SCALING_YARN_BETA_*`). Every other architecture refuses a file that carries such a
/// tensor ("wrong number of tensors") and runs with β_fast 32, β_slow 1.
public enum LlamaCppGraph {
  /// Architectures not described in `Architectures/` whose graph reads `rope_freqs.weight`.
  static let otherArchitecturesReadingFrequencies: Set<String> = [
    "llama4", "deci", "refact", "minicpm", "falcon-h1", "exaone", "exaone4", "exaone-moe",
    "granite", "granitemoe", "granitehybrid", "arcee", "llada", "apertus", "mistral3", "step35",
    "nanbeige", "pangu-embedded", "cogvlm", "gemma4",
  ]

  /// Architectures not described in `Architectures/` whose graph reads
  /// `rope_factors_long.weight` and `rope_factors_short.weight`.
  static let otherArchitecturesReadingLongShortFactors: Set<String> = [
    "phimoe", "llama-embed", "apertus", "deci", "granite", "granitemoe", "granite_swa",
    "minicpm", "minicpm3", "mistral3", "pangu-embedded", "refact", "step35",
  ]

  /// Architectures not described in `Architectures/` whose loader reads
  /// `rope.scaling.yarn_beta_fast` / `_slow` (`src/models/grok.cpp`, `src/models/mistral3.cpp`).
  static let otherArchitecturesReadingYaRNBetas: Set<String> = ["grok", "mistral3"]

  /// The GGUF architectures whose graph reads `table`.
  public static func architectures(reading table: Architecture.RopeTable) -> Set<String> {
    let described = Architecture.all.filter { $0.ropeTables.contains(table) }.map(\.ggufName)
    switch table {
    case .frequencies: return otherArchitecturesReadingFrequencies.union(described)
    case .longShortFactors: return otherArchitecturesReadingLongShortFactors.union(described)
    }
  }

  /// Whether `architecture`'s graph reads `table`.
  public static func reads(_ table: Architecture.RopeTable, architecture: String) -> Bool {
    architectures(reading: table).contains(architecture)
  }

  /// The GGUF architectures whose loader reads the YaRN β keys.
  public static var architecturesReadingYaRNBetas: Set<String> {
    otherArchitecturesReadingYaRNBetas.union(
      Architecture.all.filter(\.readsYaRNBetas).map(\.ggufName))
  }
}
