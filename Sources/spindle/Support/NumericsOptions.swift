import ArgumentParser
import Inference

/// `--numerics exact|llama.cpp` and `--flash-attn`, one spelling for every command that runs
/// the forward pass (`run`, `verify`, `bench`, `eval-context`).
struct NumericsOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Where the forward pass rounds: exact (Float) or llama.cpp (llama.cpp's CPU rounding).",
      valueName: "exact|llama.cpp"),
    transform: Numerics.init(parsing:))
  var numerics: Numerics = .exact

  @Option(
    name: .customLong("flash-attn"),
    help: ArgumentHelp(
      "With --numerics llama.cpp: llama.cpp's attention path, as its -fa (auto: on, its CPU default).",
      valueName: "auto|on|off"))
  var flashAttn: FlashAttentionSetting = .auto

  /// Refuses an unknown or unrunnable `SPINDLE_KERNELS` before any I/O.
  func validate() throws {
    if case .failure(let error) = KernelLevel.requested { throw ValidationError(error.message) }
  }

  /// The forward pass's rounding.
  var mode: NumericMode { numerics.mode }

  /// Whether the forward pass takes llama.cpp's flash-attention path.
  var flashAttention: Bool { numerics == .llamaCpp && flashAttn.isOn }
}

/// The values of `--numerics`.
enum Numerics: String, CaseIterable, Sendable {
  case exact
  case llamaCpp = "llama.cpp"

  /// The value `text` names; an unknown name is an error listing the valid ones, with the
  /// right spelling for the near misses people type (`llama-cpp`, `llamacpp`).
  init(parsing text: String) throws {
    if let value = Numerics(rawValue: text) {
      self = value
      return
    }
    let valid = Self.allCases.map(\.rawValue).joined(separator: ", ")
    let squashed = text.lowercased().filter { $0.isLetter }
    if let near = Self.allCases.first(where: { $0.rawValue.filter(\.isLetter) == squashed }) {
      throw ValidationError("use '\(near.rawValue)' (the values are \(valid))")
    }
    throw ValidationError("the values are \(valid)")
  }

  var mode: NumericMode {
    switch self {
    case .exact: .exact
    case .llamaCpp: .llamaCpp
    }
  }
}
