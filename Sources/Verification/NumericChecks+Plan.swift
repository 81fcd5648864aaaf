import Inference
import Models
import Tensors

extension NumericChecks {
  /// Tokens of the first pass that measures the forward pass's speed before the checks; it
  /// grows fourfold (to 256) while a pass takes under a quarter of a second, so a small model
  /// is not timed on its overhead.
  static let calibrationTokens = 16

  /// What the checks would run without a budget.
  var probes: VerificationPlan.Probes? {
    guard let model else { return nil }
    let settings = structure.settings ?? model.ropeSettings
    let window = originalWindow
    let context = settings.contextLength ?? model.ropeSettings.contextLength ?? window
    let scaled: Bool
    if case .none = settings.scaling { scaled = false } else { scaled = true }
    // llama.cpp's own kernel is compared beside on GGUF files (an estimate: not when the
    // attention factor sits in the weights).
    let kernel = isGGUF(model)
    return VerificationPlan.Probes(
      drift: reference == nil
        ? 0 : min(options.probeLength ?? VerificationOptions.defaultProbeLength, max(1, window)),
      driftFixed: options.probeLength != nil,
      longContext: scaled ? (options.longContextLength ?? min(2 * window, context)) : 0,
      longContextFixed: options.longContextLength != nil,
      longContextScored: options.bucketCount * options.samplesPerBucket,
      models: reference == nil ? 1 : 2, equivalenceModels: kernel ? 3 : 2, window: window)
  }

  /// The plan for `options.budget`, `elapsed` seconds into the verification, from timed
  /// passes of the patched model (``calibrationTokens``) and, when a long-context probe may
  /// run, its attention timed at that length (and at what the budget affords, when less);
  /// `nil` when the model cannot run.
  func plan(elapsed: Double) -> VerificationPlan? {
    guard let model, let probes else { return nil }
    do {
      let deployed = try deployed(model)
      let clock = ContinuousClock()
      var spent = 0.0
      var length = Self.calibrationTokens
      var rate = 0.0
      while true {
        let tokens = try tokens(length, for: model)
        let start = clock.now
        _ = try deployed.logits(tokens: tokens, startPosition: 0, outputs: [tokens.count - 1])
        let seconds = max(1e-6, (clock.now - start).seconds)
        spent += seconds
        rate =
          model.configuration.forwardOperations(tokens: tokens.count, logits: 1) / seconds
        guard seconds < 0.25, length < 256, tokens.count == length else { break }
        length *= 4
      }
      // Attention's long rows, timed where the long-context probe would reach them.
      var attentionRates: [Int: Double] = [:]
      func draft(_ rates: [Int: Double]) -> VerificationPlan {
        VerificationPlan(
          configuration: model.configuration, probes: probes, budget: options.budget,
          elapsed: elapsed + spent, operationsPerSecond: rate, attentionRates: rates)
      }
      func timeAttention(_ tokens: Int) -> Double {
        let start = clock.now
        let rate = deployed.attentionOperationsPerSecond(tokens: tokens)
        spent += (clock.now - start).seconds
        let timed = LlamaModel.attentionProbeLength(
          tokens: tokens, keyValueLength: model.configuration.keyValueLength)
        attentionRates[timed] = rate
        return rate
      }
      if probes.longContext > probes.window || probes.longContextFixed, probes.longContext > 0 {
        _ = timeAttention(probes.longContext)
        // Per operation attention runs faster at shorter rows, so a budget that affords less
        // than the length asked for was planned at too slow a rate. Timed again at what it
        // affords, and then at the longer length that rate would afford, each length is planned
        // at the rate timed at the shortest length at least as long.
        let affordable = draft(attentionRates).longContextTokens
        if !probes.longContextFixed, affordable < probes.longContext, affordable > 1 {
          let faster = timeAttention(affordable)
          let longer = draft([probes.longContext: faster]).longContextTokens
          if longer > affordable { _ = timeAttention(longer) }
        }
      }
      return draft(attentionRates)
    } catch {
      return nil
    }
  }

  /// The operations of the drift check's passes (both models), to measure its speed.
  func driftOperations(length: Int) -> Double {
    guard let model else { return 0 }
    return 2 * model.configuration.forwardOperations(tokens: length, logits: length)
  }
}
