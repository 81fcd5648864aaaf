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

  @Option(
    name: .customLong("llama-cpp-build"),
    help: ArgumentHelp(
      "With --numerics llama.cpp: the x86 llama.cpp build whose sums to reproduce, avx2 or avx512 (auto: the one llama.cpp runs on this CPU, \(LlamaCppBuild.native.rawValue)).",
      valueName: "auto|avx2|avx512"),
    transform: LlamaCppBuildSetting.init(parsing:))
  var llamaCppBuild: LlamaCppBuildSetting = .auto

  /// Refuses an unknown or unrunnable `SPINDLE_KERNELS` before any I/O.
  func validate() throws {
    if case .failure(let error) = KernelLevel.requested { throw ValidationError(error.message) }
  }

  /// The forward pass's rounding.
  var mode: NumericMode { numerics.mode }

  /// The llama.cpp build whose sums llama.cpp numerics follow.
  var build: LlamaCppBuild { llamaCppBuild.build ?? .native }

  /// Runs `body` with its forward passes in ``build``'s sums.
  func scoped<Result>(_ body: () throws -> Result) rethrows -> Result {
    try LlamaCppBuild.withBuild(build, body)
  }

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

/// The values of `--llama-cpp-build`: `auto` or a ``LlamaCppBuild``.
enum LlamaCppBuildSetting: Equatable, Sendable {
  case auto
  case build(LlamaCppBuild)

  /// The value `text` names; an unknown name is an error listing the valid ones.
  init(parsing text: String) throws {
    if text == "auto" {
      self = .auto
    } else if let build = LlamaCppBuild(rawValue: text.lowercased()) {
      self = .build(build)
    } else {
      let valid = (["auto"] + LlamaCppBuild.allCases.map(\.rawValue)).joined(separator: ", ")
      throw ValidationError("the values are \(valid)")
    }
  }

  /// The build asked for, or nil for `auto`.
  var build: LlamaCppBuild? {
    switch self {
    case .auto: nil
    case .build(let build): build
    }
  }
}
