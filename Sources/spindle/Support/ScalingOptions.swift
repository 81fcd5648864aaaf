import ArgumentParser
import Formats
import Patching
import Tensors

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

  @Option(
    help: ArgumentHelp(
      "LongRoPE long_factor: comma-separated numbers, or @FILE holding a JSON array.",
      valueName: "list"))
  var longFactors: String?

  @Option(
    help: ArgumentHelp(
      "LongRoPE short_factor: comma-separated numbers, or @FILE holding a JSON array.",
      valueName: "list"))
  var shortFactors: String?

  @Option(
    help: ArgumentHelp(
      "Take the scaling and context lengths a Hugging Face config declares (a config.json or"
        + " its folder), e.g. the phi3 config a GGUF was converted from.",
      valueName: "config"))
  var fromConfig: String?

  /// Whether any option here was given.
  var isEmpty: Bool {
    yarn == nil && rope == nil && factor == nil && originalContext == nil && context == nil
      && betaFast == nil && betaSlow == nil && attentionFactor == nil && !dynamic
      && longFactors == nil && shortFactors == nil && fromConfig == nil
  }

  /// The options as a request, after checking which of them go together.
  ///
  /// - Throws: `ValidationError` (exit 64) for a missing or doubled choice of method and for
  ///   values ``StampRequest/validate(path:)`` rejects.
  func request(replace: Bool = false, force: Bool = false) throws -> StampRequest {
    if let fromConfig {
      return try configRequest(fromConfig, replace: replace, force: force)
    }
    let method: StampRequest.Method
    let chosenFactor: Double
    switch (yarn, rope, factor) {
    case (nil, .longrope?, nil):
      // LongRoPE states no factor: s = context / original, as Phi-3's configs have it.
      (method, chosenFactor) = (.longrope, 1)
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
    var request = StampRequest(
      method: method, factor: chosenFactor, originalContextLength: originalContext,
      contextLength: context, betaFast: betaFast, betaSlow: betaSlow,
      attentionFactor: attentionFactor, dynamic: dynamic, replace: replace, force: force)
    request.derivesFactor = method == .longrope && factor == nil
    request.longFactors =
      try longFactors.map { try Self.numbers($0, option: "--long-factors") } ?? []
    request.shortFactors =
      try shortFactors.map { try Self.numbers($0, option: "--short-factors") } ?? []
    do { try request.validate() } catch { throw ValidationError(error.message) }
    return request
  }

  /// The request that stamps what the config at `path` declares (`--from-config`).
  ///
  /// - Throws: `ValidationError` when other scaling options are given too; ``PatchError`` when
  ///   the config cannot be read or declares no scaling `stamp` can write.
  private func configRequest(_ path: String, replace: Bool, force: Bool) throws -> StampRequest {
    var copy = self
    copy.fromConfig = nil
    if !copy.isEmpty {
      throw ValidationError(
        "--from-config takes the whole scaling and both context lengths from the config; give"
          + " no other scaling option with it")
    }
    let source = try RoPESource(path: path)
    guard source.format == .huggingFace || source.format == .config else {
      throw ValidationError(
        "--from-config reads a Hugging Face config.json or its folder, not '\(path)'")
    }
    var request = try StampRequest(stamping: source.settings, path: source.settingsPath)
    request.replace = replace
    request.force = force
    do { try request.validate() } catch { throw ValidationError(error.message) }
    return request
  }

  /// A factor list: `1.0,1.02,…`, or `@FILE` holding a JSON array of numbers.
  static func numbers(_ text: String, option: String) throws -> [Double] {
    if text.hasPrefix("@") {
      let path = String(text.dropFirst())
      let value: JSONValue
      do {
        let file = try MappedFile(path: path)
        let bytes = file.count == 0 ? [] : file.bytes(in: 0..<file.count)
        value = try JSONValue.parse(String(decoding: bytes, as: UTF8.self), path: path)
      } catch { throw ValidationError("\(option) \(text): \(error)") }
      let numbers = value.array?.compactMap(\.number?.double) ?? []
      guard let array = value.array, numbers.count == array.count, !array.isEmpty else {
        throw ValidationError("\(option) \(text): the file must hold a JSON array of numbers")
      }
      return numbers
    }
    var numbers: [Double] = []
    for (index, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
      let trimmed = String(part.filter { !$0.isWhitespace })
      guard let number = Double(trimmed) else {
        throw ValidationError(
          "\(option): entry \(index) '\(trimmed)' is not a number (give comma-separated numbers,"
            + " or @FILE holding a JSON array)")
      }
      numbers.append(number)
    }
    return numbers
  }
}

extension StampRequest.Method: ExpressibleByArgument {}
