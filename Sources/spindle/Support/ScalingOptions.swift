import ArgumentParser
import Patching

/// The options that describe a RoPE scaling, shared by `stamp` (what to write) and `rope` (what
/// to preview without writing).
struct ScalingOptions: ParsableArguments {
  @Option(help: ArgumentHelp("YaRN with this factor.", valueName: "factor"))
  var yarn: Double?

  @Option(help: ArgumentHelp("Scaling type, with --factor.", valueName: "type"))
  var rope: StampRequest.Method?

  @Option(help: "Scale factor for --rope.")
  var factor: Double?

  @Option(help: "The context the model was trained with (default: read from the model).")
  var originalContext: Int?

  @Option(help: "The context after scaling (default: original × factor).")
  var context: Int?

  @Option(help: "YaRN beta_fast (default 32).")
  var betaFast: Double?

  @Option(help: "YaRN beta_slow (default 1).")
  var betaSlow: Double?

  @Option(help: "YaRN attention factor (default 1 + 0.1·ln factor).")
  var attentionFactor: Double?

  @Flag(help: "Dynamic YaRN (dynamic-yarn); with --rope dynamic, dynamic NTK.")
  var dynamic = false

  /// Whether any option here was given.
  var isEmpty: Bool {
    yarn == nil && rope == nil && factor == nil && originalContext == nil && context == nil
      && betaFast == nil && betaSlow == nil && attentionFactor == nil && !dynamic
  }

  /// The options as a request, after checking which of them go together.
  ///
  /// - Throws: `ValidationError` (exit 64) for a missing or doubled choice of method and for
  ///   values ``StampRequest/validate(path:)`` rejects.
  func request(replace: Bool = false, force: Bool = false) throws -> StampRequest {
    let method: StampRequest.Method
    let chosenFactor: Double
    switch (yarn, rope, factor) {
    case (let yarn?, nil, nil):
      (method, chosenFactor) = (.yarn, yarn)
    case (nil, let rope?, let factor?):
      (method, chosenFactor) = (rope, factor)
    case (_?, _?, _):
      throw ValidationError("--yarn and --rope both choose the scaling; give one")
    case (_?, nil, _?):
      throw ValidationError("--factor goes with --rope; --yarn takes its factor itself")
    case (nil, _?, nil):
      throw ValidationError("--rope needs --factor")
    case (nil, nil, _):
      throw ValidationError("give --yarn FACTOR, or --rope TYPE --factor FACTOR")
    }
    let request = StampRequest(
      method: method, factor: chosenFactor, originalContextLength: originalContext,
      contextLength: context, betaFast: betaFast, betaSlow: betaSlow,
      attentionFactor: attentionFactor, dynamic: dynamic, replace: replace, force: force)
    do { try request.validate() } catch { throw ValidationError(error.message) }
    return request
  }
}

extension StampRequest.Method: ExpressibleByArgument {}
