public import Models

extension StampRequest {
  /// Checks the request on its own, before any file is read: the checks `spindle stamp` runs
  /// on its options.
  ///
  /// - Throws: ``PatchError/Kind/invalidArgument`` (options that do not go together) or
  ///   ``PatchError/Kind/invalidValue`` (a number out of its domain), naming the option.
  public func validate(path: String = "") throws(PatchError) {
    func invalid(_ option: String, _ message: String) -> PatchError {
      PatchError(.invalidValue, path: path, key: option, message)
    }
    if bakeAttention && !tables {
      throw PatchError(
        .invalidArgument, path: path, key: "--bake-attention",
        "--bake-attention folds the attention factor that goes with baked tables; add --tables")
    }
    guard factor.isFinite, factor >= 1 else {
      throw invalid(
        "--factor",
        "the factor must be a finite number >= 1 (below 1 it would shrink the context), not"
          + " \(PatchError.number(factor))")
    }
    if let original = originalContextLength, original <= 0 {
      throw invalid("--original-context", "--original-context must be positive, not \(original)")
    }
    if let context = contextLength, context <= 0 {
      throw invalid("--context", "--context must be positive, not \(context)")
    }
    if let original = originalContextLength, let context = contextLength, context < original {
      throw invalid(
        "--context",
        "--context \(context) is below --original-context \(original): scaling cannot shrink"
          + " the context")
    }
    try validateLongRoPE(path: path)
    if method != .yarn {
      let yarnOnly: [(String, Bool)] = [
        ("--beta-fast", betaFast != nil), ("--beta-slow", betaSlow != nil),
        ("--attention-factor", attentionFactor != nil && method != .longrope),
      ]
      if let (option, _) = yarnOnly.first(where: { $0.1 }) {
        throw PatchError(
          .invalidArgument, path: path, key: option,
          "\(option) applies to YaRN only, not to \(method.rawValue) scaling")
      }
      if dynamic && method != .dynamic {
        throw PatchError(
          .invalidArgument, path: path, key: "--dynamic",
          "--dynamic applies to YaRN (dynamic-yarn) and NTK (--rope dynamic); transformers has"
            + " no dynamic \(method.rawValue) scaling")
      }
    }
    for (option, value) in [("--beta-fast", betaFast), ("--beta-slow", betaSlow)] {
      if let value, !(value.isFinite && value > 0) {
        throw invalid(
          option, "\(option) must be a positive number, not \(PatchError.number(value))")
      }
    }
    let fast = betaFast ?? 32
    let slow = betaSlow ?? 1
    if fast <= slow {
      throw invalid(
        "--beta-fast",
        "--beta-fast (\(PatchError.number(fast))) must be above --beta-slow"
          + " (\(PatchError.number(slow)))")
    }
    if let attentionFactor, !(attentionFactor.isFinite && attentionFactor > 0) {
      throw invalid(
        "--attention-factor",
        "--attention-factor must be a positive number, not \(PatchError.number(attentionFactor))")
    }
  }

  /// LongRoPE's own checks: both factor lists, of one length, positive; none for other methods.
  private func validateLongRoPE(path: String) throws(PatchError) {
    guard method == .longrope else {
      if !shortFactors.isEmpty || !longFactors.isEmpty {
        throw PatchError(
          .invalidArgument, path: path,
          key: shortFactors.isEmpty ? "--long-factors" : "--short-factors",
          "--long-factors and --short-factors apply to LongRoPE (--rope longrope) only, not to"
            + " \(method.rawValue) scaling")
      }
      return
    }
    for (option, factors) in [("--short-factors", shortFactors), ("--long-factors", longFactors)] {
      if factors.isEmpty {
        throw PatchError(
          .invalidArgument, path: path, key: option,
          "LongRoPE needs --long-factors and --short-factors (one divisor per rotary pair), or"
            + " --from-config CONFIG with a longrope rope_scaling")
      }
      if let index = factors.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
        throw PatchError(
          .invalidValue, path: path, key: option,
          "\(option) must hold finite positive numbers, found"
            + " \(PatchError.number(factors[index])) at index \(index)")
      }
    }
    if shortFactors.count != longFactors.count {
      throw PatchError(
        .invalidArgument, path: path, key: "--long-factors",
        "--long-factors has \(longFactors.count) values and --short-factors"
          + " \(shortFactors.count); both hold one per rotary pair")
    }
    if bakeAttention {
      throw PatchError(
        .unsupported, path: path, key: "--bake-attention",
        "--bake-attention is not supported for LongRoPE: its attention factor stays in"
          + " rope.scaling.attn_factor (GGUF) or config.json")
    }
  }
}
