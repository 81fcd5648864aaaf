import Evaluation
import Formats
import Tensors

/// The results an interrupted `eval-context --resume FILE` saved, usable only by a run with
/// the same model, protocol, numerics, texts (by SHA-256) and passkey settings.
struct SavedResults {
  var perplexities: [String: PerplexityResult] = [:]
  var passkeys: [String: PasskeyResult] = [:]

  /// `nil` when `path` does not exist yet.
  ///
  /// - Throws: a ``CommandFailure`` naming the file when it is not a saved run, or another
  ///   run's (naming the first setting that differs).
  init?(path: String, for run: EvalContextDocument) throws {
    guard ((try? Syscalls.pathStatus(path)) ?? nil) != nil else { return nil }
    guard let bytes = Syscalls.readWhole(path, limit: Limits.jsonDocumentBytes) else {
      throw CommandFailure("\(path): cannot read the saved results", path: path)
    }
    let saved: JSONValue
    do { saved = try JSONValue.parse(String(decoding: bytes, as: UTF8.self), path: path) } catch {
      throw CommandFailure("\(path): not a saved eval-context run: \(error)", cause: error)
    }
    let mine = try JSONValueEncoder().encode(run)
    for key in [
      "model", "protocol", "stride", "numerics", "flash_attention", "original_context_length",
      "passkey_trials", "passkey_seed",
    ] where (saved[key] ?? .null) != (mine[key] ?? .null) {
      throw CommandFailure(
        "\(path) holds another run's results (its \(key) is \(Self.shown(saved[key])), this"
          + " run's \(Self.shown(mine[key]))); remove it or name another file", path: path)
    }
    let texts = saved["texts"]?.array?.map { $0["sha256"]?.string } ?? []
    guard texts == run.texts.map(\.sha256) else {
      throw CommandFailure(
        "\(path) holds results for other texts (SHA-256s differ); remove it or name another"
          + " file", path: path)
    }
    for entry in saved["results"]?.array ?? [] {
      guard let result = Self.perplexity(entry) else { continue }
      perplexities[Self.key(result.method, result.factor, result.length)] = result
    }
    for entry in saved["passkey"]?.array ?? [] {
      guard let result = Self.passkey(entry) else { continue }
      passkeys[Self.key(result.method, result.factor, result.length, result.depth)] = result
    }
  }

  func perplexity(_ method: ContextMethod, _ factor: Double, _ length: Int) -> PerplexityResult? {
    perplexities[Self.key(method.rawValue, method.takesFactor ? factor : nil, length)]
  }

  func passkey(_ method: ContextMethod, _ factor: Double, _ length: Int, _ depth: Double?)
    -> PasskeyResult?
  {
    passkeys[Self.key(method.rawValue, method.takesFactor ? factor : nil, length, depth)]
  }

  static func key(_ method: String, _ factor: Double?, _ length: Int, _ depth: Double? = nil)
    -> String
  {
    "\(method)|\(factor.map { "\($0)" } ?? "")|\(length)|\(depth.map { "\($0)" } ?? "")"
  }

  static func shown(_ value: JSONValue?) -> String {
    guard let value else { return "absent" }
    return value.serialized(.compact)
  }

  static func number(_ value: JSONValue?) -> Double? {
    guard case .number(let number)? = value else { return nil }
    return number.double
  }

  static func perplexity(_ entry: JSONValue) -> PerplexityResult? {
    guard let method = entry["method"]?.string, let length = entry["length"]?.number?.int,
      let perplexity = number(entry["perplexity"]),
      let nll = number(entry["mean_negative_log_likelihood"]),
      let scored = entry["scored_tokens"]?.number?.int, let texts = entry["texts"]?.number?.int,
      let passes = entry["passes"]?.number?.int, let tokens = entry["tokens_run"]?.number?.int,
      let seconds = number(entry["seconds"])
    else { return nil }
    return PerplexityResult(
      method: method, factor: number(entry["factor"]), length: length, perplexity: perplexity,
      meanNegativeLogLikelihood: nll, scoredTokens: scored, texts: texts, passes: passes,
      tokensRun: tokens, seconds: seconds)
  }

  static func passkey(_ entry: JSONValue) -> PasskeyResult? {
    guard let method = entry["method"]?.string, let length = entry["length"]?.number?.int,
      let trials = entry["trials"]?.number?.int, let correct = entry["correct"]?.number?.int,
      let seconds = number(entry["seconds"])
    else { return nil }
    return PasskeyResult(
      method: method, factor: number(entry["factor"]), length: length,
      depth: number(entry["depth"]), trials: trials, correct: correct, seconds: seconds)
  }
}
